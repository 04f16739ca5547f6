#include <gtest/gtest.h>

#include <array>

#include "devices/post_port.h"

namespace svmm {
namespace {

TEST(PostPort, ReadsAllOnes) {
  PostPort dev;
  std::array<uint8_t, 2> b{};
  dev.read(0, b, Requester::guest_os(0));
  EXPECT_EQ(b, (std::array<uint8_t, 2>{0xFF, 0xFF}));
}

TEST(PostPort, WritesChangeNothing) {
  PostPort dev;
  const std::array<uint8_t, 1> code{0x42};
  dev.write(0, code, Requester::guest_os(0));
  std::array<uint8_t, 1> b{};
  dev.read(0, b, Requester::guest_os(0));
  EXPECT_EQ(b[0], 0xFF);
}

}  // namespace
}  // namespace svmm
