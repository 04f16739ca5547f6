#include "vmm/memory/scrub.h"

#include <gtest/gtest.h>

#include <vector>

namespace svmm {
namespace {

TEST(Scrub, ZeroesEveryByteOfASmallRange) {
  std::vector<uint8_t> buf(4099, 0xA5);
  EXPECT_FALSE(zero_and_verify(buf, 1).has_value());
  for (uint8_t b : buf) ASSERT_EQ(b, 0);
}

TEST(Scrub, ZeroesEveryByteWithSeveralThreads) {
  // Large enough for the range to be split (32 MiB per thread), with an odd tail.
  std::vector<uint8_t> buf((96u << 20) + 13, 0x5A);
  EXPECT_FALSE(zero_and_verify(buf, 4).has_value());
  for (size_t i = 0; i < buf.size(); i += 4093) ASSERT_EQ(buf[i], 0) << i;
  EXPECT_EQ(buf.front(), 0);
  EXPECT_EQ(buf.back(), 0);
}

TEST(Scrub, EmptyRangeIsFine) {
  std::vector<uint8_t> buf;
  EXPECT_FALSE(zero_and_verify(buf, 8).has_value());
}

}  // namespace
}  // namespace svmm
