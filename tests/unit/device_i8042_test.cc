#include <gtest/gtest.h>

#include <array>
#include <memory>

#include "devices/i8042.h"
#include "protocol/ports.h"
#include "vmm/bus/bus.h"
#include "vmm/util/error.h"

namespace svmm {
namespace {

const Requester kWho = Requester::guest_os(0);

class I8042Test : public ::testing::Test {
 protected:
  uint8_t in(uint64_t offset) {
    uint8_t v = 0xAB;
    dev_.read(offset, std::span<uint8_t>(&v, 1), kWho);
    return v;
  }
  void out(uint64_t offset, uint8_t v) {
    dev_.write(offset, std::span<const uint8_t>(&v, 1), kWho);
  }
  int resets_ = 0;
  I8042 dev_{[this] { ++resets_; }};
};

TEST_F(I8042Test, ResetCommandCallsTheHandler) {
  out(I8042::kCommandOffset, SVMM_I8042_CMD_RESET);
  EXPECT_EQ(resets_, 1);
}

TEST_F(I8042Test, OtherCommandsAndDataWritesAreIgnored) {
  out(I8042::kCommandOffset, 0xAA);  // self-test
  out(I8042::kCommandOffset, 0xD1);  // write output port
  out(I8042::kDataOffset, SVMM_I8042_CMD_RESET);
  EXPECT_EQ(resets_, 0);
}

TEST_F(I8042Test, StatusSaysNoDataAndInputBufferEmpty) {
  const uint8_t status = in(I8042::kCommandOffset);
  EXPECT_EQ(status & 0x01, 0);  // OBF: nothing to read
  EXPECT_EQ(status & 0x02, 0);  // IBF: ready for a command (Linux kb_wait())
  EXPECT_EQ(status, 0x1C);
}

TEST_F(I8042Test, DataPortReadsZero) { EXPECT_EQ(in(I8042::kDataOffset), 0); }

TEST_F(I8042Test, PortsBetweenDataAndCommandReadAllOnes) {
  for (uint64_t off = 1; off < I8042::kCommandOffset; ++off) EXPECT_EQ(in(off), 0xFF);
}

TEST(I8042, EmptyHandlerIsRefused) { EXPECT_THROW(I8042(nullptr), InternalError); }

TEST(I8042, ResetThroughThePioBusAtPort0x64) {
  int resets = 0;
  PioBus bus("pio");
  bus.insert(I8042::kBase, I8042::kRangeLength, std::make_shared<I8042>([&] { ++resets; }),
             "i8042");
  const std::array<uint8_t, 1> reset{SVMM_I8042_CMD_RESET};
  ASSERT_TRUE(bus.write(SVMM_PORT_I8042_CMD, reset, kWho));
  EXPECT_EQ(resets, 1);
  std::array<uint8_t, 1> status{};
  ASSERT_TRUE(bus.read(SVMM_PORT_I8042_CMD, status, kWho));
  EXPECT_EQ(status[0], I8042::kStatus);
  EXPECT_FALSE(bus.read(0x65, status, kWho));
}

}  // namespace
}  // namespace svmm
