// The token window behind the ICH (chipset/token/token_window.h; token.md section 2): which
// requester reaches which locality, ICH.TOKEN-FORWARDS, reason-6 aborts under the policy,
// accesses across a locality boundary, and the reset of localities the chipset closes.
#include "chipset/token/token_window.h"

#include <gtest/gtest.h>

#include <memory>

#include "chipset/config_space.h"
#include "chipset/ich.h"
#include "protocol/chipset.h"
#include "tests/unit/chipset_fakes.h"
#include "tests/unit/token_test_support.h"

namespace svmm {
namespace {

using fakes::FakeTpm;
using fakes::RecordingChipsetHost;
using fakes::TisDriver;

const Requester kGuest = Requester::guest_os(0);
const Requester kTrusted = Requester::trusted_vm(0, 1);
const Requester kMonitor = Requester::monitor();
const std::vector<uint8_t> kStartup = {0x80, 0x01, 0, 0, 0, 0x0C, 0, 0, 0x01, 0x44, 0, 0};

class TokenWindowTest : public ::testing::Test {
 protected:
  explicit TokenWindowTest(AbortPolicy policy = AbortPolicy::AllOnes)
      : cs_(fakes::chipset_options(policy), host_) {}
  uint64_t forwards() { return cs_.read_register(SVMM_CS_ICH_TOKEN_FORWARDS); }
  uint64_t read(uint64_t offset, std::size_t width, const Requester& who) {
    uint8_t b[8] = {};
    window_.read(offset, std::span<uint8_t>(b, width), who);
    uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i) v |= uint64_t{b[i]} << (8 * i);
    return v;
  }
  void write8(uint64_t offset, uint8_t v, const Requester& who) {
    const uint8_t b[1] = {v};
    window_.write(offset, b, who);
  }
  TisDriver driver(const Requester& who) {
    return TisDriver(
        {[this, who](uint64_t o, std::span<uint8_t> d) { window_.read(o, d, who); },
         [this, who](uint64_t o, std::span<const uint8_t> d) { window_.write(o, d, who); }});
  }
  void command(uint64_t offset, const Requester& who) {
    const uint8_t b[1] = {0xFF};
    cs_.write(ChipsetWindow::Private, offset, b, who);
  }

