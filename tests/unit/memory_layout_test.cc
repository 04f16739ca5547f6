#include "vmm/memory/layout.h"

#include <gtest/gtest.h>

#include "protocol/memory_map.h"

namespace svmm {
namespace {

TEST(MemoryLayout, SmallGuestIsOneLowRange) {
  auto r = ram_ranges(256);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].start, 0u);
  EXPECT_EQ(r[0].size, 256 * SVMM_MIB);
}

TEST(MemoryLayout, ExactlyThreeGiBHasNoHighRange) {
  auto r = ram_ranges(3072);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].end(), 3 * SVMM_GIB);
}

TEST(MemoryLayout, LargeGuestSplitsAroundTheMmioHole) {
  auto r = ram_ranges(4096);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].end(), 3 * SVMM_GIB);
  EXPECT_EQ(r[1].start, 4 * SVMM_GIB);
  EXPECT_EQ(r[1].size, 1 * SVMM_GIB);
}

TEST(MemoryLayout, GuestOsMemmapMatchesSpecTable) {
  auto m = guest_memmap(64, /*chipset_areas=*/true);
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].addr, 0u);
  EXPECT_EQ(m[0].size, 0x9FC00u);
  EXPECT_EQ(m[0].type, SVMM_E820_RAM);
  EXPECT_EQ(m[1].addr, 0x9FC00u);
  EXPECT_EQ(m[1].size, 0x100000u - 0x9FC00u);
  EXPECT_EQ(m[1].type, SVMM_E820_RESERVED);
  EXPECT_EQ(m[2].addr, 0x100000u);
  EXPECT_EQ(m[2].size, 63 * SVMM_MIB - 0x100000u);
  EXPECT_EQ(m[2].type, SVMM_E820_RAM);
  EXPECT_EQ(m[3].addr, 63 * SVMM_MIB);
  EXPECT_EQ(m[3].size, SVMM_MIB);
  EXPECT_EQ(m[3].type, SVMM_E820_RESERVED);
}

TEST(MemoryLayout, TrustedVmMemmapHasNoChipsetArea) {
  auto m = guest_memmap(16, /*chipset_areas=*/false);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[2].addr, 0x100000u);
  EXPECT_EQ(m[2].size, 15 * SVMM_MIB);
  EXPECT_EQ(m[2].type, SVMM_E820_RAM);
}

TEST(MemoryLayout, HighRamAppearsAfterTheHole) {
  auto m = guest_memmap(5120, /*chipset_areas=*/true);
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[3].addr, 3 * SVMM_GIB - SVMM_MIB);
  EXPECT_EQ(m[4].addr, 4 * SVMM_GIB);
  EXPECT_EQ(m[4].size, 2 * SVMM_GIB);
  EXPECT_EQ(m[4].type, SVMM_E820_RAM);
}

}  // namespace
}  // namespace svmm
