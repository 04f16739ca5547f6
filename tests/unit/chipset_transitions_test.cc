// Secure-mode transitions seen in the registers (spec/chipset.md section 3), the token
// localities (token.md section 2, ICH.TOKEN-STS) and the monitor's views (query-chipset).
#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>

#include "chipset/config_space.h"
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
using fakes::RecordingChipsetHost;
using fakes::write_value;

const Requester kTrusted = Requester::trusted_vm(0, 0);

std::array<uint8_t, 32> hash_of(uint8_t seed) {
  std::array<uint8_t, 32> h{};
  for (std::size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint8_t>(seed + i);
  return h;
}

std::array<uint8_t, 32> public_key(ConfigSpace& cs) {
  std::array<uint8_t, 32> key{};
  cs.read(kPub, SVMM_CS_PUBLIC_KEY, key, kGuest);
  return key;
}

using ChipsetTransitions = ChipsetFixture<>;

TEST_F(ChipsetTransitions, SecureLaunchSetsTheLaunchRegisters) {
  cs_.secure_launch(hash_of(1));
  EXPECT_EQ(reg(SVMM_CS_STS), SVMM_STS_SENTER_DONE | SVMM_STS_PRIVATE_OPEN |
                                  SVMM_STS_MEM_CONFIG_LOCK | SVMM_STS_LOCALITY2_OPEN);
  EXPECT_EQ(reg(SVMM_CS_E2STS), SVMM_E2STS_SECRETS);
  EXPECT_EQ(reg(SVMM_CS_STATE), 1u);
  EXPECT_EQ(public_key(cs_), hash_of(1));
  EXPECT_TRUE(cs_.secure_mode());
  EXPECT_EQ(reg(SVMM_CS_ICH_TOKEN_STS), 0x1ull | (1ull << 8) | (1ull << 10) | (1ull << 12));
  EXPECT_EQ(host_.abort_count(), 0u);
}

TEST_F(ChipsetTransitions, ASecondLaunchWhileSecureIsRefusedAndChangesNothing) {
  cs_.secure_launch(hash_of(1));
  cs_.secure_launch(hash_of(2));
  EXPECT_TRUE(cs_.secure_mode());
  EXPECT_EQ(public_key(cs_), hash_of(1));
}

TEST_F(ChipsetTransitions, TeardownCloseLeavesSexitDoneOnlyAndKeepsThePublicKey) {
  cs_.secure_launch(hash_of(1));
  write_value(cs_, kPriv, SVMM_CS_CMD_OPEN_LOCALITY1, 0, kMonitor);
  write_value(cs_, kPriv, SVMM_CS_CMD_GRANT_PRIVATE, 0, kMonitor);
  cs_.teardown_close();
  EXPECT_EQ(reg(SVMM_CS_STS), SVMM_STS_SEXIT_DONE);
  EXPECT_EQ(reg(SVMM_CS_E2STS), 0u);
  EXPECT_EQ(reg(SVMM_CS_STATE), 0u);
  EXPECT_EQ(reg(SVMM_CS_TEARDOWN_COUNT), 1u);
  EXPECT_EQ(public_key(cs_), hash_of(1));
  EXPECT_FALSE(cs_.private_granted());
  EXPECT_FALSE(cs_.secure_mode());
  EXPECT_EQ(reg(SVMM_CS_ICH_TOKEN_STS), 0x1ull | (1ull << 8) | (1ull << 12));
}

TEST_F(ChipsetTransitions, RelaunchAfterTeardownShowsTheNewKeyAgainAndAgain) {
  for (uint8_t round = 1; round <= 3; ++round) {
    cs_.secure_launch(hash_of(round));
    EXPECT_EQ(reg(SVMM_CS_STS) & (SVMM_STS_SENTER_DONE | SVMM_STS_SEXIT_DONE),
              SVMM_STS_SENTER_DONE);
    EXPECT_EQ(public_key(cs_), hash_of(round));
    cs_.teardown_close();
    EXPECT_EQ(reg(SVMM_CS_TEARDOWN_COUNT), round);
  }
}

TEST_F(ChipsetTransitions, TeardownUnlocksMemConfigSoTheMonitorMayRewriteTheAreas) {
  cs_.secure_launch({});
  cs_.teardown_close();
  write_value(cs_, kPriv, SVMM_CS_HEAP_SIZE, 0x1000, kMonitor);
  EXPECT_EQ(reg(SVMM_CS_HEAP_SIZE), 0x1000u);
}

TEST_F(ChipsetTransitions, ATrustedVmIsProtectedOnlyInSecureMode) {
  EXPECT_EQ(read_value(cs_, kPriv, SVMM_CS_STS, kTrusted), ~0ull);
  EXPECT_EQ(host_.aborts().back().record.reason, SVMM_ABORT_PRIVATE_NO_GRANT);
  cs_.secure_launch({});
  EXPECT_NE(read_value(cs_, kPriv, SVMM_CS_STS, kTrusted), ~0ull);
  cs_.teardown_close();
  write_value(cs_, kPriv, SVMM_CS_SCRATCH, 1, kTrusted);
  EXPECT_EQ(host_.aborts().back().record.reason, SVMM_ABORT_PRIVATE_NO_GRANT);
  EXPECT_EQ(reg(SVMM_CS_SCRATCH), 0u);
}

TEST_F(ChipsetTransitions, LocalitiesFollowTheRequesterAndTheOpenBits) {
  // Normal mode: guest 0 only; monitor all but 3; trusted none.
  for (unsigned n = 0; n <= 5; ++n) {
    EXPECT_EQ(cs_.locality_usable(n, kGuest), n == 0) << n;
    EXPECT_FALSE(cs_.locality_usable(n, kTrusted)) << n;
    EXPECT_EQ(cs_.locality_usable(n, kMonitor), n <= 4 && n != 3) << n;
  }
  cs_.secure_launch({});
  write_value(cs_, kPriv, SVMM_CS_CMD_OPEN_LOCALITY1, 0, kMonitor);
  for (unsigned n = 0; n <= 4; ++n) {
    EXPECT_EQ(cs_.locality_usable(n, kGuest), n <= 1) << n;
    EXPECT_EQ(cs_.locality_usable(n, kTrusted), n == 2) << n;
  }
  cs_.teardown_close();
  EXPECT_FALSE(cs_.locality_usable(1, kGuest));
  EXPECT_FALSE(cs_.locality_usable(2, kTrusted));
}

TEST(ChipsetTokenDisabled, TokenStsIsZeroAndNoLocalityIsUsable) {
  RecordingChipsetHost host;
  ChipsetOptions o = fakes::chipset_options();
  o.token_present = false;
  ConfigSpace cs(o, host);
  EXPECT_EQ(cs.read_register(SVMM_CS_ICH_TOKEN_STS), 0u);
  cs.secure_launch({});
  EXPECT_EQ(cs.read_register(SVMM_CS_ICH_TOKEN_STS), 0u);
  for (unsigned n = 0; n <= 4; ++n) {
    EXPECT_FALSE(cs.locality_usable(n, kGuest));
    EXPECT_FALSE(cs.locality_usable(n, kTrusted));
    EXPECT_FALSE(cs.locality_usable(n, kMonitor));
  }
}

TEST_F(ChipsetTransitions, TokenForwardsAreCounted) {
  for (int i = 0; i < 3; ++i) cs_.count_token_forward();
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_ICH_TOKEN_FORWARDS, kGuest), 3u);
}

