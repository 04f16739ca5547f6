// Every command of spec/chipset.md section 2 and its effect on STS, E2STS, the localities and
// the private-window grant; who may issue commands (section 1, abort reason 3).
#include <gtest/gtest.h>

#include "chipset/config_space.h"
#include "chipset/txt_heap.h"
#include "protocol/chipset.h"
#include "tests/unit/chipset_test_fixture.h"

namespace svmm {
namespace {

using fakes::ChipsetFixture;
using fakes::kGuest;
using fakes::kMonitor;
using fakes::kPriv;
using fakes::kPub;
using fakes::read_value;
using fakes::write_value;

const Requester kTrusted = Requester::trusted_vm(0, 1);

class ChipsetCommands : public ChipsetFixture<> {
 protected:
  void cmd(uint32_t offset, const Requester& who = kMonitor, ChipsetWindow w = kPriv) {
    write_value(cs_, w, offset, 0, who);
  }
};

TEST_F(ChipsetCommands, StartStateIsSection3) {
  const ChipsetAreas areas = txt_chipset_layout(256 * SVMM_MIB);
  EXPECT_EQ(reg(SVMM_CS_STS), SVMM_STS_MEM_CONFIG_LOCK);
  EXPECT_EQ(reg(SVMM_CS_E2STS), 0u);
  EXPECT_EQ(reg(SVMM_CS_STATE), 0u);
  for (uint32_t i = 0; i < 32; i += 8) EXPECT_EQ(reg(SVMM_CS_PUBLIC_KEY + i), 0u);
  EXPECT_EQ(reg(SVMM_CS_DIDVID), SVMM_DIDVID_VALUE);
  EXPECT_EQ(reg(SVMM_CS_DIDVID), 0x0000'0001'4D4D'5356ull);
  EXPECT_EQ(reg(SVMM_CS_VER_FSBIF), SVMM_VER_FUSE_ENABLED);
  EXPECT_EQ(reg(SVMM_CS_VER_QPIIF), SVMM_VER_FUSE_ENABLED);
  EXPECT_EQ(reg(SVMM_CS_ICH_TOKEN_STS), 0x1ull | (1ull << 8) | (1ull << 12));
  EXPECT_EQ(reg(SVMM_CS_SINIT_BASE), areas.sinit_base);
  EXPECT_EQ(reg(SVMM_CS_HEAP_SIZE), areas.heap_size);
  EXPECT_EQ(reg(SVMM_CS_DPR), areas.dpr);
  EXPECT_EQ(aborts(), 0u);
  EXPECT_FALSE(cs_.private_granted());
  EXPECT_FALSE(cs_.secure_mode());
}

TEST_F(ChipsetCommands, ResetAsksTheHostForASystemResetWithTheIssuer) {
  cs_.secure_launch({});
  cmd(SVMM_CS_CMD_RESET, kTrusted);
  ASSERT_EQ(host_.resets().size(), 1u);
  EXPECT_TRUE(fakes::same_requester(host_.resets()[0], kTrusted));
  EXPECT_EQ(aborts(), 0u);
}

TEST_F(ChipsetCommands, ClosePrivateClearsPrivateOpenBothLocalitiesAndTheGrant) {
  cs_.secure_launch({});
  cmd(SVMM_CS_CMD_OPEN_LOCALITY1);
  cmd(SVMM_CS_CMD_GRANT_PRIVATE);
  ASSERT_TRUE(cs_.private_granted());
  cmd(SVMM_CS_CMD_CLOSE_PRIVATE, kTrusted);
  const uint64_t sts = reg(SVMM_CS_STS);
  EXPECT_EQ(sts & (SVMM_STS_PRIVATE_OPEN | SVMM_STS_LOCALITY1_OPEN | SVMM_STS_LOCALITY2_OPEN), 0u);
  EXPECT_NE(sts & SVMM_STS_SENTER_DONE, 0u) << "CLOSE-PRIVATE leaves the launch bits";
  EXPECT_FALSE(cs_.private_granted());
  EXPECT_EQ(read_value(cs_, kPriv, SVMM_CS_STS, kGuest), ~0ull);
  EXPECT_EQ(last_reason(), SVMM_ABORT_PRIVATE_NO_GRANT);
}

TEST_F(ChipsetCommands, UnlockMemConfigClearsTheLock) {
  cmd(SVMM_CS_CMD_UNLOCK_MEM_CONFIG);
  EXPECT_EQ(reg(SVMM_CS_STS) & SVMM_STS_MEM_CONFIG_LOCK, 0u);
}

TEST_F(ChipsetCommands, Locality1OpensAndClosesInStsAndTokenSts) {
  cmd(SVMM_CS_CMD_OPEN_LOCALITY1);
  EXPECT_NE(reg(SVMM_CS_STS) & SVMM_STS_LOCALITY1_OPEN, 0u);
  EXPECT_NE(reg(SVMM_CS_ICH_TOKEN_STS) & (1ull << 9), 0u);
  EXPECT_TRUE(cs_.locality_usable(1, kGuest));
  cmd(SVMM_CS_CMD_CLOSE_LOCALITY1);
  EXPECT_EQ(reg(SVMM_CS_STS) & SVMM_STS_LOCALITY1_OPEN, 0u);
  EXPECT_EQ(reg(SVMM_CS_ICH_TOKEN_STS) & (1ull << 9), 0u);
  EXPECT_FALSE(cs_.locality_usable(1, kGuest));
}

TEST_F(ChipsetCommands, Locality2OpensAndClosesInStsAndTokenSts) {
  cmd(SVMM_CS_CMD_OPEN_LOCALITY2);
  EXPECT_NE(reg(SVMM_CS_STS) & SVMM_STS_LOCALITY2_OPEN, 0u);
  EXPECT_NE(reg(SVMM_CS_ICH_TOKEN_STS) & (1ull << 10), 0u);
  EXPECT_TRUE(cs_.locality_usable(2, kTrusted));
  cmd(SVMM_CS_CMD_CLOSE_LOCALITY2);
  EXPECT_EQ(reg(SVMM_CS_STS) & SVMM_STS_LOCALITY2_OPEN, 0u);
  EXPECT_EQ(reg(SVMM_CS_ICH_TOKEN_STS) & (1ull << 10), 0u);
  EXPECT_FALSE(cs_.locality_usable(2, kTrusted));
}

TEST_F(ChipsetCommands, SecretsAndNoSecretsDriveE2sts) {
  cmd(SVMM_CS_CMD_SECRETS);
  EXPECT_EQ(reg(SVMM_CS_E2STS), SVMM_E2STS_SECRETS);
  cmd(SVMM_CS_CMD_NO_SECRETS);
  EXPECT_EQ(reg(SVMM_CS_E2STS), 0u);
}

TEST_F(ChipsetCommands, GrantOpensPrivateReadsAndRwWritesToTheGuest) {
  EXPECT_EQ(read_value(cs_, kPriv, SVMM_CS_DIDVID, kGuest), ~0ull);
  cmd(SVMM_CS_CMD_GRANT_PRIVATE);
  EXPECT_EQ(read_value(cs_, kPriv, SVMM_CS_DIDVID, kGuest), SVMM_DIDVID_VALUE);
  write_value(cs_, kPriv, SVMM_CS_OWNER_SCRATCH, 0x1234, kGuest);
  EXPECT_EQ(reg(SVMM_CS_OWNER_SCRATCH), 0x1234u);
  write_value(cs_, kPriv, SVMM_CS_MLE_JOIN, 0x5000, kGuest);
  EXPECT_EQ(reg(SVMM_CS_MLE_JOIN), 0x5000u);
  EXPECT_EQ(aborts(), 1u);  // only the read before the grant
}

TEST_F(ChipsetCommands, GrantedGuestStillMayNotIssueAnyCommand) {
  cmd(SVMM_CS_CMD_GRANT_PRIVATE);
  uint64_t n = 0;
  for (const RegisterDef& r : register_table()) {
    if (!r.is_command()) continue;
    cmd(r.offset, kGuest);
    EXPECT_EQ(aborts(), ++n) << r.name;
    EXPECT_EQ(last_reason(), SVMM_ABORT_COMMAND_DENIED) << r.name;
  }
  EXPECT_TRUE(cs_.private_granted());
  EXPECT_EQ(reg(SVMM_CS_STS), SVMM_STS_MEM_CONFIG_LOCK);
  EXPECT_TRUE(host_.resets().empty());
  EXPECT_TRUE(host_.hypercalls().empty());
}

TEST_F(ChipsetCommands, PrivateOpenAloneDoesNotOpenThePrivateWindowToTheGuest) {
  cs_.secure_launch({});
  ASSERT_NE(reg(SVMM_CS_STS) & SVMM_STS_PRIVATE_OPEN, 0u);
  EXPECT_EQ(read_value(cs_, kPriv, SVMM_CS_STS, kGuest), ~0ull);
  EXPECT_EQ(last_reason(), SVMM_ABORT_PRIVATE_NO_GRANT);
}

TEST_F(ChipsetCommands, GrantIsProtectedOnlyEvenForAGrantedTrustedVmOutsideSecureMode) {
  cmd(SVMM_CS_CMD_GRANT_PRIVATE);
  cmd(SVMM_CS_CMD_GRANT_PRIVATE, kTrusted);  // normal mode: treated as the guest OS
  EXPECT_EQ(last_reason(), SVMM_ABORT_COMMAND_DENIED);
  cs_.secure_launch({});
  cmd(SVMM_CS_CMD_CLOSE_PRIVATE);
  cmd(SVMM_CS_CMD_GRANT_PRIVATE, kTrusted);  // secure mode: protected
  EXPECT_TRUE(cs_.private_granted());
  EXPECT_EQ(aborts(), 1u);
}

TEST_F(ChipsetCommands, CommandsThroughThePublicWindowAreReason3ForEveryone) {
  cs_.secure_launch({});
  for (const Requester& who : {kGuest, kTrusted, kMonitor}) {
    cmd(SVMM_CS_CMD_SECRETS, who, kPub);
    EXPECT_EQ(last_reason(), SVMM_ABORT_COMMAND_DENIED);
    cmd(SVMM_CS_CMD_GRANT_PRIVATE, who, kPub);
    EXPECT_EQ(last_reason(), SVMM_ABORT_COMMAND_DENIED);
  }
  EXPECT_EQ(aborts(), 6u);
  EXPECT_FALSE(cs_.private_granted());
}

TEST_F(ChipsetCommands, CommandRegistersReadZeroInBothWindows) {
  cs_.secure_launch({});
  for (const RegisterDef& r : register_table()) {
    if (!r.is_command()) continue;
    EXPECT_EQ(read_value(cs_, kPriv, r.offset, kTrusted), 0u) << r.name;
    EXPECT_EQ(read_value(cs_, kPub, r.offset, kGuest), 0u) << r.name;
  }
  EXPECT_EQ(aborts(), 0u);
}

TEST_F(ChipsetCommands, ACommandTriggersOnAWriteOfAnyWidthValueAndSubOffset) {
  for (const std::size_t width : {1u, 2u, 4u, 8u}) {
    cmd(SVMM_CS_CMD_NO_SECRETS);
    write_value(cs_, kPriv, SVMM_CS_CMD_SECRETS + 8 - width, 0xFFFFFFFFFFFFFFFFull, kMonitor,
                width);
    EXPECT_EQ(reg(SVMM_CS_E2STS), SVMM_E2STS_SECRETS) << width;
  }
}

TEST_F(ChipsetCommands, TrustedVmInSecureModeIssuesEveryMchCommand) {
  cs_.secure_launch({});
  cmd(SVMM_CS_CMD_OPEN_LOCALITY1, kTrusted);
  cmd(SVMM_CS_CMD_NO_SECRETS, kTrusted);
  cmd(SVMM_CS_CMD_UNLOCK_MEM_CONFIG, kTrusted);
  EXPECT_EQ(aborts(), 0u);
  EXPECT_EQ(reg(SVMM_CS_E2STS), 0u);
  EXPECT_EQ(reg(SVMM_CS_STS) & (SVMM_STS_MEM_CONFIG_LOCK | SVMM_STS_LOCALITY1_OPEN),
            SVMM_STS_LOCALITY1_OPEN);
}

}  // namespace
}  // namespace svmm
