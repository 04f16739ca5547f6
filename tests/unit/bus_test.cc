#include "vmm/bus/bus.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/device_fakes.h"
#include "vmm/util/error.h"

namespace svmm {
namespace {

using fakes::RecordingDevice;

constexpr uint64_t kTop = std::numeric_limits<uint64_t>::max();
const Requester kWho = Requester::guest_os(0);

std::string insert_error(Bus& bus, uint64_t base, uint64_t length, std::string_view label = {}) {
  try {
    bus.insert(base, length, std::make_shared<RecordingDevice>(), label);
  } catch (const InternalError& e) {
    return e.what();
  }
  return {};
}

TEST(Bus, AdjacentRangesAreAccepted) {
  Bus bus("pio");
  bus.insert(0x10, 0x10, std::make_shared<RecordingDevice>());
  bus.insert(0x20, 0x10, std::make_shared<RecordingDevice>());
  bus.insert(0x00, 0x10, std::make_shared<RecordingDevice>());
  EXPECT_EQ(bus.range_count(), 3u);
}

TEST(Bus, OverlapIsRefusedNamingBothRanges) {
  Bus bus("mmio");
  bus.insert(0x1000, 0x100, std::make_shared<RecordingDevice>(), "serial");
  const std::string msg = insert_error(bus, 0x10F0, 0x20, "token");
  EXPECT_NE(msg.find("mmio bus"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[0x10f0, 0x110f] (token)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[0x1000, 0x10ff] (serial)"), std::string::npos) << msg;
  EXPECT_EQ(bus.range_count(), 1u);
}

TEST(Bus, OverlapFromBelowIsRefused) {
  Bus bus("pio");
  bus.insert(0x100, 0x10, std::make_shared<RecordingDevice>());
  EXPECT_FALSE(insert_error(bus, 0xF8, 0x9).empty());
  EXPECT_TRUE(insert_error(bus, 0xF8, 0x8).empty());  // ends right before: adjacent
}

TEST(Bus, ContainmentIsRefusedBothWays) {
  Bus bus("pio");
  bus.insert(0x100, 0x100, std::make_shared<RecordingDevice>());
  EXPECT_FALSE(insert_error(bus, 0x140, 0x10).empty());   // inside
  EXPECT_FALSE(insert_error(bus, 0x80, 0x1000).empty());  // around
  EXPECT_FALSE(insert_error(bus, 0x100, 0x100).empty());  // identical
  EXPECT_FALSE(insert_error(bus, 0x1FF, 1).empty());      // last byte
  EXPECT_EQ(bus.range_count(), 1u);
}

TEST(Bus, ZeroLengthIsRefused) {
  Bus bus("pio");
  EXPECT_NE(insert_error(bus, 0x80, 0, "post").find("empty range at 0x80"), std::string::npos);
}

TEST(Bus, WrapAroundIsRefused) {
  Bus bus("mmio");
  EXPECT_NE(insert_error(bus, kTop - 0xF, 0x11).find("wraps"), std::string::npos);
  EXPECT_FALSE(insert_error(bus, kTop, 2).empty());
}

TEST(Bus, RangeEndingAtTopOfAddressSpaceIsAccepted) {
  Bus bus("mmio");
  auto dev = std::make_shared<RecordingDevice>();
  bus.insert(kTop - 0xF, 0x10, dev);
  std::array<uint8_t, 1> b{};
  EXPECT_TRUE(bus.read(kTop, b, kWho));
  EXPECT_EQ(dev->accesses.back().offset, 0xFu);
}

TEST(Bus, NullDeviceIsRefused) {
  Bus bus("pio");
  EXPECT_THROW(bus.insert(0x10, 1, nullptr), InternalError);
}

TEST(Bus, InsertAfterFreezeIsRefused) {
  Bus bus("pio");
  bus.insert(0x10, 1, std::make_shared<RecordingDevice>());
  bus.freeze();
  EXPECT_TRUE(bus.frozen());
  EXPECT_NE(insert_error(bus, 0x20, 1).find("after freeze"), std::string::npos);
}

TEST(Bus, LookupFindsFirstAndLastByteOnly) {
  Bus bus("pio");
  auto dev = std::make_shared<RecordingDevice>();
  bus.insert(0x3F8, 8, dev);
  bus.freeze();
  std::array<uint8_t, 1> b{};
  EXPECT_FALSE(bus.read(0x3F7, b, kWho));
  EXPECT_TRUE(bus.read(0x3F8, b, kWho));
  EXPECT_EQ(dev->accesses.back().offset, 0u);
  EXPECT_TRUE(bus.read(0x3FF, b, kWho));
  EXPECT_EQ(dev->accesses.back().offset, 7u);
  EXPECT_FALSE(bus.read(0x400, b, kWho));
  EXPECT_EQ(dev->accesses.size(), 2u);
}

TEST(Bus, AdjacentDevicesEachGetTheirOwnBoundaryBytes) {
  Bus bus("pio");
  auto low = std::make_shared<RecordingDevice>();
  auto high = std::make_shared<RecordingDevice>();
  bus.insert(0x10, 0x10, low);
  bus.insert(0x20, 0x10, high);
  std::array<uint8_t, 1> b{};
  ASSERT_TRUE(bus.write(0x1F, b, kWho));
  ASSERT_TRUE(bus.write(0x20, b, kWho));
  ASSERT_EQ(low->accesses.size(), 1u);
  ASSERT_EQ(high->accesses.size(), 1u);
  EXPECT_EQ(low->accesses[0].offset, 0xFu);
  EXPECT_EQ(high->accesses[0].offset, 0u);
}

TEST(Bus, UnassignedAccessReturnsFalseAndLeavesBufferAlone) {
  Bus bus("pio");
  bus.insert(0x60, 1, std::make_shared<RecordingDevice>());
  std::array<uint8_t, 4> b{0xAB, 0xAB, 0xAB, 0xAB};
  EXPECT_FALSE(bus.read(0x70, b, kWho));
  EXPECT_EQ(b, (std::array<uint8_t, 4>{0xAB, 0xAB, 0xAB, 0xAB}));
  EXPECT_FALSE(bus.write(0x70, b, kWho));
  Bus empty("pio");
  EXPECT_FALSE(empty.read(0, b, kWho));
}

TEST(Bus, WideAccessInsideRangeIsDeliveredWhole) {
  Bus bus("mmio");
  auto dev = std::make_shared<RecordingDevice>();
  bus.insert(0xFED40000, 0x5000, dev);
  std::array<uint8_t, 8> b{};
  ASSERT_TRUE(bus.read(0xFED44FF8, b, kWho));  // the last 8 bytes
  EXPECT_EQ(dev->accesses.back().offset, 0x4FF8u);
  EXPECT_EQ(dev->accesses.back().bytes.size(), 8u);
  EXPECT_EQ(b[1], 0xF9);
}

TEST(Bus, AccessStraddlingTheEndOfARangeIsUnassigned) {
  Bus bus("pio");
  auto dev = std::make_shared<RecordingDevice>();
  bus.insert(0xF4, 4, dev);
  std::array<uint8_t, 4> b{0xAB, 0xAB, 0xAB, 0xAB};
  EXPECT_FALSE(bus.write(0xF5, b, kWho));  // 0xF5-0xF8: one byte outside
  EXPECT_FALSE(bus.read(0xF6, b, kWho));
  EXPECT_EQ(b[0], 0xAB);
  EXPECT_TRUE(dev->accesses.empty());
}

TEST(Bus, AccessStraddlingTwoAdjacentRangesIsUnassigned) {
  Bus bus("pio");
  auto low = std::make_shared<RecordingDevice>();
  auto high = std::make_shared<RecordingDevice>();
  bus.insert(0x10, 2, low);
  bus.insert(0x12, 2, high);
  std::array<uint8_t, 2> b{};
  EXPECT_FALSE(bus.read(0x11, b, kWho));
  EXPECT_TRUE(low->accesses.empty());
  EXPECT_TRUE(high->accesses.empty());
}

TEST(Bus, AccessStartingBeforeARangeIsUnassigned) {
  Bus bus("pio");
  auto dev = std::make_shared<RecordingDevice>();
  bus.insert(0x10, 4, dev);
  std::array<uint8_t, 2> b{};
  EXPECT_FALSE(bus.read(0xF, b, kWho));
  EXPECT_TRUE(dev->accesses.empty());
}

TEST(Bus, EmptyAndWrappingAccessesAreUnassigned) {
  Bus bus("mmio");
  auto dev = std::make_shared<RecordingDevice>();
  bus.insert(kTop - 0xF, 0x10, dev);
  std::array<uint8_t, 2> b{};
  EXPECT_FALSE(bus.read(kTop, b, kWho));  // would wrap to address 0
  EXPECT_FALSE(bus.read(kTop - 4, std::span<uint8_t>(), kWho));
  EXPECT_TRUE(dev->accesses.empty());
}

TEST(Bus, RequesterAndBytesReachTheDevice) {
  Bus bus("pio");
  auto dev = std::make_shared<RecordingDevice>();
  bus.insert(0x5A0, 4, dev);
  const std::array<uint8_t, 2> data{0x12, 0x34};
  ASSERT_TRUE(bus.write(0x5A2, data, Requester::trusted_vm(2, 1, 3)));
  const auto& a = dev->accesses.back();
  EXPECT_TRUE(a.is_write);
  EXPECT_EQ(a.offset, 2u);
  EXPECT_EQ(a.bytes, (std::vector<uint8_t>{0x12, 0x34}));
  EXPECT_EQ(a.who.role, RequesterRole::TrustedVm);
  EXPECT_EQ(a.who.vm_index, 3u);
  EXPECT_EQ(a.who.vcpu_index, 1u);
  EXPECT_EQ(a.who.cpl, 3);
}

TEST(Bus, OneDeviceMayServeSeveralRanges) {
  Bus bus("pio");
  auto dev = std::make_shared<RecordingDevice>();
  bus.insert(0x60, 1, dev);
  bus.insert(0x64, 1, dev);
  std::array<uint8_t, 1> b{};
  EXPECT_TRUE(bus.read(0x64, b, kWho));
  EXPECT_EQ(dev->accesses.back().offset, 0u);
}

TEST(Bus, LookupIsCorrectWhateverTheInsertionOrder) {
  Bus bus("mmio");
  std::vector<uint64_t> order(64);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  std::vector<std::shared_ptr<RecordingDevice>> devs(order.size());
  for (uint64_t i : order) {
    devs[i] = std::make_shared<RecordingDevice>();
    bus.insert(0x1000 * i + 0x100, 0x80, devs[i]);  // gaps between ranges
  }
  bus.freeze();
  std::array<uint8_t, 1> b{};
  for (uint64_t i = 0; i < order.size(); ++i) {
    EXPECT_FALSE(bus.read(0x1000 * i + 0xFF, b, kWho));
    ASSERT_TRUE(bus.read(0x1000 * i + 0x17F, b, kWho));
    EXPECT_EQ(devs[i]->accesses.size(), 1u);
    EXPECT_FALSE(bus.read(0x1000 * i + 0x180, b, kWho));
  }
}

}  // namespace
}  // namespace svmm
