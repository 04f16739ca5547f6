// Locks (abort reason 4), writable bits (reason 5), w1c and the per-vCPU write restriction
// of SVMM.OWNER-SCRATCH (reason 2) — spec/chipset.md sections 2 and 4, seed 0030.
#include <gtest/gtest.h>

#include "chipset/access_rules.h"
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
using fakes::write_value;


class ChipsetLocks : public ChipsetFixture<> {
 protected:
  explicit ChipsetLocks(bool dpr_locked = false) : ChipsetFixture(options(dpr_locked)) {}
  static ChipsetOptions options(bool dpr_locked) {
    ChipsetOptions o = fakes::chipset_options();
    if (!dpr_locked) o.dpr &= ~SVMM_DPR_LOCK;
    return o;
  }
  void unlock() { write_value(cs_, kPriv, SVMM_CS_CMD_UNLOCK_MEM_CONFIG, 0, kMonitor); }
};

constexpr uint32_t kLockGroup[] = {SVMM_CS_SINIT_BASE, SVMM_CS_SINIT_SIZE, SVMM_CS_HEAP_BASE,
                                   SVMM_CS_HEAP_SIZE, SVMM_CS_DPR};

TEST_F(ChipsetLocks, MemConfigLockAbortsWritesToTheLockGroupWithReason4) {
  cs_.secure_launch({});
  const Requester trusted = Requester::trusted_vm(0, 0);
  uint64_t n = 0;
  for (const uint32_t off : kLockGroup) {
    for (const Requester& who : {kMonitor, trusted}) {
      const uint64_t before = reg(off);
      write_value(cs_, kPriv, off, before ^ 0x100000, who);
      EXPECT_EQ(reg(SVMM_CS_ABORT_COUNT), ++n) << std::hex << off;
      EXPECT_EQ(last_reason(), SVMM_ABORT_LOCKED);
      EXPECT_EQ(reg(off), before);
    }
  }
}

TEST_F(ChipsetLocks, ALockedRegisterRefusesEvenAWriteThatChangesNothing) {
  write_value(cs_, kPriv, SVMM_CS_HEAP_BASE, reg(SVMM_CS_HEAP_BASE), kMonitor);
  EXPECT_EQ(last_reason(), SVMM_ABORT_LOCKED);
}

TEST_F(ChipsetLocks, UnlockedMemConfigAcceptsWritesToTheGroup) {
  unlock();
  for (const uint32_t off : kLockGroup) {
    write_value(cs_, kPriv, off, 0x7F00000ull, kMonitor);  // within DPR's writable bits
    EXPECT_EQ(reg(off), 0x7F00000ull) << std::hex << off;
  }
  EXPECT_EQ(reg(SVMM_CS_ABORT_COUNT), 0u);
}

TEST_F(ChipsetLocks, MleJoinIsNotInTheLockGroup) {
  write_value(cs_, kPriv, SVMM_CS_MLE_JOIN, 0xABCD, kMonitor);
  EXPECT_EQ(reg(SVMM_CS_MLE_JOIN), 0xABCDu);
}

TEST_F(ChipsetLocks, DprLockBitMakesDprReadOnlyUntilReset) {
  unlock();
  const uint64_t dpr = reg(SVMM_CS_DPR);
  write_value(cs_, kPriv, SVMM_CS_DPR, dpr | SVMM_DPR_LOCK, kMonitor);
  EXPECT_EQ(reg(SVMM_CS_DPR), dpr | SVMM_DPR_LOCK);
  write_value(cs_, kPriv, SVMM_CS_DPR, dpr, kMonitor);  // try to clear the lock
  EXPECT_EQ(last_reason(), SVMM_ABORT_LOCKED);
  write_value(cs_, kPriv, SVMM_CS_DPR, dpr | SVMM_DPR_LOCK | 0x10, kMonitor);
  EXPECT_EQ(last_reason(), SVMM_ABORT_LOCKED);
  EXPECT_EQ(reg(SVMM_CS_DPR), dpr | SVMM_DPR_LOCK);
  EXPECT_EQ(reg(SVMM_CS_ABORT_COUNT), 2u);
}

class ChipsetLocksDprLocked : public ChipsetLocks {
 protected:
  ChipsetLocksDprLocked() : ChipsetLocks(true) {}
};

TEST_F(ChipsetLocksDprLocked, TheProposedDprStartsLockedSoItStaysReadOnlyAfterAnUnlock) {
  unlock();
  write_value(cs_, kPriv, SVMM_CS_DPR, reg(SVMM_CS_DPR) ^ 0x10, kMonitor);
  EXPECT_EQ(last_reason(), SVMM_ABORT_LOCKED);
  write_value(cs_, kPriv, SVMM_CS_SINIT_SIZE, 0x1000, kMonitor);  // the rest is unlocked
  EXPECT_EQ(reg(SVMM_CS_SINIT_SIZE), 0x1000u);
}

TEST_F(ChipsetLocks, LockIsCheckedBeforeTheWriteMask) {
  write_value(cs_, kPriv, SVMM_CS_DPR, reg(SVMM_CS_DPR) | 0x2, kMonitor);
  EXPECT_EQ(last_reason(), SVMM_ABORT_LOCKED);
}

TEST_F(ChipsetLocks, DprBitsOutsideLockSizeAndTopAreReason5) {
  unlock();
  const uint64_t dpr = reg(SVMM_CS_DPR);
  for (const uint64_t bit : {1ull << 1, 1ull << 3, 1ull << 12, 1ull << 19, 1ull << 32}) {
    write_value(cs_, kPriv, SVMM_CS_DPR, dpr | bit, kMonitor);
    EXPECT_EQ(last_reason(), SVMM_ABORT_WRITE_MASK) << std::hex << bit;
    EXPECT_EQ(reg(SVMM_CS_DPR), dpr);
  }
}

