// Access widths and alignment (spec/chipset.md section 1): 1, 2, 4, 8 bytes at any alignment
// inside a register, accesses straddling registers split at register boundaries, unassigned
// offsets in both windows.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

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


using ChipsetWidths = ChipsetFixture<>;

TEST_F(ChipsetWidths, EveryWidthAtEveryOffsetInsideARegisterReadsItsBytes) {
  const uint64_t didvid = SVMM_DIDVID_VALUE;
  for (const std::size_t width : {1u, 2u, 4u, 8u}) {
    for (std::size_t sub = 0; sub + width <= 8; ++sub) {
      const uint64_t expect =
          (didvid >> (8 * sub)) & (width == 8 ? ~0ull : (1ull << (8 * width)) - 1);
      EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_DIDVID + sub, kGuest, width), expect)
          << "width " << width << " at +" << sub;
    }
  }
  EXPECT_EQ(aborts(), 0u);
}

TEST_F(ChipsetWidths, PublicKeyReadsAsTxtStatDoesIn8ByteSteps) {
  std::array<uint8_t, 32> hash{};
  for (std::size_t i = 0; i < hash.size(); ++i) hash[i] = static_cast<uint8_t>(0xA0 + i);
  cs_.secure_launch(hash);
  for (uint32_t i = 0; i < 32; i += 8) {
    std::array<uint8_t, 8> got{};
    cs_.read(kPub, SVMM_CS_PUBLIC_KEY + i, got, kGuest);
    EXPECT_TRUE(std::equal(got.begin(), got.end(), hash.begin() + i)) << i;
  }
  // Unaligned inside the register.
  std::array<uint8_t, 8> mid{};
  cs_.read(kPub, SVMM_CS_PUBLIC_KEY + 13, mid, kGuest);
  EXPECT_TRUE(std::equal(mid.begin(), mid.end(), hash.begin() + 13));
}

TEST_F(ChipsetWidths, AReadStraddlingTwoRegistersTakesEachByteFromItsRegister) {
  write_value(cs_, kPub, SVMM_CS_SCRATCH, 0x8877665544332211ull, kGuest);
  // 0xA04: SCRATCH bytes 4-7, then SVMM.STATE bytes 0-3 (0).
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_SCRATCH + 4, kGuest), 0x88776655ull);
  // 0xA0C: STATE's last 4 bytes then ABORT-COUNT's first 4.
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_STATE + 4, kGuest), 0u);
  EXPECT_EQ(aborts(), 0u);
}

TEST_F(ChipsetWidths, AReadStraddlingIntoUnassignedPublicSpaceReadsZerosThere) {
  // ESTS at 0x008 ends at 0x010; 0x010-0x02F is unassigned. DIDVID ends at 0x118.
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_DIDVID + 4, kGuest), 0x00000001ull);
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_DIDVID - 2, kGuest, 4), 0x53560000ull);
  EXPECT_EQ(aborts(), 0u);
}

TEST_F(ChipsetWidths, AWriteStraddlingTwoRwRegistersWritesBoth) {
  write_value(cs_, kPub, SVMM_CS_HC_ARG0 + 4, 0x2222222211111111ull, kGuest);
  const HypercallBankValues b = cs_.bank(kGuest);
  EXPECT_EQ(b.args[0], 0x1111111100000000ull);
  EXPECT_EQ(b.args[1], 0x22222222ull);
  EXPECT_EQ(aborts(), 0u);
}

TEST_F(ChipsetWidths, AWriteWithOneRefusedPartIsAbortedAsAWholeOnce) {
  write_value(cs_, kPub, SVMM_CS_SCRATCH, 0x55, kGuest);
  write_value(cs_, kPub, SVMM_CS_SCRATCH + 4, ~0ull, kGuest);  // SCRATCH hi + STATE lo (r)
  EXPECT_EQ(aborts(), 1u);
  EXPECT_EQ(last_reason(), SVMM_ABORT_READ_ONLY);
  EXPECT_EQ(reg(SVMM_CS_SCRATCH), 0x55u) << "the allowed part was dropped too";
  EXPECT_EQ(reg(SVMM_CS_STATE), 0u);
  const AbortRecord r = host_.aborts().back().record;
  EXPECT_EQ(r.offset, SVMM_CS_SCRATCH + 4);
  EXPECT_EQ(r.width, 8u);
}

TEST_F(ChipsetWidths, AReadWithOneRefusedPartReturnsThePolicyFillInEveryByte) {
  cs_.secure_launch({});
  const Requester trusted = Requester::trusted_vm(0, 0);
  // 0xE0C: TOKEN-FORWARDS bytes 4-7, then 0xE10-0xE13, unassigned private space.
  EXPECT_EQ(read_value(cs_, kPriv, SVMM_CS_ICH_TOKEN_FORWARDS + 4, trusted), ~0ull);
  EXPECT_EQ(aborts(), 1u);
  EXPECT_EQ(last_reason(), SVMM_ABORT_READ_ONLY);
}

