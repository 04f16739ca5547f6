#include "vmm/launch_manifest.h"

#include <gtest/gtest.h>

#include <string>

#include "vmm/util/sha256.h"

namespace svmm {
namespace {

TEST(Sha256, KnownAnswer) {
  const std::string abc = "abc";
  EXPECT_EQ(to_hex(sha256({reinterpret_cast<const uint8_t*>(abc.data()), abc.size()})),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(LaunchManifest, EmptyManifestIsTheMagicAndItsNul) {
  auto m = launch_manifest({});
  ASSERT_EQ(m.size(), 16u);
  EXPECT_EQ(std::string(m.begin(), m.begin() + 15), "SVMM-MANIFEST-1");
  EXPECT_EQ(m[15], 0);
}

TEST(LaunchManifest, EntryLayoutIsCanonical) {
  ManifestEntry e;
  e.name = "vault";
  e.memory_bytes = 16ull << 20;
  e.vcpus = 2;
  for (size_t i = 0; i < 32; ++i) e.image_sha256[i] = static_cast<uint8_t>(i);
  e.cmdline = "x=1";
  auto m = launch_manifest({&e, 1});
  size_t o = 16;
  EXPECT_EQ(std::string(m.begin() + o, m.begin() + o + 5), "vault");
  o += 5;
  EXPECT_EQ(m[o++], 0);
  // memory, u64 little-endian
  EXPECT_EQ(m[o + 2], 0x00);
  EXPECT_EQ(m[o + 3], 0x01);  // 16 MiB = 0x01000000
  for (int i = 4; i < 8; ++i) EXPECT_EQ(m[o + i], 0);
  o += 8;
  EXPECT_EQ(m[o], 2);  // vCPUs, u32 LE
  o += 4;
  for (size_t i = 0; i < 32; ++i) EXPECT_EQ(m[o + i], i);
  o += 32;
  EXPECT_EQ(m[o], 3);  // cmdline length
  o += 4;
  EXPECT_EQ(std::string(m.begin() + o, m.end()), "x=1");
}

}  // namespace
}  // namespace svmm
