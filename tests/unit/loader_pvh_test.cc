// PVH ELF planning (vmm/loader): valid ELF32/ELF64 images give exact plans; each crafted
// malformed image is refused with the path and the precise reason.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocol/memory_map.h"
#include "tests/unit/loader_test_images.h"
#include "vmm/loader/image.h"
#include "vmm/memory/layout.h"
#include "vmm/util/error.h"

namespace svmm {
namespace {

using test::ElfBuilder;
using test::NoteIn;
using test::PhdrField;
using ::testing::HasSubstr;

const std::string kPath = "/images/guest.elf";
const std::string kPrefix =
    "kernel image '/images/guest.elf' is not a bzImage, PVH ELF or Multiboot image: ";

KernelPlan plan(const std::vector<uint8_t>& image, BootProtocol p = BootProtocol::Auto,
                uint64_t memory_mib = 64) {
  return plan_kernel(image, kPath, p, ram_ranges(memory_mib));
}

// The UsageError message plan_kernel throws for `image` (fails the test when none is thrown).
std::string rejection(const std::vector<uint8_t>& image, BootProtocol p = BootProtocol::Auto,
                      uint64_t memory_mib = 64) {
  try {
    (void)plan(image, p, memory_mib);
  } catch (const UsageError& e) {
    EXPECT_EQ(e.exit_status(), SVMM_EXIT_USAGE);
    return e.what();
  }
  ADD_FAILURE() << "image was accepted";
  return {};
}

// Asserts that `image` is refused with exactly kPrefix + reason (for both auto and pvh).
void expect_rejected(const std::vector<uint8_t>& image, const std::string& reason,
                     uint64_t memory_mib = 64) {
  EXPECT_EQ(rejection(image, BootProtocol::Auto, memory_mib), kPrefix + reason);
  EXPECT_EQ(rejection(image, BootProtocol::Pvh, memory_mib), kPrefix + reason);
}

// --- valid images ---

TEST(LoaderPvh, Elf64TwoSegmentsWithBssGiveTheExactPlan) {
  const auto img = test::standard_pvh(/*is64=*/true);
  const KernelPlan p = plan(img.bytes);
  EXPECT_EQ(p.protocol, BootProtocol::Pvh);
  EXPECT_EQ(p.entry, 0x100010u);
  ASSERT_EQ(p.segments.size(), 2u);
  EXPECT_EQ(p.segments[0], (LoadSegment{0x100000, img.load_offsets[0], 0x3000, 0x3000}));
  EXPECT_EQ(p.segments[1], (LoadSegment{0x200000, img.load_offsets[1], 0x800, 0x4000}));
  EXPECT_EQ(p.image_start, 0x100000u);
  EXPECT_EQ(p.image_end, 0x204000u);
}

TEST(LoaderPvh, Elf32PvhImagePlans) {
  const auto img = test::standard_pvh(/*is64=*/false);
  const KernelPlan p = plan(img.bytes, BootProtocol::Pvh);
  EXPECT_EQ(p.protocol, BootProtocol::Pvh);
  EXPECT_EQ(p.entry, 0x100010u);
  ASSERT_EQ(p.segments.size(), 2u);
  EXPECT_EQ(p.segments[0], (LoadSegment{0x100000, img.load_offsets[0], 0x3000, 0x3000}));
  EXPECT_EQ(p.segments[1], (LoadSegment{0x200000, img.load_offsets[1], 0x800, 0x4000}));
  EXPECT_EQ(p.image_end, 0x204000u);
}

TEST(LoaderPvh, EightByteNoteDescriptorInElf32AndFourByteInElf64) {
  const auto a = ElfBuilder(false).load(0x100000, 0x100, 0x100).pvh_note(0x100004, 8).build();
  EXPECT_EQ(plan(a.bytes).entry, 0x100004u);
  const auto b = ElfBuilder(true).load(0x100000, 0x100, 0x100).pvh_note(0x100008, 4).build();
  EXPECT_EQ(plan(b.bytes).entry, 0x100008u);
}

TEST(LoaderPvh, NoteFoundThroughSectionHeadersOnly) {
  for (bool is64 : {true, false}) {
    const auto img = test::standard_pvh(is64, NoteIn::Section);
    const KernelPlan p = plan(img.bytes);
    EXPECT_EQ(p.protocol, BootProtocol::Pvh);
    EXPECT_EQ(p.entry, 0x100010u);
    EXPECT_EQ(p.segments.size(), 2u);
  }
}

TEST(LoaderPvh, EightByteAlignedNoteAreaIsPaddedToEight) {
  // The 20-byte build-id descriptor is padded to 24: the Xen note starts at 40, not 36.
  const auto img = ElfBuilder(true)
                       .load(0x100000, 0x100, 0x100)
                       .note_align(8)
                       .note({"GNU", 3, std::vector<uint8_t>(20, 0xab)})  // a build-id
                       .pvh_note(0x100020, 8)
                       .build();
  EXPECT_EQ(plan(img.bytes).entry, 0x100020u);
}

TEST(LoaderPvh, OtherNotesAreSkipped) {
  const auto img = ElfBuilder(true)
                       .load(0x100000, 0x100, 0x100)
                       .note({"Linux", 18, {1, 2, 3}})      // right type, wrong owner
                       .note({"Xen", 17, {0, 0, 0x10, 0}})  // right owner, other type
                       .note({"GNU", 3, std::vector<uint8_t>(20)})
                       .pvh_note(0x100040, 8)
                       .build();
  EXPECT_EQ(plan(img.bytes).entry, 0x100040u);
}

TEST(LoaderPvh, EmptyLoadSegmentsAreSkipped) {
  auto img =
      ElfBuilder(true).load(0x100000, 0x100, 0x100).load(0, 0, 0).pvh_note(0x100000, 8).build();
  const KernelPlan p = plan(img.bytes);
  ASSERT_EQ(p.segments.size(), 1u);
  EXPECT_EQ(p.image_end, 0x100100u);
}

TEST(LoaderPvh, SegmentsMayLieInHighRam) {
  const auto img = ElfBuilder(true)
                       .load(0x100000, 0x100, 0x100)
                       .load(SVMM_HIGH_RAM_START, 0x100, 0x1000)
                       .pvh_note(0x100000, 8)
                       .build();
  const KernelPlan p = plan(img.bytes, BootProtocol::Pvh, /*memory_mib=*/4096);
  EXPECT_EQ(p.image_end, SVMM_HIGH_RAM_START + 0x1000);
}

TEST(LoaderPvh, SegmentMayEndExactlyAtTheEndOfRam) {
  const auto img = ElfBuilder(true).load(0x3fff000, 0x100, 0x1000).pvh_note(0x3fff000, 8).build();
  EXPECT_EQ(plan(img.bytes).image_end, 64 * SVMM_MIB);
}

// --- malformed images ---

TEST(LoaderPvhRejects, EmptyFile) { expect_rejected({}, "the file is empty"); }

TEST(LoaderPvhRejects, TruncatedElfHeader) {
  auto img = test::standard_pvh(true).bytes;
  img.resize(40);
  expect_rejected(img, "ELF64 header truncated: the file has 40 bytes, the header needs 64");
  auto ident = test::standard_pvh(true).bytes;
  ident.resize(10);
  expect_rejected(ident, "ELF identification truncated: the file has 10 bytes, e_ident needs 16");
}

TEST(LoaderPvhRejects, BadMagic) {
  auto img = test::standard_pvh(true).bytes;
  img[1] = 'X';
  EXPECT_EQ(rejection(img, BootProtocol::Pvh), kPrefix + "no ELF magic");
  EXPECT_EQ(rejection(img), kPrefix + "no ELF magic and no HdrS/Multiboot header");
}

TEST(LoaderPvhRejects, WrongClassDataOrMachine) {
  auto cls = test::standard_pvh(true).bytes;
  cls[4] = 3;
  expect_rejected(cls, "unsupported ELF class 3 (expected 1 for ELF32 or 2 for ELF64)");
  auto data = test::standard_pvh(true).bytes;
  data[5] = 2;
  expect_rejected(data, "ELF data encoding 2 is not little-endian (ELFDATA2LSB = 1)");
  auto m64 = test::standard_pvh(true).bytes;
  test::put16(m64, 18, 40);  // EM_ARM
  expect_rejected(m64, "ELF64 machine 40 is not x86-64 (EM_X86_64 = 62)");
  auto m32 = test::standard_pvh(false).bytes;
  test::put16(m32, 18, 62);
  expect_rejected(m32, "ELF32 machine 62 is not x86 (EM_386 = 3)");
}

TEST(LoaderPvhRejects, NotAnExecutable) {
  auto img = test::standard_pvh(true).bytes;
  test::put16(img, 16, 3);  // ET_DYN
  expect_rejected(img, "ELF type 3 is not ET_EXEC (2)");
}

TEST(LoaderPvhRejects, WrongHeaderSizes) {
  auto eh = test::standard_pvh(true);
  eh.set_header(&test::ElfHeaderOffsets::ehsize, 60, 2);
  expect_rejected(eh.bytes, "ELF e_ehsize 60 does not match the ELF64 header size 64");
  auto ph = test::standard_pvh(false);
  ph.set_header(&test::ElfHeaderOffsets::phentsize, 56, 2);
  expect_rejected(ph.bytes, "ELF e_phentsize 56 does not match the ELF32 program header size 32");
}

TEST(LoaderPvhRejects, ProgramHeadersBeyondTheFile) {
  auto img = test::standard_pvh(true);
  const uint64_t size = img.bytes.size();
  img.set_header(&test::ElfHeaderOffsets::phoff, size - 100, 8);
  expect_rejected(img.bytes, fmt::format("program header table (3 entries of 56 bytes at offset "
                                         "{:#x}) extends beyond the end of the file ({} bytes)",
                                         size - 100, size));
}

TEST(LoaderPvhRejects, ProgramHeaderOffsetThatWouldWrap) {
  auto img = test::standard_pvh(true);
  const uint64_t size = img.bytes.size();
  img.set_header(&test::ElfHeaderOffsets::phoff, ~uint64_t{0} - 8, 8);
  expect_rejected(img.bytes, fmt::format("program header table (3 entries of 56 bytes at offset "
                                         "0xfffffffffffffff7) extends beyond the end of the file "
                                         "({} bytes)",
                                         size));
}

TEST(LoaderPvhRejects, HugeProgramHeaderCount) {
  auto img = test::standard_pvh(true);
  const uint64_t size = img.bytes.size();
  img.set_header(&test::ElfHeaderOffsets::phnum, 0xfffe, 2);
  expect_rejected(img.bytes, fmt::format("program header table (65534 entries of 56 bytes at "
                                         "offset 0x40) extends beyond the end of the file ({} "
                                         "bytes)",
                                         size));
  img.set_header(&test::ElfHeaderOffsets::phnum, 0xffff, 2);
  expect_rejected(img.bytes,
                  "ELF e_phnum is PN_XNUM (extended program header numbering is not supported)");
}

TEST(LoaderPvhRejects, SegmentDataBeyondTheFile) {
  auto img = test::standard_pvh(true);
  const uint64_t size = img.bytes.size();
  const uint64_t off = img.load_offsets[1];
  img.set_phdr(1, PhdrField::Filesz, size - off + 1);
  img.set_phdr(1, PhdrField::Memsz, 0x10000);
  expect_rejected(img.bytes,
                  fmt::format("PT_LOAD segment 1: file range [{:#x}, {:#x}) extends beyond the "
                              "end of the file ({} bytes)",
                              off, size + 1, size));
}

TEST(LoaderPvhRejects, FileOffsetPlusSizeWraps) {
  auto img = test::standard_pvh(true);
  img.set_phdr(0, PhdrField::Offset, 0xfffffffffffff000);
  expect_rejected(img.bytes,
                  "PT_LOAD segment 0: p_offset 0xfffffffffffff000 + p_filesz 0x3000 overflows");
}

TEST(LoaderPvhRejects, PhysicalAddressPlusMemSizeWraps) {
  auto img = test::standard_pvh(true);
  img.set_phdr(1, PhdrField::Paddr, 0xffffffffffffe000);
  expect_rejected(img.bytes,
                  "PT_LOAD segment 1: p_paddr 0xffffffffffffe000 + p_memsz 0x4000 overflows");
}

TEST(LoaderPvhRejects, FileSizeLargerThanMemSize) {
  auto img = test::standard_pvh(false);
  img.set_phdr(0, PhdrField::Memsz, 0x2000);
  expect_rejected(img.bytes, "PT_LOAD segment 0: p_filesz 0x3000 is larger than p_memsz 0x2000");
}

TEST(LoaderPvhRejects, OverlappingSegments) {
  auto img = test::standard_pvh(true);
  img.set_phdr(1, PhdrField::Paddr, 0x102000);  // [0x102000, 0x106000) vs [0x100000, 0x103000)
  expect_rejected(img.bytes,
                  "PT_LOAD segments 0 [0x100000, 0x103000) and 1 [0x102000, 0x106000) overlap");
  // Listed out of address order: still found, still named by program header index.
  auto rev = ElfBuilder(true)
                 .load(0x180000, 0x100, 0x100)
                 .load(0x100000, 0x100, 0x80001)
                 .pvh_note(0x180000, 8)
                 .build();
  expect_rejected(rev.bytes,
                  "PT_LOAD segments 0 [0x180000, 0x180100) and 1 [0x100000, 0x180001) overlap");
}

TEST(LoaderPvhRejects, SegmentOverlappingTheMmioHole) {
  const auto img = ElfBuilder(true)
                       .load(0x100000, 0x100, 0x100)
                       .load(0xbffff000, 0x100, 0x2000)
                       .pvh_note(0x100000, 8)
                       .build();
  expect_rejected(img.bytes,
                  "PT_LOAD segment 1 [0xbffff000, 0xc0001000) overlaps the MMIO hole "
                  "[0xc0000000, 0x100000000)",
                  /*memory_mib=*/8192);
}

TEST(LoaderPvhRejects, SegmentBeyondRam) {
  const auto img = ElfBuilder(true).load(0x3fff000, 0x100, 0x2000).pvh_note(0x3fff000, 8).build();
  expect_rejected(img.bytes,
                  "PT_LOAD segment 0 [0x3fff000, 0x4001000) is not inside guest RAM "
                  "([0x0, 0x4000000))");
  const auto high = ElfBuilder(true)
                        .load(0x100000, 0x100, 0x100)
                        .load(SVMM_HIGH_RAM_START + SVMM_GIB - 0x1000, 0x100, 0x2000)
                        .pvh_note(0x100000, 8)
                        .build();
  expect_rejected(high.bytes,
                  "PT_LOAD segment 1 [0x13ffff000, 0x140001000) is not inside guest RAM "
                  "([0x0, 0xc0000000), [0x100000000, 0x140000000))",
                  /*memory_mib=*/4096);
}

TEST(LoaderPvhRejects, SegmentBelowOneMiB) {
  const auto img = ElfBuilder(true).load(0x8000, 0x100, 0x100).pvh_note(0x8000, 8).build();
  expect_rejected(img.bytes,
                  "PT_LOAD segment 0 [0x8000, 0x8100) starts below 1 MiB (PVH images must load "
                  "at or above 0x100000)");
}

TEST(LoaderPvhRejects, EntryOutsideTheLoadedSegments) {
  const auto outside = ElfBuilder(true).load(0x100000, 0x100, 0x100).pvh_note(0x400000, 8).build();
  const std::string reason =
      "PVH entry {:#x} (XEN_ELFNOTE_PHYS32_ENTRY) is not inside the file-backed part [p_paddr, "
      "p_paddr + p_filesz) of any PT_LOAD segment";
  expect_rejected(outside.bytes, fmt::format(fmt::runtime(reason), 0x400000));
  // In the bss (beyond p_filesz) is not code the file provides.
  const auto bss = ElfBuilder(true).load(0x100000, 0x100, 0x1000).pvh_note(0x100100, 8).build();
  expect_rejected(bss.bytes, fmt::format(fmt::runtime(reason), 0x100100));
}

TEST(LoaderPvhRejects, EntryAboveFourGiB) {
  const auto img = ElfBuilder(true).load(0x100000, 0x100, 0x100).pvh_note(0x100100000, 8).build();
  expect_rejected(img.bytes, "XEN_ELFNOTE_PHYS32_ENTRY 0x100100000 is not below 4 GiB");
}

TEST(LoaderPvhRejects, NoPvhNote) {
  const auto img =
      ElfBuilder(true).load(0x100000, 0x100, 0x100).note({"GNU", 3, {1, 2, 3, 4}}).build();
  expect_rejected(img.bytes, "ELF has no XEN_ELFNOTE_PHYS32_ENTRY note");
}

TEST(LoaderPvhRejects, NoteDescriptorWithABadLength) {
  const auto img = ElfBuilder(true).load(0x100000, 0x100, 0x100).pvh_note(0x100000, 2).build();
  expect_rejected(img.bytes,
                  fmt::format("XEN_ELFNOTE_PHYS32_ENTRY note at file offset {:#x} has a 2-byte "
                              "descriptor, expected 4 or 8",
                              img.note_offset));
}

TEST(LoaderPvhRejects, NoteRunningPastItsArea) {
  auto img = ElfBuilder(true).load(0x100000, 0x100, 0x100).pvh_note(0x100000, 8).build();
  test::put32(img.bytes, img.note_offset + 4, 0xfffffff0);  // descsz
  expect_rejected(img.bytes,
                  fmt::format("PT_NOTE segment 1: note at file offset {:#x} (namesz 4, descsz "
                              "4294967280) runs past the end of the note area (0x18 bytes)",
                              img.note_offset));
  auto name = ElfBuilder(false).load(0x100000, 0x100, 0x100).pvh_note(0x100000, 4).build();
  test::put32(name.bytes, name.note_offset, 0xffffffff);  // namesz
  expect_rejected(name.bytes,
                  fmt::format("PT_NOTE segment 1: note at file offset {:#x} (namesz 4294967295, "
                              "descsz 4) runs past the end of the note area (0x14 bytes)",
                              name.note_offset));
}

TEST(LoaderPvhRejects, TooManyNotes) {
  // 200 PT_NOTE program headers over one area of 400 notes: 80000 notes to walk.
  ElfBuilder b(true);
  b.load(0x100000, 0x100, 0x100);
  for (int i = 0; i < 400; ++i) b.note({"A", 1, {}});
  auto img = b.build();
  const uint64_t phoff = img.bytes.size();
  const std::vector<uint8_t> load_phdr(img.bytes.begin() + 64, img.bytes.begin() + 64 + 56);
  const std::vector<uint8_t> note_phdr(img.bytes.begin() + 64 + 56, img.bytes.begin() + 64 + 112);
  img.bytes.insert(img.bytes.end(), load_phdr.begin(), load_phdr.end());
  for (int i = 0; i < 200; ++i)
    img.bytes.insert(img.bytes.end(), note_phdr.begin(), note_phdr.end());
  img.set_header(&test::ElfHeaderOffsets::phoff, phoff, 8);
  img.set_header(&test::ElfHeaderOffsets::phnum, 201, 2);
  expect_rejected(img.bytes, "ELF has more than 65536 notes");
}

TEST(LoaderPvhRejects, NoteSegmentBeyondTheFile) {
  auto img = ElfBuilder(true).load(0x100000, 0x100, 0x100).pvh_note(0x100000, 8).build();
  const uint64_t size = img.bytes.size();
  img.set_phdr(img.note_phdr, PhdrField::Filesz, 0x10000);
  expect_rejected(img.bytes, fmt::format("PT_NOTE segment 1 [{:#x}, +0x10000) extends beyond "
                                         "the end of the file ({} bytes)",
                                         img.note_offset, size));
}

TEST(LoaderPvhRejects, SectionHeadersBeyondTheFile) {
  auto img = test::standard_pvh(true, NoteIn::Section);
  const uint64_t size = img.bytes.size();
  img.set_header(&test::ElfHeaderOffsets::shnum, 1000, 2);
  expect_rejected(img.bytes, fmt::format("section header table (1000 entries of 64 bytes at "
                                         "offset {:#x}) extends beyond the end of the file ({} "
                                         "bytes)",
                                         img.shoff, size));
}

TEST(LoaderPvhRejects, NoLoadSegment) {
  const auto img = ElfBuilder(true).pvh_note(0x100000, 8).build();
  expect_rejected(img.bytes, "ELF has no PT_LOAD segment");
  const auto empty = ElfBuilder(true).load(0x100000, 0, 0).pvh_note(0x100000, 8).build();
  expect_rejected(empty.bytes, "ELF has no PT_LOAD segment with p_memsz > 0");
}

TEST(LoaderPvhRejects, MessageNamesThePath) {
  const std::string msg = rejection({0x7f, 'E', 'L', 'F'});
  EXPECT_THAT(msg, HasSubstr("'/images/guest.elf'"));
}

}  // namespace
}  // namespace svmm