TEST_F(ChipsetWidths, AWriteStraddlingIntoHcCallTriggersOnceWithTheUpdatedArgs) {
  // 0xB1C: ARG3 bytes 4-7, then HC.CALL bytes 0-3: the function is the value's high half.
  write_value(cs_, kPub, SVMM_CS_HC_ARG3 + 4, 0x53564D00AABBCCDDull, kGuest);
  const auto calls = host_.hypercalls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].function, 0x53564D00u);
  EXPECT_EQ(calls[0].args[3], 0xAABBCCDD00000000ull);
}

TEST_F(ChipsetWidths, AByteWriteToHcCallPlacesItsByteAtItsPosition) {
  write_value(cs_, kPub, SVMM_CS_HC_CALL + 1, 0x4D, kGuest, 1);
  write_value(cs_, kPub, SVMM_CS_HC_CALL + 4, 0x99, kGuest, 1);  // above the low 32 bits
  const auto calls = host_.hypercalls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].function, 0x4D00u);
  EXPECT_EQ(calls[1].function, 0u);
}

TEST_F(ChipsetWidths, OddWidthWritesInsideARegisterReplaceOnlyTheirBytes) {
  write_value(cs_, kPub, SVMM_CS_SCRATCH, 0x8877665544332211ull, kGuest);
  write_value(cs_, kPub, SVMM_CS_SCRATCH + 3, 0xBBAA, kGuest, 2);
  EXPECT_EQ(reg(SVMM_CS_SCRATCH), 0x887766BBAA332211ull);
  std::array<uint8_t, 3> three{1, 2, 3};
  cs_.write(kPub, SVMM_CS_SCRATCH + 5, three, kGuest);
  EXPECT_EQ(reg(SVMM_CS_SCRATCH), 0x030201BBAA332211ull);
}

TEST_F(ChipsetWidths, UnassignedPublicOffsetsReadZeroAndIgnoreWrites) {
  for (const uint64_t off : {0x010ull, 0x0F8ull, 0x1000ull, 0xF00ull, 0xFFF8ull}) {
    EXPECT_EQ(read_value(cs_, kPub, off, kGuest), 0u) << std::hex << off;
    write_value(cs_, kPub, off, ~0ull, kGuest);
    EXPECT_EQ(read_value(cs_, kPub, off, kGuest), 0u) << std::hex << off;
  }
  EXPECT_EQ(aborts(), 0u);
}

TEST_F(ChipsetWidths, UnassignedPrivateOffsetsAreAbortedForProtectedRequesters) {
  EXPECT_EQ(read_value(cs_, kPriv, 0x010, kMonitor), ~0ull);
  EXPECT_EQ(last_reason(), SVMM_ABORT_READ_ONLY);
  write_value(cs_, kPriv, 0xFFF0, 0, kMonitor);
  EXPECT_EQ(last_reason(), SVMM_ABORT_READ_ONLY);
  EXPECT_EQ(aborts(), 2u);
}

TEST_F(ChipsetWidths, UnassignedPrivateOffsetsAreReason1ForTheGuestWithoutGrant) {
  EXPECT_EQ(read_value(cs_, kPriv, 0x010, kGuest), ~0ull);
  EXPECT_EQ(last_reason(), SVMM_ABORT_PRIVATE_NO_GRANT);
}

TEST_F(ChipsetWidths, OffsetsAtTheTopOfTheAddressSpaceAreUnassignedWithoutWrapping) {
  EXPECT_EQ(read_value(cs_, kPub, ~0ull - 3, kGuest), 0u);
  write_value(cs_, kPub, ~0ull - 3, ~0ull, kGuest);
  EXPECT_EQ(reg(SVMM_CS_STS), SVMM_STS_MEM_CONFIG_LOCK) << "wrapped onto offset 0";
  EXPECT_EQ(aborts(), 0u);
}

TEST_F(ChipsetWidths, LongAccessesLikeTxtStatsWholeWindowReadWork) {
  std::vector<uint8_t> window(SVMM_MMIO_CHIPSET_WINDOW_SIZE, 0xCC);
  cs_.read(kPub, 0, window, kGuest);
  EXPECT_EQ(aborts(), 0u);
  uint64_t didvid = 0;
  for (int i = 7; i >= 0; --i) didvid = didvid << 8 | window[SVMM_CS_DIDVID + i];
  EXPECT_EQ(didvid, SVMM_DIDVID_VALUE);
  EXPECT_EQ(window[0x010], 0u);
  EXPECT_EQ(window[SVMM_CS_CMD_RESET], 0u);
}

TEST_F(ChipsetWidths, LastAbortRecordsTheAccessOffsetAndWidth) {
  write_value(cs_, kPub, SVMM_CS_STS + 2, 0, kGuest, 2);
  const uint64_t last = reg(SVMM_CS_LAST_ABORT);
  EXPECT_EQ(last & 0xFFFFFFFFu, SVMM_CS_STS + 2);
  EXPECT_EQ((last >> 36) & 0xF, 2u);
  EXPECT_NE(last & (1ull << 33), 0u);
  EXPECT_EQ(last & (1ull << 32), 0u);
}

}  // namespace
}  // namespace svmm
