// Boot protocol detection (spec/guest-abi.md section 1): Linux, then PVH, then Multiboot.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/loader_test_images.h"
#include "vmm/loader/boot_protocol.h"
#include "vmm/loader/image.h"
#include "vmm/memory/layout.h"
#include "vmm/util/error.h"

namespace svmm {
namespace {

using ::testing::HasSubstr;

const std::string kPath = "k.img";
const std::string kPrefix = "kernel image 'k.img' is not a bzImage, PVH ELF or Multiboot image: ";

std::string plan_error(const std::vector<uint8_t>& image, BootProtocol p = BootProtocol::Auto) {
  try {
    (void)plan_kernel(image, kPath, p, ram_ranges(64));
  } catch (const UsageError& e) {
    EXPECT_EQ(e.exit_status(), SVMM_EXIT_USAGE);
    return e.what();
  }
  ADD_FAILURE() << "image was accepted";
  return {};
}

std::string detect_error(const std::vector<uint8_t>& image) {
  try {
    (void)detect_boot_protocol(image, kPath);
  } catch (const UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "a protocol was detected";
  return {};
}

std::vector<uint8_t> multiboot_image(uint64_t offset, uint32_t checksum_delta = 0) {
  std::vector<uint8_t> b(0x3000, 0);
  test::put_multiboot_header(b, offset, 0x00000003, checksum_delta);
  return b;
}

TEST(LoaderDetect, BzImageWithProtocol215And64BitIsLinux) {
  const auto img = test::fake_bzimage(0x020f, 0x1);
  EXPECT_EQ(detect_boot_protocol(img, kPath), BootProtocol::Linux);
}

TEST(LoaderDetect, DetectionLooksOnlyAtTheBzImageMagicVersionAndXloadflags) {
  // fake_bzimage has nothing but those: the Linux loader refuses it with the next check.
  const auto img = test::fake_bzimage(0x020f, 0x1);
  const std::string reason =
      "bzImage setup header ends at 0x202 (0x202 + the byte at 0x201), before init_size (needs "
      "0x264)";
  EXPECT_EQ(plan_error(img), kPrefix + reason);
  EXPECT_EQ(plan_error(img, BootProtocol::Linux), kPrefix + reason);
}

TEST(LoaderDetect, BzImageVersion205IsNotLinux) {
  const auto img = test::fake_bzimage(0x0205, 0x1);
  EXPECT_EQ(detect_error(img), kPrefix + "bzImage boot protocol version 2.05 is older than 2.06");
  EXPECT_EQ(plan_error(img, BootProtocol::Linux),
            kPrefix + "bzImage boot protocol version 2.05 is older than 2.06");
}

TEST(LoaderDetect, BzImageVersion206IsTheMinimum) {
  EXPECT_EQ(detect_boot_protocol(test::fake_bzimage(0x0206, 0x1), kPath), BootProtocol::Linux);
}

TEST(LoaderDetect, BzImageWithout64BitEntryIsNotLinux) {
  const auto img = test::fake_bzimage(0x020f, 0x2);
  EXPECT_EQ(detect_error(img), kPrefix +
                                   "bzImage (boot protocol 2.15) is not 64-bit capable "
                                   "(xloadflags bit 0, XLF_KERNEL_64, is clear)");
}

TEST(LoaderDetect, TruncatedBzImageHeader) {
  auto img = test::fake_bzimage(0x020f, 0x1);
  img.resize(0x210);
  EXPECT_EQ(detect_error(img),
            kPrefix +
                "bzImage setup header truncated: the file has 528 bytes, the header up "
                "to xloadflags (0x236) needs 568");
}

TEST(LoaderDetect, LinuxRequestedOnAnElfIsRefused) {
  EXPECT_EQ(plan_error(test::standard_pvh(true).bytes, BootProtocol::Linux),
            kPrefix + "no HdrS magic at file offset 0x202");
}

TEST(LoaderDetect, PvhRequestedOnABzImageIsRefused) {
  EXPECT_EQ(plan_error(test::fake_bzimage(0x020f, 0x1), BootProtocol::Pvh),
            kPrefix + "no ELF magic");
}

TEST(LoaderDetect, MultibootHeaderWithAGoodChecksum) {
  const auto img = multiboot_image(0x40);
  EXPECT_EQ(detect_boot_protocol(img, kPath), BootProtocol::Multiboot);
  // Flags 3 without bit 16 needs an ELF file (the Multiboot loader's own checks).
  const std::string reason =
      "Multiboot image without the a.out kludge (flags bit 16) is not an ELF file";
  EXPECT_EQ(plan_error(img), kPrefix + reason);
  EXPECT_EQ(plan_error(img, BootProtocol::Multiboot), kPrefix + reason);
}

TEST(LoaderDetect, MultibootHeaderWithABadChecksum) {
  const auto img = multiboot_image(0x40, 1);
  const std::string reason =
      "Multiboot header at file offset 0x40 has a bad checksum (magic + flags + checksum = 0x1, "
      "expected 0)";
  EXPECT_EQ(detect_error(img), kPrefix + reason);
  EXPECT_EQ(plan_error(img, BootProtocol::Multiboot), kPrefix + reason);
}

TEST(LoaderDetect, MultibootGoodHeaderAfterABadOne) {
  auto img = multiboot_image(0x40, 5);
  test::put_multiboot_header(img, 0x100, 0);
  EXPECT_EQ(detect_boot_protocol(img, kPath), BootProtocol::Multiboot);
}

TEST(LoaderDetect, MultibootHeaderMustBeAlignedAndInTheFirst8KiB) {
  EXPECT_EQ(detect_boot_protocol(multiboot_image(8192 - 12), kPath), BootProtocol::Multiboot);
  const std::string none = kPrefix + "no ELF magic and no HdrS/Multiboot header";
  EXPECT_EQ(detect_error(multiboot_image(8192 - 8)), none);  // straddles the 8 KiB limit
  EXPECT_EQ(detect_error(multiboot_image(0x42)), none);      // not 4-byte aligned
  EXPECT_EQ(plan_error(multiboot_image(0x42), BootProtocol::Multiboot),
            kPrefix + "no Multiboot header in the first 8 KiB");
}

TEST(LoaderDetect, MultibootHeaderAtTheVeryEndOfASmallFile) {
  std::vector<uint8_t> img(12, 0);
  test::put_multiboot_header(img, 0, 0);
  EXPECT_EQ(detect_boot_protocol(img, kPath), BootProtocol::Multiboot);
  img.pop_back();
  EXPECT_EQ(detect_error(img), kPrefix + "no ELF magic and no HdrS/Multiboot header");
}

TEST(LoaderDetect, MultibootElfWithoutPvhNoteIsMultiboot) {
  auto img = test::ElfBuilder(false).load(0x100000, 0x200, 0x200).build();
  test::put_multiboot_header(img.bytes, img.load_offsets[0], 0);
  EXPECT_EQ(detect_boot_protocol(img.bytes, kPath), BootProtocol::Multiboot);
}

TEST(LoaderDetect, PvhComesBeforeMultiboot) {
  auto img = test::standard_pvh(false);
  test::put_multiboot_header(img.bytes, img.load_offsets[0], 0);
  EXPECT_EQ(detect_boot_protocol(img.bytes, kPath), BootProtocol::Pvh);
}

TEST(LoaderDetect, LinuxComesFirst) {
  auto img = test::fake_bzimage(0x020f, 0x1);
  test::put_multiboot_header(img, 0x400, 0);
  EXPECT_EQ(detect_boot_protocol(img, kPath), BootProtocol::Linux);
  auto old = test::fake_bzimage(0x0205, 0x1);
  test::put_multiboot_header(old, 0x400, 0);
  EXPECT_EQ(detect_boot_protocol(old, kPath), BootProtocol::Multiboot);
}

TEST(LoaderDetect, ElfWithoutNoteAndWithABadMultibootHeaderGivesBothReasons) {
  auto img = test::ElfBuilder(true).load(0x100000, 0x200, 0x200).build();
  test::put_multiboot_header(img.bytes, img.load_offsets[0], 0, 7);
  EXPECT_EQ(detect_error(img.bytes),
            kPrefix + fmt::format("ELF has no XEN_ELFNOTE_PHYS32_ENTRY note; Multiboot header "
                                  "at file offset {:#x} has a bad checksum (magic + flags + "
                                  "checksum = 0x7, expected 0)",
                                  img.load_offsets[0]));
}

TEST(LoaderDetect, TextFileMatchesNothing) {
  const std::string text = "#!/bin/sh\necho this is not a kernel\n";
  const std::vector<uint8_t> img(text.begin(), text.end());
  EXPECT_EQ(detect_error(img), kPrefix + "no ELF magic and no HdrS/Multiboot header");
}

TEST(LoaderDetect, EmptyFileMatchesNothing) {
  EXPECT_EQ(detect_error({}), kPrefix + "the file is empty");
  for (auto p : {BootProtocol::Linux, BootProtocol::Pvh, BootProtocol::Multiboot})
    EXPECT_EQ(plan_error({}, p), kPrefix + "the file is empty");
}

TEST(LoaderDetect, ProtocolNamesRoundTrip) {
  for (auto p :
       {BootProtocol::Auto, BootProtocol::Linux, BootProtocol::Pvh, BootProtocol::Multiboot})
    EXPECT_EQ(parse_boot_protocol(boot_protocol_name(p)), p);
  EXPECT_EQ(boot_protocol_name(BootProtocol::Pvh), "pvh");
  EXPECT_FALSE(parse_boot_protocol("PVH").has_value());
  EXPECT_FALSE(parse_boot_protocol("").has_value());
}

}  // namespace
}  // namespace svmm