TEST_F(ChipsetTransitions, RegistersListsEveryRegisterByNameWithItsValue) {
  cs_.secure_launch(hash_of(7));
  const auto regs = cs_.registers();
  ASSERT_EQ(regs.size(), register_table().size());
  std::set<std::string> names;
  for (const NamedRegister& r : regs) {
    names.insert(r.name);
    const RegisterDef* def = register_named(r.name);
    ASSERT_NE(def, nullptr) << r.name;
    EXPECT_EQ(r.offset, def->offset);
    ASSERT_EQ(r.value.size(), def->width) << r.name;
  }
  EXPECT_EQ(names.size(), regs.size());
  const auto find = [&](std::string_view n) {
    for (const NamedRegister& r : regs)
      if (r.name == n) return r.value;
    return std::vector<uint8_t>{};
  };
  EXPECT_EQ(find("SVMM.STATE"), (std::vector<uint8_t>{1, 0, 0, 0, 0, 0, 0, 0}));
  const auto key = find("PUBLIC.KEY");
  EXPECT_TRUE(std::equal(key.begin(), key.end(), hash_of(7).begin()));
  EXPECT_EQ(find("DIDVID"), (std::vector<uint8_t>{0x56, 0x53, 0x4D, 0x4D, 1, 0, 0, 0}));
}

TEST(ChipsetMonitorView, ReadRegisterIsNotHiddenByTheFuse) {
  RecordingChipsetHost host;
  ConfigSpace cs(fakes::chipset_options(AbortPolicy::AllOnes, FuseState::Disabled), host);
  EXPECT_EQ(cs.read_register(SVMM_CS_DIDVID), SVMM_DIDVID_VALUE);
  EXPECT_EQ(cs.read_register(0x010), 0u);
  EXPECT_EQ(cs.read_register(SVMM_CS_DIDVID + 4), 1u);
}

}  // namespace
}  // namespace svmm
