#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "devices/debug_exit.h"
#include "protocol/ports.h"
#include "vmm/bus/bus.h"
#include "vmm/util/error.h"

namespace svmm {
namespace {

const Requester kWho = Requester::guest_os(0);

class DebugExitTest : public ::testing::Test {
 protected:
  std::vector<uint32_t> values_;
  DebugExit dev_{[this](uint32_t v) { values_.push_back(v); }};
};

TEST_F(DebugExitTest, ByteWritePassesTheValue) {
  const std::array<uint8_t, 1> b{0x10};
  dev_.write(0, b, kWho);
  EXPECT_EQ(values_, std::vector<uint32_t>{0x10});
}

TEST_F(DebugExitTest, ByteValueIsZeroExtended) {
  const std::array<uint8_t, 1> b{0xFF};
  dev_.write(0, b, kWho);
  EXPECT_EQ(values_, std::vector<uint32_t>{0xFF});
}

TEST_F(DebugExitTest, WordWriteIsLittleEndianAndZeroExtended) {
  const std::array<uint8_t, 2> w{0x34, 0xF2};
  dev_.write(0, w, kWho);
  EXPECT_EQ(values_, std::vector<uint32_t>{0xF234});
}

TEST_F(DebugExitTest, DwordWritePassesAllFourBytes) {
  const std::array<uint8_t, 4> d{0x78, 0x56, 0x34, 0x12};
  dev_.write(0, d, kWho);
  EXPECT_EQ(values_, std::vector<uint32_t>{0x12345678});
}

TEST_F(DebugExitTest, OtherWidthsAreIgnored) {
  const std::array<uint8_t, 8> q{1, 2, 3, 4, 5, 6, 7, 8};
  dev_.write(0, std::span<const uint8_t>(q).first(3), kWho);
  dev_.write(0, q, kWho);
  dev_.write(0, std::span<const uint8_t>(), kWho);
  EXPECT_TRUE(values_.empty());
}

TEST_F(DebugExitTest, ReadsAreAllOnes) {
  std::array<uint8_t, 4> d{};
  dev_.read(0, d, kWho);
  EXPECT_EQ(d, (std::array<uint8_t, 4>{0xFF, 0xFF, 0xFF, 0xFF}));
  EXPECT_TRUE(values_.empty());
}

TEST(DebugExit, EmptyHandlerIsRefused) { EXPECT_THROW(DebugExit(nullptr), InternalError); }

TEST(DebugExit, ExitStatusFollowsTheQemuFormula) {
  EXPECT_EQ(debug_exit_status(0), 1);
  EXPECT_EQ(debug_exit_status(1), 3);
  EXPECT_EQ(debug_exit_status(0x10), 0x21);
  EXPECT_EQ(debug_exit_status(0x7F), 0xFF);
  EXPECT_EQ(debug_exit_status(0x80), 1);  // bit 7 shifts out of the byte
  EXPECT_EQ(debug_exit_status(0x12345678), 0xF1);
}

TEST(DebugExit, AnyPortOfItsRangeWorksThroughThePioBus) {
  std::optional<uint32_t> got;
  PioBus bus("pio");
  bus.insert(SVMM_PORT_DEBUG_EXIT, DebugExit::kRangeLength,
             std::make_shared<DebugExit>([&](uint32_t v) { got = v; }), "debug-exit");
  const std::array<uint8_t, 1> b{0x31};
  ASSERT_TRUE(bus.write(0xF7, b, Requester::guest_os(0)));
  EXPECT_EQ(got, 0x31u);
  got.reset();
  const std::array<uint8_t, 2> w{0x01, 0x02};
  ASSERT_TRUE(bus.write(0xF4, w, Requester::guest_os(0)));
  EXPECT_EQ(got, 0x0201u);
}

}  // namespace
}  // namespace svmm