  RecordingChipsetHost host_;
  ConfigSpace cs_;
  Ich ich_{cs_};
  FakeTpm tpm_;
  std::shared_ptr<TisInterface> tis_ = std::make_shared<TisInterface>(tpm_);
  TokenWindow window_{ich_, cs_, tis_};
};

TEST_F(TokenWindowTest, TheGuestOsUsesLocalityZeroAndEachAccessIsForwarded) {
  EXPECT_EQ(read(SVMM_TIS_DID_VID, 4, kGuest), SVMM_TIS_DID_VID_VALUE);
  EXPECT_EQ(forwards(), 1u);
  auto d = driver(kGuest);
  const auto r = d.transmit(0, kStartup);
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(tpm_.calls().back().locality, 0u);
  EXPECT_EQ(forwards(), 1 + d.accesses);
  EXPECT_TRUE(host_.aborts().empty());
}

TEST_F(TokenWindowTest, EveryOtherLocalityIsAnAbortForTheGuestOs) {
  for (unsigned l = 1; l < 5; ++l) {
    const uint64_t off = l * 0x1000 + SVMM_TIS_STS;
    EXPECT_EQ(read(off, 4, kGuest), 0xFFFFFFFFu);
    write8(l * 0x1000, SVMM_TIS_ACCESS_REQUEST_USE, kGuest);
    const auto aborts = host_.aborts();
    ASSERT_EQ(aborts.size(), 2 * l);
    const AbortRecord& rd = aborts[aborts.size() - 2].record;
    EXPECT_EQ(rd.window, ChipsetWindow::Token);
    EXPECT_EQ(rd.reason, SVMM_ABORT_TOKEN_LOCALITY);
    EXPECT_EQ(rd.offset, off);
    EXPECT_EQ(rd.width, 4);
    EXPECT_FALSE(rd.write);
    EXPECT_TRUE(aborts.back().record.write);
    EXPECT_EQ(cs_.read_register(SVMM_CS_LAST_ABORT) & SVMM_LAST_ABORT_TOKEN, SVMM_LAST_ABORT_TOKEN);
  }
  EXPECT_EQ(forwards(), 0u);
  EXPECT_FALSE(tis_->active_locality().has_value()) << "the dropped writes requested nothing";
  EXPECT_EQ(cs_.read_register(SVMM_CS_ABORT_COUNT), 8u);
}

TEST_F(TokenWindowTest, TrustedVmsUseLocalityTwoOnlyWhileItIsOpen) {
  auto d = driver(kTrusted);
  EXPECT_EQ(d.transmit(2, kStartup).error, TisDriver::kLocality) << "closed: ACCESS reads all ones";
  cs_.secure_launch({});  // opens locality 2
  ASSERT_EQ(d.transmit(2, kStartup).error, 0);
  EXPECT_EQ(tpm_.calls().back().locality, 2u);
  for (unsigned l : {0u, 1u, 3u, 4u}) {
    EXPECT_EQ(read(l * 0x1000, 1, kTrusted), 0xFFu) << l;
  }
  EXPECT_EQ(read(2 * 0x1000, 1, kGuest), 0xFFu);
}

TEST_F(TokenWindowTest, LocalityOneFollowsTheChipsetCommands) {
  cs_.secure_launch({});
  EXPECT_EQ(read(0x1000, 1, kGuest), 0xFFu);
  command(SVMM_CS_CMD_OPEN_LOCALITY1, kTrusted);
  auto d = driver(kGuest);
  ASSERT_EQ(d.transmit(1, kStartup).error, 0);
  EXPECT_EQ(tpm_.calls().back().locality, 1u);
  command(SVMM_CS_CMD_CLOSE_LOCALITY1, kTrusted);
  const auto before = host_.aborts().size();
  EXPECT_EQ(read(0x1000, 1, kGuest), 0xFFu);
  EXPECT_EQ(host_.aborts().size(), before + 1);
}

TEST_F(TokenWindowTest, LocalityThreeIsNobodysAndFourTheMonitors) {
  cs_.secure_launch({});
  EXPECT_EQ(read(0x3000, 1, kMonitor), 0xFFu);
  EXPECT_EQ(host_.aborts().size(), 1u);
  EXPECT_EQ(read(0x4000 + SVMM_TIS_DID_VID, 4, kMonitor), SVMM_TIS_DID_VID_VALUE);
  EXPECT_EQ(host_.aborts().size(), 1u);
}

TEST_F(TokenWindowTest, AnAccessAcrossALocalityBoundaryIsRoutedPieceByPiece) {
  // Bytes 0xFFC-0xFFF of locality 0 (unassigned: all ones) and ACCESS of locality 1 (aborted).
  EXPECT_EQ(read(0xFFC, 8, kGuest), ~0ull);
  EXPECT_EQ(forwards(), 1u);
  ASSERT_EQ(host_.aborts().size(), 1u);
  EXPECT_EQ(host_.aborts()[0].record.offset, 0x1000u);
  EXPECT_EQ(host_.aborts()[0].record.width, 4);
  // A write across the boundary cannot request locality 1.
  const uint8_t b[8] = {0, 0, 0, 0, SVMM_TIS_ACCESS_REQUEST_USE, 0, 0, 0};
  window_.write(0xFFC, b, kGuest);
  EXPECT_FALSE(tis_->active_locality().has_value());
  // Past the window (a bus may hand over an access that runs past its end): aborted.
  EXPECT_EQ(read(0x4FFC, 8, kMonitor) >> 32, 0xFFFFFFFFu);
}

TEST_F(TokenWindowTest, AClosedLocalityIsResetAtTheNextAccess) {
  cs_.secure_launch({});
  auto trusted = driver(kTrusted);
  ASSERT_EQ(trusted.request_locality(2), 0);
  trusted.write8(2, SVMM_TIS_STS, SVMM_TIS_STS_COMMAND_READY);
  trusted.write8(2, SVMM_TIS_DATA_FIFO, 0x80);
  command(SVMM_CS_CMD_CLOSE_LOCALITY2, kTrusted);
  EXPECT_EQ(tis_->active_locality(), 2u) << "nothing has reached the TIS yet";
  auto guest = driver(kGuest);
  ASSERT_EQ(guest.transmit(0, kStartup).error, 0) << "the held locality 2 was released";
  EXPECT_EQ(tis_->state(2), TisState::Idle);
  EXPECT_TRUE(tis_->buffer_is_zero(2));
}

class TokenWindowAllZeros : public TokenWindowTest {
 protected:
  TokenWindowAllZeros() : TokenWindowTest(AbortPolicy::AllZeros) {}
};

TEST_F(TokenWindowAllZeros, AbortedReadsFollowThePolicy) {
  EXPECT_EQ(read(0x1000, 4, kGuest), 0u);
  EXPECT_EQ(host_.aborts().at(0).policy, AbortPolicy::AllZeros);
}

TEST(TokenWindowDisabled, WithoutATokenNothingIsUsable) {
  RecordingChipsetHost host;
  ChipsetOptions o = fakes::chipset_options();
  o.token_present = false;
  ConfigSpace cs(o, host);
  Ich ich(cs);
  FakeTpm tpm;
  TokenWindow window(ich, cs, std::make_shared<TisInterface>(tpm));
  uint8_t b[4];
  window.read(SVMM_TIS_DID_VID, b, kGuest);
  EXPECT_EQ(b[0] & b[1] & b[2] & b[3], 0xFF);
  EXPECT_EQ(cs.read_register(SVMM_CS_ICH_TOKEN_STS), 0u);
}

}  // namespace
}  // namespace svmm
