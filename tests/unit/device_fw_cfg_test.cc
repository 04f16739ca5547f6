#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>

#include "devices/fw_cfg.h"
#include "protocol/fw_cfg.h"
#include "vmm/bus/bus.h"

namespace svmm {
namespace {

const Requester kWho = Requester::guest_os(0);

class FwCfgTest : public ::testing::Test {
 protected:
  void select(uint16_t key) {
    const std::array<uint8_t, 2> b{static_cast<uint8_t>(key), static_cast<uint8_t>(key >> 8)};
    dev_.write(FwCfg::kSelectorOffset, b, kWho);
  }
  uint8_t data() {
    uint8_t v = 0xAB;
    dev_.read(FwCfg::kDataOffset, std::span<uint8_t>(&v, 1), kWho);
    return v;
  }
  uint64_t read_le(unsigned bytes) {
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; ++i) v |= uint64_t{data()} << (8 * i);
    return v;
  }
  FwCfg dev_{5ull << 30, 3};  // 5 GiB, 3 vCPUs
};

TEST_F(FwCfgTest, SignatureIsQemu) {
  select(SVMM_FW_CFG_SIGNATURE);
  std::string sig;
  for (int i = 0; i < 4; ++i) sig += static_cast<char>(data());
  EXPECT_EQ(sig, "QEMU");
  EXPECT_EQ(data(), 0) << "past the end";
}

TEST_F(FwCfgTest, IdIsZero) {
  select(SVMM_FW_CFG_ID);
  EXPECT_EQ(read_le(4), 0u);
}

TEST_F(FwCfgTest, RamSizeInBytesAsSixtyFourBits) {
  select(SVMM_FW_CFG_RAM_SIZE);
  EXPECT_EQ(read_le(8), 5ull << 30);
}

TEST_F(FwCfgTest, CpuCountAsSixteenBits) {
  select(SVMM_FW_CFG_NB_CPUS);
  EXPECT_EQ(read_le(2), 3u);
  EXPECT_EQ(data(), 0);
}

TEST_F(FwCfgTest, SelectingRewinds) {
  select(SVMM_FW_CFG_SIGNATURE);
  EXPECT_EQ(data(), 'Q');
  EXPECT_EQ(data(), 'E');
  select(SVMM_FW_CFG_SIGNATURE);
  EXPECT_EQ(data(), 'Q');
}

TEST_F(FwCfgTest, OtherKeysReadZero) {
  for (uint16_t key : {0x0002, 0x0004, 0x0019, 0x4000, 0x8000, 0xFFFF}) {
    select(key);
    EXPECT_EQ(read_le(8), 0u) << key;
  }
}

TEST_F(FwCfgTest, DefaultSelectionIsTheSignature) { EXPECT_EQ(data(), 'Q'); }

TEST_F(FwCfgTest, ByteWritesDoNotSelectAndDataWritesAreIgnored) {
  select(SVMM_FW_CFG_NB_CPUS);
  const uint8_t zero = 0;
  dev_.write(FwCfg::kSelectorOffset, std::span<const uint8_t>(&zero, 1), kWho);
  dev_.write(FwCfg::kDataOffset, std::span<const uint8_t>(&zero, 1), kWho);
  EXPECT_EQ(read_le(2), 3u);
}

TEST_F(FwCfgTest, SelectorReadsAllOnes) {
  uint8_t v = 0;
  dev_.read(FwCfg::kSelectorOffset, std::span<uint8_t>(&v, 1), kWho);
  EXPECT_EQ(v, 0xFF);
}

TEST(FwCfg, ThroughThePioBus) {
  PioBus bus("pio");
  bus.insert(FwCfg::kBase, FwCfg::kRangeLength, std::make_shared<FwCfg>(64ull << 20, 2), "fw_cfg");
  const std::array<uint8_t, 2> sel{SVMM_FW_CFG_NB_CPUS, 0};
  EXPECT_TRUE(bus.write(SVMM_PORT_FW_CFG_SELECTOR, sel, kWho));
  uint8_t v = 0;
  EXPECT_TRUE(bus.read(SVMM_PORT_FW_CFG_DATA, std::span<uint8_t>(&v, 1), kWho));
  EXPECT_EQ(v, 2);
}

}  // namespace
}  // namespace svmm
