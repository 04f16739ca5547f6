// The MCH's windows on an MMIO bus, its forwarding of 0xE00-0xEFF to the ICH (seed 0025), the
// processors-only rule (seed 0027) and the ICH's token path (token.md section 2).
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <stdexcept>

#include "chipset/config_space.h"
#include "chipset/ich.h"
#include "chipset/mch.h"
#include "protocol/chipset.h"
#include "protocol/memory_map.h"
#include "tests/unit/chipset_fakes.h"
#include "vmm/bus/bus.h"

namespace svmm {
namespace {

using fakes::RecordingChipsetHost;

const Requester kGuest = Requester::guest_os(0);
const Requester kTrusted = Requester::trusted_vm(0, 0);

class ChipsetHubs : public ::testing::Test {
 protected:
  ChipsetHubs() {
    bus_.insert(SVMM_MMIO_CHIPSET_PRIVATE, SVMM_MMIO_CHIPSET_WINDOW_SIZE,
                mch_.window_device(ChipsetWindow::Private), "chipset private");
    bus_.insert(SVMM_MMIO_CHIPSET_PUBLIC, SVMM_MMIO_CHIPSET_WINDOW_SIZE,
                mch_.window_device(ChipsetWindow::Public), "chipset public");
    bus_.freeze();
  }
  uint64_t bus_read(uint64_t addr, const Requester& who, std::size_t width = 8) {
    std::array<uint8_t, 8> b{};
    EXPECT_TRUE(bus_.read(addr, std::span<uint8_t>(b).first(width), who));
    uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i) v |= uint64_t{b[i]} << (8 * i);
    return v;
  }
  void bus_write(uint64_t addr, uint64_t v, const Requester& who) {
    std::array<uint8_t, 8> b{};
    for (std::size_t i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    EXPECT_TRUE(bus_.write(addr, b, who));
  }

  RecordingChipsetHost host_;
  ConfigSpace cs_{fakes::chipset_options(), host_};
  Ich ich_{cs_};
  Mch mch_{cs_, ich_};
  Bus bus_{"mmio"};
};

TEST_F(ChipsetHubs, ThePublicWindowServesTheRegisterFileOnTheBus) {
  EXPECT_EQ(bus_read(SVMM_MMIO_CHIPSET_PUBLIC + SVMM_CS_DIDVID, kGuest), SVMM_DIDVID_VALUE);
  bus_write(SVMM_MMIO_CHIPSET_PUBLIC + SVMM_CS_SCRATCH, 0x42, kGuest);
  EXPECT_EQ(cs_.read_register(SVMM_CS_SCRATCH), 0x42u);
}

TEST_F(ChipsetHubs, ThePrivateWindowAppliesThePrivateRules) {
  EXPECT_EQ(bus_read(SVMM_MMIO_CHIPSET_PRIVATE + SVMM_CS_STS, kGuest), ~0ull);
  EXPECT_EQ(host_.aborts().at(0).record.window, ChipsetWindow::Private);
  EXPECT_EQ(host_.aborts().at(0).record.reason, SVMM_ABORT_PRIVATE_NO_GRANT);
  cs_.secure_launch({});
  bus_write(SVMM_MMIO_CHIPSET_PRIVATE + SVMM_CS_CMD_NO_SECRETS, 0, kTrusted);
  EXPECT_EQ(cs_.read_register(SVMM_CS_E2STS), 0u);
}

TEST_F(ChipsetHubs, TheMchForwardsExactlyTheIchRangeToTheIch) {
  (void)bus_read(SVMM_MMIO_CHIPSET_PUBLIC + 0xDF8, kGuest);
  EXPECT_EQ(ich_.forwarded(), 0u);
  EXPECT_EQ(bus_read(SVMM_MMIO_CHIPSET_PUBLIC + SVMM_CS_ICH_TOKEN_STS, kGuest),
            0x1ull | (1ull << 8) | (1ull << 12));
  EXPECT_EQ(ich_.forwarded(), 1u);
  (void)bus_read(SVMM_MMIO_CHIPSET_PUBLIC + SVMM_CS_ICH_TOKEN_FORWARDS, kGuest, 4);
  (void)bus_read(SVMM_MMIO_CHIPSET_PUBLIC + 0xEFF, kGuest, 1);
  EXPECT_EQ(ich_.forwarded(), 3u);
  (void)bus_read(SVMM_MMIO_CHIPSET_PUBLIC + 0xF00, kGuest);
  EXPECT_EQ(ich_.forwarded(), 3u);
}

TEST_F(ChipsetHubs, IchRegistersKeepTheSameRulesThroughTheForwardingPath) {
  bus_write(SVMM_MMIO_CHIPSET_PUBLIC + SVMM_CS_ICH_TOKEN_FORWARDS, 0, kGuest);
  ASSERT_EQ(host_.aborts().size(), 1u);
  EXPECT_EQ(host_.aborts()[0].record.reason, SVMM_ABORT_READ_ONLY);
  EXPECT_EQ(host_.aborts()[0].record.offset, SVMM_CS_ICH_TOKEN_FORWARDS);
  EXPECT_EQ(bus_read(SVMM_MMIO_CHIPSET_PRIVATE + SVMM_CS_ICH_TOKEN_STS, kGuest), ~0ull);
  EXPECT_EQ(host_.aborts().back().record.reason, SVMM_ABORT_PRIVATE_NO_GRANT);
}

TEST_F(ChipsetHubs, NonProcessorRequestersGetAllOnesAndChangeNothing) {
  const Requester device = Requester::monitor();  // a VMM device arriving through the bus
  EXPECT_EQ(bus_read(SVMM_MMIO_CHIPSET_PUBLIC + SVMM_CS_DIDVID, device), ~0ull);
  EXPECT_EQ(bus_read(SVMM_MMIO_CHIPSET_PRIVATE + SVMM_CS_DIDVID, device), ~0ull);
  bus_write(SVMM_MMIO_CHIPSET_PRIVATE + SVMM_CS_CMD_UNLOCK_MEM_CONFIG, 0, device);
  bus_write(SVMM_MMIO_CHIPSET_PUBLIC + SVMM_CS_SCRATCH, 1, device);
  EXPECT_EQ(cs_.read_register(SVMM_CS_STS), SVMM_STS_MEM_CONFIG_LOCK);
  EXPECT_EQ(cs_.read_register(SVMM_CS_SCRATCH), 0u);
  EXPECT_EQ(cs_.read_register(SVMM_CS_ABORT_COUNT), 0u);
}

TEST_F(ChipsetHubs, TheTokenWindowIsNotAConfigurationWindowOfTheMch) {
  EXPECT_THROW((void)mch_.window_device(ChipsetWindow::Token), std::invalid_argument);
  MchWindow token(mch_, ChipsetWindow::Token);
  std::array<uint8_t, 4> b{};
  token.read(SVMM_CS_DIDVID, b, kGuest);
  EXPECT_EQ(b, (std::array<uint8_t, 4>{0xFF, 0xFF, 0xFF, 0xFF}));
  token.write(SVMM_CS_SCRATCH, b, kGuest);
  EXPECT_EQ(cs_.read_register(SVMM_CS_SCRATCH), 0u);
  EXPECT_EQ(cs_.read_register(SVMM_CS_ABORT_COUNT), 0u);
}

TEST_F(ChipsetHubs, EachWindowDeviceKnowsItsWindow) {
  const auto priv = mch_.window_device(ChipsetWindow::Private);
  const auto pub = mch_.window_device(ChipsetWindow::Public);
  EXPECT_EQ(dynamic_cast<MchWindow&>(*priv).window(), ChipsetWindow::Private);
  EXPECT_EQ(dynamic_cast<MchWindow&>(*pub).window(), ChipsetWindow::Public);
}

TEST_F(ChipsetHubs, TheIchForwardsPermittedTokenAccessesAndCountsThem) {
  const TokenRoute r = ich_.route_token_access(0x0F00, 4, false, kGuest);
  EXPECT_TRUE(r.forward);
  EXPECT_EQ(cs_.read_register(SVMM_CS_ICH_TOKEN_FORWARDS), 1u);
  EXPECT_EQ(cs_.read_register(SVMM_CS_ABORT_COUNT), 0u);
}

TEST_F(ChipsetHubs, TheIchAbortsTokenAccessesToUnusableLocalities) {
  for (const uint64_t off : {0x1000ull, 0x2018ull, 0x3024ull, 0x4000ull, 0x5000ull, 0xFFFFull}) {
    const TokenRoute r = ich_.route_token_access(off, 1, true, kGuest);
    EXPECT_FALSE(r.forward) << std::hex << off;
    EXPECT_EQ(r.fill, 0xFF);
    EXPECT_EQ(host_.aborts().back().record.reason, SVMM_ABORT_TOKEN_LOCALITY);
    EXPECT_EQ(host_.aborts().back().record.offset, off);
  }
  EXPECT_EQ(cs_.read_register(SVMM_CS_ICH_TOKEN_FORWARDS), 0u);
  EXPECT_EQ(cs_.read_register(SVMM_CS_LAST_ABORT),
            0xFFFFull | (1ull << 33) | (1ull << 35) | (1ull << 36));
}

TEST_F(ChipsetHubs, LocalitiesOneAndTwoFollowTheirOpenCommands) {
  EXPECT_FALSE(ich_.route_token_access(0x1000, 4, false, kGuest).forward);
  cs_.secure_launch({});
  EXPECT_TRUE(ich_.route_token_access(0x2000, 4, false, kTrusted).forward);
  EXPECT_FALSE(ich_.route_token_access(0x2000, 4, false, kGuest).forward);
  bus_write(SVMM_MMIO_CHIPSET_PRIVATE + SVMM_CS_CMD_OPEN_LOCALITY1, 0, kTrusted);
  EXPECT_TRUE(ich_.route_token_access(0x1000, 4, false, kGuest).forward);
  EXPECT_FALSE(ich_.route_token_access(0x0000, 4, false, kTrusted).forward);
  EXPECT_EQ(cs_.read_register(SVMM_CS_ICH_TOKEN_FORWARDS), 2u);
}

}  // namespace
}  // namespace svmm
