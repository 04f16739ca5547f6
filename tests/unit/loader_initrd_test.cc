// Initrd placement: page-aligned, as high as possible below 4 GiB, above the kernel.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocol/memory_map.h"
#include "vmm/loader/image.h"
#include "vmm/memory/layout.h"
#include "vmm/util/error.h"

namespace svmm {
namespace {

using ::testing::HasSubstr;

KernelPlan kernel_at(uint64_t start, uint64_t end) {
  KernelPlan k;
  k.protocol = BootProtocol::Pvh;
  k.entry = start;
  k.segments.push_back({start, 0x1000, end - start, end - start});
  k.image_start = start;
  k.image_end = end;
  return k;
}

TEST(LoaderInitrd, FitsAtTheTopOfRamBelowTheChipsetArea) {
  // 64 MiB guest OS: RAM entry [1 MiB, 63 MiB), chipset areas in [63 MiB, 64 MiB).
  const auto memmap = guest_memmap(64, /*chipset_areas=*/true);
  EXPECT_EQ(place_initrd(SVMM_MIB, kernel_at(0x100000, 0x204000), memmap, "i.img"), 62 * SVMM_MIB);
  // Unaligned sizes are placed on a page boundary, still ending inside RAM.
  const uint64_t gpa = place_initrd(0x1234, kernel_at(0x100000, 0x204000), memmap, "i.img");
  EXPECT_EQ(gpa, (63 * SVMM_MIB - 0x1234) & ~uint64_t{0xfff});
  EXPECT_EQ(gpa % 4096, 0u);
  EXPECT_LE(gpa + 0x1234, 63 * SVMM_MIB);
}

TEST(LoaderInitrd, TrustedVmUsesAllOfLowRam) {
  const auto memmap = guest_memmap(16, /*chipset_areas=*/false);
  EXPECT_EQ(place_initrd(SVMM_MIB, kernel_at(0x100000, 0x200000), memmap, "i.img"), 15 * SVMM_MIB);
}

TEST(LoaderInitrd, StaysBelowFourGiBWhenRamGoesAbove) {
  const auto memmap = guest_memmap(8192, /*chipset_areas=*/true);
  EXPECT_EQ(place_initrd(SVMM_MIB, kernel_at(0x100000, 0x200000), memmap, "i.img"),
            SVMM_LOW_RAM_MAX - 2 * SVMM_MIB);
}

TEST(LoaderInitrd, ExactFitDirectlyAboveTheKernel) {
  const auto memmap = guest_memmap(16, /*chipset_areas=*/false);
  // Kernel ends at 0x200800: the initrd may start at the next page, 0x201000.
  const uint64_t size = 16 * SVMM_MIB - 0x201000;
  EXPECT_EQ(place_initrd(size, kernel_at(0x100000, 0x200800), memmap, "i.img"), 0x201000u);
}

TEST(LoaderInitrd, DoesNotFit) {
  const auto memmap = guest_memmap(16, /*chipset_areas=*/false);
  const uint64_t size = 16 * SVMM_MIB - 0x201000 + 1;
  try {
    (void)place_initrd(size, kernel_at(0x100000, 0x200800), memmap, "/tmp/big.img");
    FAIL() << "initrd was placed";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr(fmt::format(
                              "initrd '/tmp/big.img' ({} bytes) does not fit in guest RAM", size)));
    EXPECT_EQ(e.exit_status(), SVMM_EXIT_USAGE);
  }
}

TEST(LoaderInitrd, LowRamBelowTheKernelIsNotUsed) {
  // [0, 0x9FC00) is RAM but lies below the kernel.
  const auto memmap = guest_memmap(4, /*chipset_areas=*/false);
  EXPECT_THROW(
      (void)place_initrd(0x10000, kernel_at(0x100000, 4 * SVMM_MIB - 0x1000), memmap, "i.img"),
      UsageError);
}

TEST(LoaderInitrd, KernelInHighRamLeavesNoRoomBelowFourGiB) {
  const auto memmap = guest_memmap(8192, /*chipset_areas=*/true);
  EXPECT_THROW(
      (void)place_initrd(0x1000, kernel_at(SVMM_HIGH_RAM_START, SVMM_HIGH_RAM_START + 0x1000),
                         memmap, "i.img"),
      UsageError);
}

TEST(LoaderInitrd, HugeSizesDoNotWrap) {
  const auto memmap = guest_memmap(64, /*chipset_areas=*/true);
  EXPECT_THROW((void)place_initrd(~uint64_t{0}, kernel_at(0x100000, 0x200000), memmap, "i.img"),
               UsageError);
  EXPECT_THROW((void)place_initrd(0x1000, kernel_at(0x100000, ~uint64_t{0} - 10), memmap, "i.img"),
               UsageError);
}

}  // namespace
}  // namespace svmm
