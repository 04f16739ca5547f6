// Aborts (spec/chipset.md section 4): counting, SVMM.LAST-ABORT, each policy's visible effect
// and the host callback it produces; refused hypercalls (reason 7) and token aborts (reason 6);
// the fuse (section 5).
#include <gtest/gtest.h>

#include <string>

#include "chipset/config_space.h"
#include "protocol/chipset.h"
#include "protocol/hypercall.h"
#include "tests/unit/chipset_test_fixture.h"

namespace svmm {
namespace {

using fakes::ChipsetFixture;
using fakes::kGuest;
using fakes::kMonitor;
using fakes::kPriv;
using fakes::kPub;
using fakes::read_value;
using fakes::RecordingChipsetHost;
using fakes::write_value;


class ChipsetAbortPolicy : public ChipsetFixture<::testing::TestWithParam<AbortPolicy>> {
 protected:
  ChipsetAbortPolicy() : ChipsetFixture(fakes::chipset_options(GetParam())) {}
};

TEST_P(ChipsetAbortPolicy, AbortedReadsReturnThePolicysFill) {
  const uint64_t fill = GetParam() == AbortPolicy::AllZeros ? 0 : ~0ull;
  EXPECT_EQ(read_value(cs_, kPriv, SVMM_CS_DIDVID, kGuest), fill);
  EXPECT_EQ(read_value(cs_, kPriv, SVMM_CS_DIDVID + 1, kGuest, 2), fill & 0xFFFF);
}

TEST_P(ChipsetAbortPolicy, AbortedWritesAreDropped) {
  write_value(cs_, kPub, SVMM_CS_SCRATCH + 4, ~0ull, kGuest);  // straddles into SVMM.STATE
  EXPECT_EQ(cs_.read_register(SVMM_CS_SCRATCH), 0u);
  EXPECT_EQ(cs_.read_register(SVMM_CS_STATE), 0u);
}

TEST_P(ChipsetAbortPolicy, EveryAbortIsCountedRecordedAndHandedToTheHostWithThePolicy) {
  EXPECT_EQ(read_value(cs_, kPriv, SVMM_CS_STS, Requester::guest_os(5)),
            GetParam() == AbortPolicy::AllZeros ? 0 : ~0ull);
  write_value(cs_, kPub, SVMM_CS_STS, 1, kGuest, 4);
  EXPECT_EQ(cs_.read_register(SVMM_CS_ABORT_COUNT), 2u);
  const auto aborts = host_.aborts();
  ASSERT_EQ(aborts.size(), 2u);
  for (const auto& a : aborts) EXPECT_EQ(a.policy, GetParam());
  EXPECT_EQ(aborts[0].record.reason, SVMM_ABORT_PRIVATE_NO_GRANT);
  EXPECT_EQ(aborts[0].record.window, kPriv);
  EXPECT_FALSE(aborts[0].record.write);
  EXPECT_EQ(aborts[0].record.who.vcpu_index, 5u);
  EXPECT_EQ(aborts[1].record.reason, SVMM_ABORT_READ_ONLY);
  EXPECT_EQ(aborts[1].record.width, 4u);
  EXPECT_EQ(cs_.read_register(SVMM_CS_LAST_ABORT), encode_last_abort(aborts[1].record));
}

TEST_P(ChipsetAbortPolicy, OnlyErrorCodeWritesErrorCode) {
  write_value(cs_, kPub, SVMM_CS_STS, 1, kGuest);
  const uint64_t expect = GetParam() == AbortPolicy::ErrorCode ? 0xD3560002ull : 0;
  EXPECT_EQ(cs_.read_register(SVMM_CS_ERRORCODE), expect);
}

std::string policy_name(const ::testing::TestParamInfo<AbortPolicy>& info) {
  switch (info.param) {
    case AbortPolicy::AllOnes:
      return "AllOnes";
    case AbortPolicy::AllZeros:
      return "AllZeros";
    case AbortPolicy::ErrorCode:
      return "ErrorCode";
    case AbortPolicy::Interrupt:
      return "Interrupt";
    case AbortPolicy::Teardown:
      return "Teardown";
    case AbortPolicy::Reset:
      return "Reset";
  }
  return "Unknown";
}

INSTANTIATE_TEST_SUITE_P(Policies, ChipsetAbortPolicy,
                         ::testing::Values(AbortPolicy::AllOnes, AbortPolicy::AllZeros,
                                           AbortPolicy::ErrorCode, AbortPolicy::Interrupt,
                                           AbortPolicy::Teardown, AbortPolicy::Reset),
                         policy_name);

class ChipsetAborts : public ::testing::Test {
 protected:
  RecordingChipsetHost host_;
  ConfigSpace cs_{fakes::chipset_options(AbortPolicy::ErrorCode), host_};
};

TEST_F(ChipsetAborts, ErrorCodeIsValidExternalTaggedAndOverwrittenByEveryAbort) {
  (void)read_value(cs_, kPriv, SVMM_CS_STS, kGuest);
  EXPECT_EQ(cs_.read_register(SVMM_CS_ERRORCODE),
            (1ull << 31) | (1ull << 30) | (0x5356ull << 16) | 1);
  write_value(cs_, kPriv, SVMM_CS_HEAP_BASE, 0, kMonitor);  // locked
  EXPECT_EQ(cs_.read_register(SVMM_CS_ERRORCODE), 0xD3560004ull);
}

TEST_F(ChipsetAborts, LastAbortEncodesWindowWriteWidthRequesterAndVcpu) {
  cs_.secure_launch({});
  write_value(cs_, kPriv, SVMM_CS_OWNER_SCRATCH + 2, 0, Requester::trusted_vm(2, 3), 2);
  const uint64_t last = cs_.read_register(SVMM_CS_LAST_ABORT);
  EXPECT_EQ(last, uint64_t{SVMM_CS_OWNER_SCRATCH + 2} | (1ull << 32) | (1ull << 33) | (2ull << 36) |
                      (3ull << 40) | (3ull << 48));
}

TEST_F(ChipsetAborts, ARefusedHypercallIsReason7WithTheFunctionAsOffset) {
  cs_.hypercall_refused(SVMM_HC_SECURE_LAUNCH, Requester::trusted_vm(0, 1));
  EXPECT_EQ(cs_.read_register(SVMM_CS_ABORT_COUNT), 1u);
  EXPECT_EQ(cs_.read_register(SVMM_CS_LAST_ABORT), uint64_t{SVMM_HC_SECURE_LAUNCH} | (1ull << 33) |
                                                       (1ull << 34) | (4ull << 36) | (1ull << 40) |
                                                       (1ull << 48));
  EXPECT_EQ(cs_.read_register(SVMM_CS_ERRORCODE), 0xD3560007ull);
  ASSERT_EQ(host_.aborts().size(), 1u);
  EXPECT_TRUE(host_.aborts()[0].record.hypercall);
  EXPECT_EQ(host_.aborts()[0].record.reason, SVMM_ABORT_HYPERCALL_REFUSED);
}

TEST_F(ChipsetAborts, ATokenAbortIsReason6WithTheTokenBitAndReturnsTheFill) {
  EXPECT_EQ(cs_.token_abort(0x3018, 4, false, kGuest), 0xFF);
  EXPECT_EQ(cs_.read_register(SVMM_CS_LAST_ABORT), 0x3018ull | (1ull << 35) | (4ull << 36));
  EXPECT_EQ(cs_.read_register(SVMM_CS_ERRORCODE), 0xD3560006ull);
  ASSERT_EQ(host_.aborts().size(), 1u);
  EXPECT_EQ(host_.aborts()[0].record.window, ChipsetWindow::Token);
}

TEST(ChipsetAbortFill, TokenAbortFollowsAllZeros) {
  RecordingChipsetHost host;
  ConfigSpace cs(fakes::chipset_options(AbortPolicy::AllZeros), host);
  EXPECT_EQ(cs.token_abort(0x3000, 1, false, kGuest), 0x00);
}

// A host that reads the chipset from inside its callbacks: it would deadlock if the chipset
// called it with its mutex held.
class ReentrantHost final : public ChipsetHost {
 public:
  ConfigSpace* cs = nullptr;
  uint64_t seen_count = 0;
  int64_t hypercall(uint32_t, const std::array<uint64_t, 4>&, const Requester&) override {
    cs->teardown_close();
    cs->scrub_trusted_banks();
    return static_cast<int64_t>(cs->read_register(SVMM_CS_TEARDOWN_COUNT));
  }
  void aborted(const AbortRecord&, AbortPolicy) override {
    seen_count = cs->read_register(SVMM_CS_ABORT_COUNT);
    (void)cs->registers();
  }
  void reset_requested(const Requester&) override { (void)cs->secure_mode(); }
};

TEST(ChipsetHostCallbacks, RunWithoutTheChipsetLockSoTheHostMayCallBack) {
  ReentrantHost host;
  ConfigSpace cs(fakes::chipset_options(), host);
  host.cs = &cs;
  (void)read_value(cs, kPriv, SVMM_CS_STS, kGuest);
  EXPECT_EQ(host.seen_count, 1u) << "the abort is recorded before the host hears of it";
  cs.secure_launch({});
  write_value(cs, kPub, SVMM_CS_HC_CALL, SVMM_HC_TEARDOWN, kGuest);
  EXPECT_EQ(cs.bank(kGuest).result, 1u);
  EXPECT_FALSE(cs.secure_mode());
  write_value(cs, kPriv, SVMM_CS_CMD_RESET, 0, kMonitor);
}

// ---- fuse (section 5) ---------------------------------------------------------------------

class ChipsetFuseDisabled : public ::testing::Test {
 protected:
  RecordingChipsetHost host_;
  ConfigSpace cs_{fakes::chipset_options(AbortPolicy::AllOnes, FuseState::Disabled), host_};
};

TEST_F(ChipsetFuseDisabled, PrivateWindowReadsAllOnesForEveryRequester) {
  for (const Requester& who : {kGuest, Requester::trusted_vm(0, 0), kMonitor}) {
    EXPECT_EQ(read_value(cs_, kPriv, SVMM_CS_DIDVID, who), ~0ull);
    EXPECT_EQ(read_value(cs_, kPriv, 0x010, who), ~0ull);
  }
  // Unprotected requesters' accesses are aborts (reason 1, section 4: no grant; with the fuse
  // disabled there is no secure mode, so a trusted VM is unprotected too); for the monitor the
  // protected space is simply absent.
  EXPECT_EQ(cs_.read_register(SVMM_CS_ABORT_COUNT), 4u);
  ASSERT_EQ(host_.aborts().size(), 4u);
  for (const auto& a : host_.aborts()) {
    EXPECT_EQ(a.record.reason, SVMM_ABORT_PRIVATE_NO_GRANT);
    EXPECT_NE(a.record.who.role, RequesterRole::Monitor);
  }
}

TEST_F(ChipsetFuseDisabled, PrivateWindowWritesAndCommandsAreDropped) {
  write_value(cs_, kPriv, SVMM_CS_SCRATCH, 0x1234, kMonitor);
  write_value(cs_, kPriv, SVMM_CS_CMD_UNLOCK_MEM_CONFIG, 0, kMonitor);
  write_value(cs_, kPriv, SVMM_CS_CMD_GRANT_PRIVATE, 0, kMonitor);
  write_value(cs_, kPriv, SVMM_CS_CMD_RESET, 0, kMonitor);
  EXPECT_EQ(cs_.read_register(SVMM_CS_SCRATCH), 0u);
  EXPECT_EQ(cs_.read_register(SVMM_CS_STS), SVMM_STS_MEM_CONFIG_LOCK);
  EXPECT_FALSE(cs_.private_granted());
  EXPECT_TRUE(host_.resets().empty());
  EXPECT_EQ(cs_.read_register(SVMM_CS_ABORT_COUNT), 0u);
}

TEST_F(ChipsetFuseDisabled, VerRegistersShowTheFuseAndThePublicWindowStillWorks) {
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_VER_FSBIF, kGuest) & (1ull << 31), 0u);
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_VER_QPIIF, kGuest) & (1ull << 31), 0u);
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_DIDVID, kGuest), SVMM_DIDVID_VALUE);
  write_value(cs_, kPub, SVMM_CS_SCRATCH, 7, kGuest);
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_SCRATCH, kGuest), 7u);
  write_value(cs_, kPub, SVMM_CS_STS, 7, kGuest);  // still an abort in the public window
  EXPECT_EQ(cs_.read_register(SVMM_CS_ABORT_COUNT), 1u);
}

TEST_F(ChipsetFuseDisabled, SecureLaunchIsRefused) {
  cs_.secure_launch({});
  EXPECT_FALSE(cs_.secure_mode());
  EXPECT_EQ(cs_.read_register(SVMM_CS_STS), SVMM_STS_MEM_CONFIG_LOCK);
}

TEST(ChipsetFuseEnabled, VerRegistersHaveBit31) {
  RecordingChipsetHost host;
  ConfigSpace cs(fakes::chipset_options(), host);
  EXPECT_EQ(read_value(cs, kPub, SVMM_CS_VER_FSBIF, kGuest), 1ull << 31);
  EXPECT_EQ(read_value(cs, kPub, SVMM_CS_VER_QPIIF, kGuest), 1ull << 31);
}

}  // namespace
}  // namespace svmm
