// The TIS 1.3 FIFO interface as a state machine (chipset/token/tis_interface.h) against a fake
// TPM: the register values, the locality protocol as QEMU's tests/qtest/tpm-tis-util.c checks
// it (localities, access, seize, release, transmit), commandReady aborts, responseRetry, reads
// without data, and commands sent the way Linux's tpm_tis_core does (one byte per FIFO write,
// stsValid/Expect after every burst).
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <thread>
#include <vector>

#include "chipset/token/tis_interface.h"
#include "tests/unit/token_test_support.h"

namespace svmm {
namespace {

using fakes::FakeTpm;
using fakes::TisDriver;

constexpr uint8_t kValid = SVMM_TIS_ACCESS_REG_VALID_STS;
constexpr uint8_t kEst = SVMM_TIS_ACCESS_ESTABLISHMENT;  // reads 1: no DRTM yet
constexpr uint8_t kActive = SVMM_TIS_ACCESS_ACTIVE_LOCALITY;
constexpr uint8_t kReq = SVMM_TIS_ACCESS_REQUEST_USE;
constexpr uint8_t kPending = SVMM_TIS_ACCESS_PENDING_REQUEST;
constexpr uint8_t kSeize = SVMM_TIS_ACCESS_SEIZE;
constexpr uint8_t kSeized = SVMM_TIS_ACCESS_BEEN_SEIZED;

const std::vector<uint8_t> kStartup = {0x80, 0x01, 0, 0, 0, 0x0C, 0, 0, 0x01, 0x44, 0, 0};

class Tis : public ::testing::Test {
 protected:
  uint64_t at(unsigned l, uint32_t reg) { return uint64_t{l} * 0x1000 + reg; }
  uint8_t rb(unsigned l, uint32_t reg) {
    uint8_t b[1];
    tis_.read(at(l, reg), b);
    return b[0];
  }
  uint32_t rl(unsigned l, uint32_t reg) {
    uint8_t b[4];
    tis_.read(at(l, reg), b);
    return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
  }
  void wb(unsigned l, uint32_t reg, uint8_t v) {
    const uint8_t b[1] = {v};
    tis_.write(at(l, reg), b);
  }
  void wl(unsigned l, uint32_t reg, uint32_t v) {
    const uint8_t b[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                          static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
    tis_.write(at(l, reg), b);
  }
  TisDriver driver() {
    return TisDriver({[this](uint64_t o, std::span<uint8_t> d) { tis_.read(o, d); },
                      [this](uint64_t o, std::span<const uint8_t> d) { tis_.write(o, d); }});
  }
  // Active locality l in ready state, command written (not sent).
  void receive(unsigned l, const std::vector<uint8_t>& cmd) {
    wb(l, SVMM_TIS_ACCESS, kReq);
    wb(l, SVMM_TIS_STS, SVMM_TIS_STS_COMMAND_READY);
    for (uint8_t b : cmd) wb(l, SVMM_TIS_DATA_FIFO, b);
  }

  FakeTpm tpm_;
  TisInterface tis_{tpm_};
};

// tpm_tis_test_check_localities
TEST_F(Tis, EveryLocalityShowsTheInterfaceRegisters) {
  for (unsigned l = 0; l < 5; ++l) {
    EXPECT_EQ(rb(l, SVMM_TIS_ACCESS), kValid | kEst) << l;
    EXPECT_EQ(rl(l, SVMM_TIS_INTF_CAPABILITY), SVMM_TIS_INTF_CAPABILITY_VALUE);
    EXPECT_EQ(rl(l, SVMM_TIS_INTF_CAPABILITY) & 0xFFu, 0u) << "no interrupt is offered";
    EXPECT_EQ(rl(l, SVMM_TIS_INTERFACE_ID), SVMM_TIS_IFACE_ID_VALUE);
    EXPECT_EQ(rl(l, SVMM_TIS_DID_VID), 0x00015356u);
    EXPECT_EQ(rb(l, SVMM_TIS_RID), SVMM_TIS_RID_VALUE);
    EXPECT_EQ(rl(l, SVMM_TIS_INT_ENABLE), SVMM_TIS_INT_POLARITY_LOW_LEVEL);
    EXPECT_EQ(rb(l, SVMM_TIS_INT_VECTOR), 0);
    EXPECT_EQ(rl(l, SVMM_TIS_INT_STATUS), 0u);
    EXPECT_EQ(rl(l, SVMM_TIS_STS), 0xFFFFFFFFu) << "STS of a locality that is not active";
    EXPECT_EQ(rl(l, 0x40), 0xFFFFFFFFu) << "unassigned";
  }
}

TEST_F(Tis, EstablishmentReadsTheNegatedTpmEstablishedFlag) {
  tpm_.established_ = true;
  EXPECT_EQ(rb(0, SVMM_TIS_ACCESS), kValid);
  tpm_.established_ = false;
  EXPECT_EQ(rb(0, SVMM_TIS_ACCESS), kValid | kEst);
}

TEST_F(Tis, ResetEstablishmentWorksFromLocalities3And4Only) {
  tpm_.established_ = true;
  for (unsigned l = 0; l < 5; ++l) {
    wb(l, SVMM_TIS_ACCESS, kReq);
    wl(l, SVMM_TIS_STS, SVMM_TIS_STS_RESET_ESTABLISHMENT);
    wb(l, SVMM_TIS_ACCESS, kActive);
  }
  EXPECT_EQ(tpm_.resets(), (std::vector<unsigned>{3, 4}));
}

// tpm_tis_test_check_access_reg
TEST_F(Tis, RequestUseActivatesAnIdleTpmAndRelinquishFreesIt) {
  for (unsigned l = 0; l < 5; ++l) {
    wb(l, SVMM_TIS_ACCESS, kReq);
    EXPECT_EQ(rb(l, SVMM_TIS_ACCESS), kValid | kActive | kEst);
    EXPECT_EQ(tis_.active_locality(), l);
    wb(l, SVMM_TIS_ACCESS, kActive);
    EXPECT_EQ(rb(l, SVMM_TIS_ACCESS), kValid | kEst);
    EXPECT_FALSE(tis_.active_locality().has_value());
  }
}

// tpm_tis_test_check_access_reg_seize, as QEMU's test walks it.
TEST_F(Tis, OnlyHigherLocalitiesSeize) {
  for (unsigned locty = 0; locty < 4; ++locty) {
    uint8_t pending = 0;
    wb(locty, SVMM_TIS_ACCESS, kReq);
    ASSERT_EQ(rb(locty, SVMM_TIS_ACCESS), kValid | kActive | kEst);
    for (unsigned l = 0; l < locty; ++l) {
      EXPECT_EQ(rb(l, SVMM_TIS_ACCESS), kValid | pending | kEst);
      wb(l, SVMM_TIS_ACCESS, kReq);
      EXPECT_EQ(rb(l, SVMM_TIS_ACCESS), kValid | kReq | pending | kEst);
      EXPECT_EQ(rb(locty, SVMM_TIS_ACCESS), kValid | kActive | kPending | kEst);
      wb(l, SVMM_TIS_ACCESS, kSeize);  // lower: refused
      EXPECT_EQ(rb(l, SVMM_TIS_ACCESS), kValid | kReq | pending | kEst);
      EXPECT_EQ(rb(locty, SVMM_TIS_ACCESS), kValid | kActive | kPending | kEst);
      pending = kPending;
    }
    unsigned l = locty + 1;
    for (; l < 4; ++l) {
      wb(l, SVMM_TIS_ACCESS, kReq);
      EXPECT_EQ(rb(l, SVMM_TIS_ACCESS), kValid | kReq | pending | kEst);
      EXPECT_EQ(rb(l - 1, SVMM_TIS_ACCESS), kValid | kActive | kPending | kEst);
      wb(l, SVMM_TIS_ACCESS, kSeize);  // higher: granted
      EXPECT_EQ(rb(l, SVMM_TIS_ACCESS), kValid | kActive | pending | kEst);
      EXPECT_EQ(rb(l - 1, SVMM_TIS_ACCESS), kValid | kSeized | pending | kEst);
      wb(l - 1, SVMM_TIS_ACCESS, kSeized);  // write 1 to clear
      EXPECT_EQ(rb(l - 1, SVMM_TIS_ACCESS), kValid | pending | kEst);
    }
    if (locty <= 1) pending = 0;
    --l;
    wb(l, SVMM_TIS_ACCESS, kActive);  // release: the pending lower ones follow, highest first
    EXPECT_EQ(rb(l, SVMM_TIS_ACCESS), kValid | pending | kEst);
    for (int k = static_cast<int>(locty) - 1; k >= 0; --k) {
      EXPECT_EQ(rb(static_cast<unsigned>(k), SVMM_TIS_ACCESS), kValid | kActive | pending | kEst)
          << k;
      wb(static_cast<unsigned>(k), SVMM_TIS_ACCESS, kActive);
      if (k == 1) pending = 0;
    }
    for (unsigned k = 0; k < 4; ++k) {
      EXPECT_EQ(rb(k, SVMM_TIS_ACCESS), kValid | kEst) << locty << " " << k;
    }
  }
}

// tpm_tis_test_check_access_reg_release
TEST_F(Tis, RelinquishHandsTheTpmToTheHighestPendingLocality) {
  for (int locty = 3; locty >= 0; --locty) {
    uint8_t pending = 0;
    wb(static_cast<unsigned>(locty), SVMM_TIS_ACCESS, kReq);
    for (unsigned l = 0; l < 4; ++l) {
      if (l == static_cast<unsigned>(locty)) continue;
      wb(l, SVMM_TIS_ACCESS, kReq);
      EXPECT_EQ(rb(l, SVMM_TIS_ACCESS), kValid | kReq | pending | kEst);
      pending = kPending;
    }
    wb(static_cast<unsigned>(locty), SVMM_TIS_ACCESS, kActive);
    for (int l = 3; l >= 0; --l) {
      if (l == locty) continue;
      EXPECT_EQ(rb(static_cast<unsigned>(l), SVMM_TIS_ACCESS), kValid | kActive | pending | kEst);
      wb(static_cast<unsigned>(l), SVMM_TIS_ACCESS, kActive);
      if (l == 1 || (locty <= 1 && l == 2)) pending = 0;
      EXPECT_EQ(rb(static_cast<unsigned>(l), SVMM_TIS_ACCESS), kValid | pending | kEst);
    }
  }
}

TEST_F(Tis, RelinquishingWithoutOwningWithdrawsAPendingRequest) {
  wb(2, SVMM_TIS_ACCESS, kReq);
  wb(0, SVMM_TIS_ACCESS, kReq);
  EXPECT_EQ(rb(0, SVMM_TIS_ACCESS), kValid | kReq | kEst);
  wb(0, SVMM_TIS_ACCESS, kActive);
  EXPECT_EQ(rb(0, SVMM_TIS_ACCESS), kValid | kEst);
  wb(2, SVMM_TIS_ACCESS, kActive);
  EXPECT_FALSE(tis_.active_locality().has_value());
}

// tpm_tis_test_check_transmit
TEST_F(Tis, TransmitByteByByteAsQemusTestDoes) {
  wb(0, SVMM_TIS_ACCESS, kReq);
  uint32_t sts = rl(0, SVMM_TIS_STS);
  EXPECT_EQ(sts & 0xFF, 0u) << "idle: no flag";
  EXPECT_EQ(sts & SVMM_TIS_STS_FAMILY_MASK, SVMM_TIS_STS_FAMILY_TPM2);
  uint32_t burst = (sts >> 8) & 0xFFFF;
  EXPECT_GE(burst, 128u);
  wl(0, SVMM_TIS_STS, SVMM_TIS_STS_COMMAND_READY);
  EXPECT_EQ(rl(0, SVMM_TIS_STS) & 0xFF, SVMM_TIS_STS_COMMAND_READY);
  for (std::size_t i = 0; i < kStartup.size(); ++i) {
    wb(0, SVMM_TIS_DATA_FIFO, kStartup[i]);
    sts = rl(0, SVMM_TIS_STS);
    EXPECT_EQ(sts & 0xFF, i + 1 < kStartup.size() ? SVMM_TIS_STS_EXPECT | SVMM_TIS_STS_VALID
                                                  : SVMM_TIS_STS_VALID);
    EXPECT_EQ((sts >> 8) & 0xFFFF, --burst);
  }
  EXPECT_EQ(tis_.state(0), TisState::Reception);
  wb(0, SVMM_TIS_STS, SVMM_TIS_STS_GO);
  ASSERT_EQ(tpm_.calls().size(), 1u);
  EXPECT_EQ(tpm_.calls()[0].locality, 0u);
  EXPECT_EQ(tpm_.calls()[0].command, kStartup);
  sts = rl(0, SVMM_TIS_STS);
  EXPECT_EQ(sts & 0xFF, SVMM_TIS_STS_VALID | SVMM_TIS_STS_DATA_AVAIL) << "synchronous execution";
  burst = (sts >> 8) & 0xFFFF;
  ASSERT_EQ(burst, 10u + kStartup.size());
  std::vector<uint8_t> resp;
  for (uint32_t i = 0; i < 10 + kStartup.size(); ++i) {
    resp.push_back(rb(0, SVMM_TIS_DATA_FIFO));
    sts = rl(0, SVMM_TIS_STS);
    if (sts & SVMM_TIS_STS_DATA_AVAIL) {
      EXPECT_EQ((sts >> 8) & 0xFFFF, --burst);
    }
  }
  EXPECT_EQ(sts & 0xFF, SVMM_TIS_STS_VALID);
  EXPECT_EQ(resp[5], 10 + kStartup.size());
  EXPECT_EQ(tis_.state(0), TisState::Completion);
  wb(0, SVMM_TIS_ACCESS, kActive);
  EXPECT_EQ(rb(0, SVMM_TIS_ACCESS), kValid | kEst);
}

TEST_F(Tis, ReadsWithoutDataGiveFfInEveryState) {
  wb(0, SVMM_TIS_ACCESS, kReq);
  EXPECT_EQ(rb(0, SVMM_TIS_DATA_FIFO), 0xFF);  // idle
  wb(0, SVMM_TIS_STS, SVMM_TIS_STS_COMMAND_READY);
  EXPECT_EQ(rb(0, SVMM_TIS_DATA_FIFO), 0xFF);  // ready
  wb(0, SVMM_TIS_DATA_FIFO, 0x80);
  EXPECT_EQ(rb(0, SVMM_TIS_XDATA_FIFO), 0xFF);  // reception
  EXPECT_EQ(rb(1, SVMM_TIS_DATA_FIFO), 0xFF);   // another locality
  EXPECT_TRUE(tpm_.calls().empty());
}

TEST_F(Tis, CommandReadyAbortsAReceptionAndTpmGoNeedsExpectClear) {
  receive(0, {0x80, 0x01, 0, 0, 0, 0x0C, 0, 0});
  EXPECT_EQ(rb(0, SVMM_TIS_STS), SVMM_TIS_STS_EXPECT | SVMM_TIS_STS_VALID);
  wb(0, SVMM_TIS_STS, SVMM_TIS_STS_GO);
  EXPECT_TRUE(tpm_.calls().empty()) << "tpmGo while Expect is set is ignored";
  wb(0, SVMM_TIS_STS, SVMM_TIS_STS_COMMAND_READY);
  EXPECT_EQ(tis_.state(0), TisState::Ready);
  EXPECT_EQ(rb(0, SVMM_TIS_STS), SVMM_TIS_STS_COMMAND_READY);
  EXPECT_EQ((rl(0, SVMM_TIS_STS) >> 8) & 0xFFFF, SVMM_TIS_BUFFER_SIZE);
  EXPECT_TRUE(tis_.buffer_is_zero(0));
  for (uint8_t b : kStartup) wb(0, SVMM_TIS_DATA_FIFO, b);
  wb(0, SVMM_TIS_STS, SVMM_TIS_STS_GO);
  ASSERT_EQ(tpm_.calls().size(), 1u);
  EXPECT_EQ(tpm_.calls()[0].command, kStartup) << "the aborted bytes are gone";
}

TEST_F(Tis, ResponseRetryRewindsTheResponse) {
  receive(0, kStartup);
  wb(0, SVMM_TIS_STS, SVMM_TIS_STS_GO);
  std::vector<uint8_t> first, second;
  for (int i = 0; i < 5; ++i) first.push_back(rb(0, SVMM_TIS_DATA_FIFO));
  wb(0, SVMM_TIS_STS, SVMM_TIS_STS_RESPONSE_RETRY);
  EXPECT_EQ(rb(0, SVMM_TIS_STS), SVMM_TIS_STS_VALID | SVMM_TIS_STS_DATA_AVAIL);
  EXPECT_EQ((rl(0, SVMM_TIS_STS) >> 8) & 0xFFFF, 22u);
  for (int i = 0; i < 22; ++i) second.push_back(rb(0, SVMM_TIS_DATA_FIFO));
  EXPECT_TRUE(std::equal(first.begin(), first.end(), second.begin()));
  EXPECT_EQ(rb(0, SVMM_TIS_DATA_FIFO), 0xFF);
  EXPECT_EQ(tpm_.calls().size(), 1u) << "the command is not run again";
  wb(0, SVMM_TIS_STS,
     SVMM_TIS_STS_RESPONSE_RETRY | SVMM_TIS_STS_COMMAND_READY);  // two at once: ignored
  EXPECT_EQ(tis_.state(0), TisState::Completion);
}

TEST_F(Tis, CommandReadyInCompletionIsReadyWithoutData) {
  receive(0, kStartup);
  wb(0, SVMM_TIS_STS, SVMM_TIS_STS_GO);
  wb(0, SVMM_TIS_STS, SVMM_TIS_STS_COMMAND_READY);
  EXPECT_EQ(rb(0, SVMM_TIS_STS), SVMM_TIS_STS_COMMAND_READY);
  EXPECT_EQ(rb(0, SVMM_TIS_DATA_FIFO), 0xFF);
  EXPECT_TRUE(tis_.buffer_is_zero(0)) << "nothing of the response stays behind";
}

TEST_F(Tis, WritesOutsideReadyAndReceptionAreDropped) {
  wb(0, SVMM_TIS_ACCESS, kReq);
  wb(0, SVMM_TIS_DATA_FIFO, 0x80);  // idle
  EXPECT_EQ(tis_.state(0), TisState::Idle);
  receive(0, kStartup);
  wb(0, SVMM_TIS_DATA_FIFO, 0x99);  // complete: Expect clear, dropped
  wb(0, SVMM_TIS_STS, SVMM_TIS_STS_GO);
  EXPECT_EQ(tpm_.calls()[0].command, kStartup);
  wb(0, SVMM_TIS_DATA_FIFO, 0x99);  // completion: dropped
  EXPECT_EQ(rb(0, SVMM_TIS_STS), SVMM_TIS_STS_VALID | SVMM_TIS_STS_DATA_AVAIL);
}

TEST_F(Tis, ACommandLongerThanTheBufferStopsExpectingWhenFull) {
  wb(0, SVMM_TIS_ACCESS, kReq);
  wb(0, SVMM_TIS_STS, SVMM_TIS_STS_COMMAND_READY);
  // commandSize 0x10000 > 4096
  const uint8_t header[6] = {0x80, 0x01, 0x00, 0x01, 0x00, 0x00};
  for (uint8_t b : header) wb(0, SVMM_TIS_DATA_FIFO, b);
  for (std::size_t i = 6; i < SVMM_TIS_BUFFER_SIZE; ++i) wb(0, SVMM_TIS_DATA_FIFO, 0);
  EXPECT_EQ(rb(0, SVMM_TIS_STS), SVMM_TIS_STS_EXPECT | SVMM_TIS_STS_VALID);
  EXPECT_EQ((rl(0, SVMM_TIS_STS) >> 8) & 0xFFFF, 0u);
  wb(0, SVMM_TIS_DATA_FIFO, 0);  // one too many
  EXPECT_EQ(rb(0, SVMM_TIS_STS), SVMM_TIS_STS_VALID);
  wb(0, SVMM_TIS_STS, SVMM_TIS_STS_GO);
  ASSERT_EQ(tpm_.calls().size(), 1u);
  EXPECT_EQ(tpm_.calls()[0].command.size(), SVMM_TIS_BUFFER_SIZE);
}

TEST_F(Tis, AByteReadOfStsNeverShowsABurstCountOfZero) {
  wb(0, SVMM_TIS_ACCESS, kReq);
  wb(0, SVMM_TIS_STS, SVMM_TIS_STS_COMMAND_READY);
  EXPECT_EQ(rb(0, SVMM_TIS_STS + 1), 0xFF);
  uint8_t two[2];
  tis_.read(at(0, SVMM_TIS_STS + 1), two);
  EXPECT_EQ(two[0] | two[1] << 8, 4096);
}

TEST_F(Tis, WideAccessesAreCutIntoRegisters) {
  wb(0, SVMM_TIS_ACCESS, kReq);
  wb(0, SVMM_TIS_STS, SVMM_TIS_STS_COMMAND_READY);
  // 8-byte write to XDATA_FIFO: 8 FIFO bytes; then 4 bytes to DATA_FIFO.
  tis_.write(at(0, SVMM_TIS_XDATA_FIFO), std::span<const uint8_t>(kStartup.data(), 8));
  tis_.write(at(0, SVMM_TIS_DATA_FIFO), std::span<const uint8_t>(kStartup.data() + 8, 4));
  EXPECT_EQ(rb(0, SVMM_TIS_STS), SVMM_TIS_STS_VALID);
  wb(0, SVMM_TIS_STS, SVMM_TIS_STS_GO);
  ASSERT_EQ(tpm_.calls().size(), 1u);
  EXPECT_EQ(tpm_.calls()[0].command, kStartup);
  // An 8-byte read of DID_VID and RID together; of INTF_CAPABILITY and STS.
  uint8_t b[8];
  tis_.read(at(0, SVMM_TIS_DID_VID), b);
  EXPECT_EQ(b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24, 0x00015356);
  EXPECT_EQ(b[4], SVMM_TIS_RID_VALUE);
  EXPECT_EQ(b[5] | b[6] | b[7], 0);
  tis_.read(at(0, SVMM_TIS_STS - 4), b);
  EXPECT_EQ(b[4], SVMM_TIS_STS_VALID | SVMM_TIS_STS_DATA_AVAIL);
  // Beyond the window: all ones, ignored.
  tis_.read(TisInterface::kWindowSize - 4, b);
  EXPECT_EQ(b[4] & b[5] & b[6] & b[7], 0xFF);
}

TEST_F(Tis, OnlyTheActiveLocalityTouchesStsFifoAndIntEnable) {
  wb(1, SVMM_TIS_ACCESS, kReq);
  wb(0, SVMM_TIS_STS, SVMM_TIS_STS_COMMAND_READY);
  wb(0, SVMM_TIS_DATA_FIFO, 0x80);
  wl(0, SVMM_TIS_INT_ENABLE, SVMM_TIS_INT_GLOBAL_ENABLE);
  EXPECT_EQ(tis_.state(0), TisState::Idle);
  EXPECT_EQ(rl(0, SVMM_TIS_INT_ENABLE), SVMM_TIS_INT_POLARITY_LOW_LEVEL);
  wl(1, SVMM_TIS_INT_ENABLE, 0xFFFFFFFFu);
  EXPECT_EQ(rl(1, SVMM_TIS_INT_ENABLE), SVMM_TIS_INT_GLOBAL_ENABLE | SVMM_TIS_INT_POLARITY_MASK)
      << "interrupt enables of interrupts that are not offered stay 0";
}

TEST_F(Tis, EachLocalityHasItsOwnBufferAndLosingTheTpmDropsIt) {
  receive(2, kStartup);
  wb(2, SVMM_TIS_STS, SVMM_TIS_STS_GO);
  EXPECT_FALSE(tis_.buffer_is_zero(2));
  wb(0, SVMM_TIS_ACCESS, kReq);     // pending
  wb(2, SVMM_TIS_ACCESS, kActive);  // relinquish: locality 0 active
  EXPECT_EQ(tis_.active_locality(), 0u);
  EXPECT_EQ(tis_.state(2), TisState::Idle);
  EXPECT_TRUE(tis_.buffer_is_zero(2));
  EXPECT_EQ(rb(0, SVMM_TIS_DATA_FIFO), 0xFF) << "locality 2's response is not readable at 0";
  EXPECT_EQ(rb(2, SVMM_TIS_DATA_FIFO), 0xFF);
}

TEST_F(Tis, ASeizedLocalityLosesItsCommand) {
  receive(1, {0x80, 0x01, 0, 0});
  wb(3, SVMM_TIS_ACCESS, kSeize);
  EXPECT_EQ(tis_.active_locality(), 3u);
  EXPECT_EQ(tis_.state(1), TisState::Idle);
  EXPECT_TRUE(tis_.buffer_is_zero(1));
  EXPECT_EQ(rb(1, SVMM_TIS_ACCESS), kValid | kSeized | kEst);
}

TEST_F(Tis, ResetLocalityReleasesItToTheNextRequester) {
  receive(2, kStartup);
  wb(2, SVMM_TIS_STS, SVMM_TIS_STS_GO);
  wb(0, SVMM_TIS_ACCESS, kReq);
  wb(1, SVMM_TIS_ACCESS, kReq);
  tis_.reset_locality(2);
  EXPECT_EQ(tis_.active_locality(), 1u);
  EXPECT_EQ(tis_.state(2), TisState::Idle);
  EXPECT_TRUE(tis_.buffer_is_zero(2));
  EXPECT_EQ(rb(2, SVMM_TIS_ACCESS), kValid | kPending | kEst);
  tis_.reset_locality(0);  // a pending request is dropped too
  wb(1, SVMM_TIS_ACCESS, kActive);
  EXPECT_FALSE(tis_.active_locality().has_value());
}

TEST_F(Tis, LinuxStyleTransmitAtEveryLocality) {
  TisDriver d = driver();
  for (unsigned l = 0; l < 5; ++l) {
    const auto r = d.transmit(l, kStartup);
    ASSERT_EQ(r.error, 0) << l;
    ASSERT_EQ(r.response.size(), 22u);
    EXPECT_EQ(tpm_.calls().back().locality, l);
    EXPECT_EQ(tis_.state(l), TisState::Idle) << "commandReady then relinquish";
    EXPECT_FALSE(tis_.active_locality().has_value());
  }
}

TEST_F(Tis, LinuxStyleSendsBurstsWithExpectSetUntilTheLastByte) {
  TisDriver d = driver();
  std::vector<uint8_t> big(3000, 0x5A);
  big[0] = 0x80, big[1] = 0x01, big[2] = 0, big[3] = 0, big[4] = 3000 >> 8, big[5] = 3000 & 0xFF;
  tpm_.response_extra = 4000;  // a 4010-byte response
  const auto r = d.transmit(0, big);
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(r.response.size(), 4010u);
  EXPECT_EQ(tpm_.calls().back().command, big);
  EXPECT_EQ(d.bursts, 1u) << "burstCount covers the whole free buffer";
}

TEST_F(Tis, LinuxSeesAnEarlyExpectClearAsAnError) {
  // A command whose size field says 6 bytes but which is 12 long: Expect clears early and
  // Linux's tpm_tis_send_data fails with -EIO ("TPM_STS_DATA_EXPECT should be set").
  TisDriver d = driver();
  std::vector<uint8_t> cmd = kStartup;
  cmd[5] = 6;
  ASSERT_EQ(d.request_locality(0), 0);
  // Bursts of 1 byte: write the bytes by hand to see Expect after each.
  wb(0, SVMM_TIS_STS, SVMM_TIS_STS_COMMAND_READY);
  for (int i = 0; i < 6; ++i) wb(0, SVMM_TIS_DATA_FIFO, cmd[static_cast<std::size_t>(i)]);
  EXPECT_EQ(rb(0, SVMM_TIS_STS) & SVMM_TIS_STS_EXPECT, 0);
}

TEST_F(Tis, ConcurrentDriversAtTwoLocalitiesNeverMixCommands) {
  // Two threads (say the guest OS at 0 and a trusted VM at 2) each run commands through the
  // same interface; each gets its own responses and every command arrives whole.
  auto run = [this](unsigned l, uint8_t marker) {
    TisDriver d = driver();
    std::vector<uint8_t> cmd = kStartup;
    cmd[11] = marker;
    int done = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (done < 50 && std::chrono::steady_clock::now() < deadline) {
      const auto r = d.transmit(l, cmd);
      if (r.error == TisDriver::kLocality) {  // the other one holds the TPM
        std::this_thread::yield();
        continue;
      }
      ASSERT_EQ(r.error, 0);
      ASSERT_EQ(r.response.size(), 22u);
      ++done;
    }
    EXPECT_EQ(done, 50);
  };
  std::thread a(run, 0u, uint8_t{0xA0}), b(run, 2u, uint8_t{0xB2});
  a.join();
  b.join();
  for (const auto& c : tpm_.calls()) {
    ASSERT_EQ(c.command.size(), kStartup.size());
    EXPECT_EQ(c.command[11], c.locality == 0 ? 0xA0 : 0xB2);
  }
}

}  // namespace
}  // namespace svmm