TEST_F(ChipsetLocks, ErrorCodeUpperHalfIsNotWritable) {
  write_value(cs_, kPriv, SVMM_CS_ERRORCODE, 0xC0000005ull, kMonitor);
  EXPECT_EQ(reg(SVMM_CS_ERRORCODE), 0xC0000005ull);
  write_value(cs_, kPriv, SVMM_CS_ERRORCODE, 1ull << 40, kMonitor);
  EXPECT_EQ(last_reason(), SVMM_ABORT_WRITE_MASK);
  EXPECT_EQ(reg(SVMM_CS_ERRORCODE), 0xC0000005ull);
}

TEST_F(ChipsetLocks, APartialWriteIsJudgedOnTheBitsItChanges) {
  unlock();
  const uint64_t dpr = reg(SVMM_CS_DPR);
  // Byte 1 holds size bits 8-11 (writable) and bits 12-15 (not): change only the writable half.
  write_value(cs_, kPriv, SVMM_CS_DPR + 1, ((dpr >> 8) & 0xFF) ^ 0x0F, kMonitor, 1);
  EXPECT_EQ(reg(SVMM_CS_ABORT_COUNT), 0u);
  EXPECT_EQ(reg(SVMM_CS_DPR), dpr ^ 0xF00);
  write_value(cs_, kPriv, SVMM_CS_DPR + 1, 0xF0, kMonitor, 1);
  EXPECT_EQ(last_reason(), SVMM_ABORT_WRITE_MASK);
}

TEST_F(ChipsetLocks, W1cWritesOnlyAcceptTheW1cBits) {
  write_value(cs_, kPriv, SVMM_CS_ESTS, SVMM_ESTS_TXT_RESET, kMonitor);
  EXPECT_EQ(reg(SVMM_CS_ABORT_COUNT), 0u);
  EXPECT_EQ(reg(SVMM_CS_ESTS), 0u);
  write_value(cs_, kPriv, SVMM_CS_ESTS, 0x2, kMonitor);
  EXPECT_EQ(last_reason(), SVMM_ABORT_WRITE_MASK);
  write_value(cs_, kPub, SVMM_CS_ESTS, SVMM_ESTS_TXT_RESET, kMonitor);  // `r` in public
  EXPECT_EQ(last_reason(), SVMM_ABORT_READ_ONLY);
}

TEST(ChipsetW1c, WrittenOnesClearAndZerosKeep) {
  const WriteBits ones{0b0101, 0xFF};
  EXPECT_EQ(value_after_write(Access::W1c, 0b1111, ones), 0b1010u);
  EXPECT_EQ(value_after_write(Access::W1c, 0b1111, WriteBits{0, 0xFF}), 0b1111u);
  const RegisterDef& ests = *register_named("ESTS");
  EXPECT_EQ(write_refusal(ests, Access::W1c, 1, WriteBits{1, 0xFF}, 0, false), 0u);
  EXPECT_EQ(write_refusal(ests, Access::W1c, 1, WriteBits{2, 0xFF}, 0, false),
            SVMM_ABORT_WRITE_MASK);
}

TEST_F(ChipsetLocks, OwnerScratchIsWritableOnlyByVcpu0OfTheWritersVm) {
  cs_.secure_launch({});
  write_value(cs_, kPriv, SVMM_CS_OWNER_SCRATCH, 0x11, Requester::trusted_vm(1, 0));
  EXPECT_EQ(reg(SVMM_CS_OWNER_SCRATCH), 0x11u);
  write_value(cs_, kPriv, SVMM_CS_OWNER_SCRATCH, 0x22, Requester::trusted_vm(1, 1));
  EXPECT_EQ(last_reason(), SVMM_ABORT_READ_ONLY);
  EXPECT_EQ(reg(SVMM_CS_OWNER_SCRATCH), 0x11u);
  // Every vCPU may read it.
  EXPECT_EQ(read_value(cs_, kPriv, SVMM_CS_OWNER_SCRATCH, Requester::trusted_vm(1, 1)), 0x11u);

  write_value(cs_, kPriv, SVMM_CS_CMD_GRANT_PRIVATE, 0, kMonitor);
  write_value(cs_, kPriv, SVMM_CS_OWNER_SCRATCH, 0x33, Requester::guest_os(0));
  EXPECT_EQ(reg(SVMM_CS_OWNER_SCRATCH), 0x33u);
  write_value(cs_, kPriv, SVMM_CS_OWNER_SCRATCH, 0x44, Requester::guest_os(1));
  EXPECT_EQ(last_reason(), SVMM_ABORT_READ_ONLY);
  EXPECT_EQ(reg(SVMM_CS_ABORT_COUNT), 2u);
}

TEST_F(ChipsetLocks, GuestWritesTheNonProtectedScratchAndNotReadOnlyRegistersInPublic) {
  const Requester guest = Requester::guest_os(3);
  write_value(cs_, kPub, SVMM_CS_SCRATCH, 0xFEEDull, guest);
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_SCRATCH, Requester::guest_os(0)), 0xFEEDull);
  write_value(cs_, kPub, SVMM_CS_STS, 0, guest);
  EXPECT_EQ(last_reason(), SVMM_ABORT_READ_ONLY);
  write_value(cs_, kPub, SVMM_CS_OWNER_SCRATCH, 0, Requester::guest_os(0));
  EXPECT_EQ(last_reason(), SVMM_ABORT_READ_ONLY);
  EXPECT_EQ(reg(SVMM_CS_STS), SVMM_STS_MEM_CONFIG_LOCK);
}

}  // namespace
}  // namespace svmm
