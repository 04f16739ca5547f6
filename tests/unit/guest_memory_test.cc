// GuestMemory's bounds checks, without KVM (the slots are mapped but registered nowhere).
#include "vmm/memory/guest_memory.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "protocol/memory_map.h"

namespace svmm {
namespace {

TEST(GuestMemory, ReadsAndWritesInsideRam) {
  GuestMemory m(nullptr, ram_ranges(4), MemoryProtection::Normal);
  EXPECT_EQ(m.total_bytes(), 4u << 20);
  ASSERT_TRUE(m.write_obj<uint64_t>(GuestAddress(0), 0x1122334455667788ull));
  EXPECT_EQ(m.read_obj<uint64_t>(GuestAddress(0)), 0x1122334455667788ull);
  const uint64_t last = (4u << 20) - 8;
  ASSERT_TRUE(m.write_obj<uint64_t>(GuestAddress(last), 42));
  EXPECT_EQ(m.read_obj<uint64_t>(GuestAddress(last)), 42u);
  EXPECT_TRUE(m.contains(GuestAddress(0), 4u << 20));
}

TEST(GuestMemory, RangesLeavingRamAreErrorsNotUb) {
  GuestMemory m(nullptr, ram_ranges(4), MemoryProtection::Normal);
  const uint64_t end = 4u << 20;
  EXPECT_FALSE(m.read_obj<uint64_t>(GuestAddress(end - 4)).has_value()) << "straddles the end";
  EXPECT_FALSE(m.read_obj<uint8_t>(GuestAddress(end)).has_value());
  EXPECT_FALSE(m.write_obj<uint32_t>(GuestAddress(end - 2), 1));
  EXPECT_FALSE(m.fill(GuestAddress(end - 10), 11, 0));
  EXPECT_FALSE(m.contains(GuestAddress(0), end + 1));
  // Wrap-around of address + length.
  EXPECT_FALSE(m.read_obj<uint64_t>(GuestAddress(~0ull - 3)).has_value());
  EXPECT_FALSE(m.slice(GuestAddress(8), ~0ull).has_value());
  EXPECT_FALSE(m.slice(GuestAddress(~0ull), 2).has_value());
  // The MMIO hole is not RAM.
  EXPECT_FALSE(m.read_obj<uint32_t>(GuestAddress(SVMM_MMIO_CHIPSET_PUBLIC)).has_value());
}

TEST(GuestMemory, HighRamAboveTheHoleIsItsOwnSlot) {
  // 3 GiB + 2 MiB: [0, 3 GiB) and [4 GiB, 4 GiB + 2 MiB). NORESERVE: nothing is touched but
  // the bytes written.
  GuestMemory m(nullptr, ram_ranges(3072 + 2), MemoryProtection::Normal);
  ASSERT_EQ(m.slots().size(), 2u);
  ASSERT_TRUE(m.write_obj<uint32_t>(GuestAddress(SVMM_HIGH_RAM_START), 7));
  EXPECT_EQ(m.read_obj<uint32_t>(GuestAddress(SVMM_HIGH_RAM_START)), 7u);
  // An access spanning the hole fails even though both ends are RAM.
  EXPECT_FALSE(m.contains(GuestAddress(SVMM_LOW_RAM_MAX - 4), SVMM_HIGH_RAM_START - SVMM_LOW_RAM_MAX + 8));
  EXPECT_FALSE(m.read_obj<uint64_t>(GuestAddress(SVMM_LOW_RAM_MAX - 4)).has_value());
}

TEST(GuestMemory, ScrubAndReleaseZeroesAndUnmaps) {
  GuestMemory m(nullptr, ram_ranges(2), MemoryProtection::Normal);
  ASSERT_TRUE(m.fill(GuestAddress(0), 2u << 20, 0xA5));
  EXPECT_EQ(m.scrub_and_release(2), 2u << 20);
  for (const auto& s : m.slots()) EXPECT_FALSE(s->mapped());
  EXPECT_FALSE(m.read_obj<uint8_t>(GuestAddress(0)).has_value()) << "nothing is readable after";
}

}  // namespace
}  // namespace svmm
