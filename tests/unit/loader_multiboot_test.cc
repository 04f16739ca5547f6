// Multiboot v1 images (spec/guest-abi.md section 1; Multiboot Specification 0.6.96): the
// ELF32 and a.out-kludge loaders, their placement rules, and the multiboot information that
// BootImage writes (read back from guest memory mapped without KVM).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>

#include "protocol/memory_map.h"
#include "tests/support/process.h"
#include "tests/unit/loader_test_images.h"
#include "vmm/boot_image.h"
#include "vmm/loader/image.h"
#include "vmm/memory/guest_memory.h"
#include "vmm/memory/layout.h"
#include "vmm/util/error.h"
#include "vmm/x86/multiboot_boot.h"

namespace svmm {
namespace {

const std::string kPrefix = "kernel image 'k.img' is not a bzImage, PVH ELF or Multiboot image: ";

KernelPlan plan(const std::vector<uint8_t>& img, BootProtocol p = BootProtocol::Auto,
                uint64_t mib = 64) {
  return plan_kernel(img, "k.img", p, ram_ranges(mib));
}

std::string plan_error(const std::vector<uint8_t>& img, uint64_t mib = 64) {
  try {
    (void)plan(img, BootProtocol::Multiboot, mib);
  } catch (const UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "image was accepted";
  return {};
}

// An ELF32 Multiboot kernel: PT_LOADs as given, the header at the start of the first one,
// e_entry `entry`.
test::ElfBuilder::Built mb_elf(std::vector<std::array<uint64_t, 3>> loads, uint64_t entry,
                               uint32_t flags = 0) {
  test::ElfBuilder b(false);
  for (const auto& l : loads) b.load(l[0], l[1], l[2]);
  auto built = b.build();
  test::put_multiboot_header(built.bytes, built.load_offsets[0], flags);
  test::put32(built.bytes, 24, entry);
  return built;
}

// An a.out-kludge image: `prefix` bytes, then the 32-byte header (at file offset `prefix`),
// then `tail` bytes.
std::vector<uint8_t> mb_aout(uint64_t prefix, uint64_t tail, uint32_t header_addr,
                             uint32_t load_addr, uint32_t load_end, uint32_t bss_end,
                             uint32_t entry, uint32_t flags = 0x00010000) {
  std::vector<uint8_t> b(prefix + 32 + tail, 0x5a);
  test::put_multiboot_header(b, prefix, flags);
  test::put32(b, prefix + 12, header_addr);
  test::put32(b, prefix + 16, load_addr);
  test::put32(b, prefix + 20, load_end);
  test::put32(b, prefix + 24, bss_end);
  test::put32(b, prefix + 28, entry);
  return b;
}

TEST(LoaderMultiboot, Elf32SegmentsLoadAtTheirPhysicalAddresses) {
  const auto img = mb_elf({{0x100000, 0x1000, 0x1000}, {0x200000, 0x100, 0x3000}}, 0x100020);
  const KernelPlan p = plan(img.bytes);
  EXPECT_EQ(p.protocol, BootProtocol::Multiboot);
  EXPECT_EQ(p.entry, 0x100020u);
  ASSERT_EQ(p.segments.size(), 2u);
  EXPECT_EQ(p.segments[0], (LoadSegment{0x100000, img.load_offsets[0], 0x1000, 0x1000}));
  EXPECT_EQ(p.segments[1], (LoadSegment{0x200000, img.load_offsets[1], 0x100, 0x3000}));
  EXPECT_EQ(p.image_start, 0x100000u);
  EXPECT_EQ(p.image_end, 0x203000u);
  EXPECT_EQ(p.initrd_limit, SVMM_MMIO_HOLE_END);
  EXPECT_TRUE(p.linux_setup_header.empty());
}

TEST(LoaderMultiboot, EntryIsTranslatedFromVirtualToPhysical) {
  auto img = mb_elf({{0x400000, 0x1000, 0x1000}}, 0xC0400010);
  test::put32(img.bytes, img.phoff + 8, 0xC0400000);  // p_vaddr
  EXPECT_EQ(plan(img.bytes).entry, 0x400010u);
}

TEST(LoaderMultiboot, SegmentsBelow1MiBAboveTheBootStructuresAreAllowed) {
  const auto img = mb_elf({{0x20000, 0x1000, 0x1000}, {0x9F000, 0x100, 0xC00}}, 0x20000);
  const KernelPlan p = plan(img.bytes);
  EXPECT_EQ(p.image_start, 0x20000u);
  EXPECT_EQ(p.image_end, 0x9FC00u);
}

TEST(LoaderMultiboot, PlacementRefusals) {
  EXPECT_EQ(plan_error(mb_elf({{0x1F000, 0x1000, 0x1001}}, 0x1F000).bytes),
            kPrefix + "PT_LOAD segment 0 [0x1f000, 0x20001) overlaps [0, 0x20000) (page 0 and "
                      "svmm's boot structures)");
  EXPECT_EQ(plan_error(mb_elf({{0x9F000, 0x100, 0xC01}}, 0x9F000).bytes),
            kPrefix + "PT_LOAD segment 0 [0x9f000, 0x9fc01) overlaps the reserved legacy area "
                      "[0x9fc00, 0x100000) (MP table, ACPI)");
  EXPECT_EQ(plan_error(mb_elf({{0xF0000, 0x100, 0x100}}, 0xF0000).bytes),
            kPrefix + "PT_LOAD segment 0 [0xf0000, 0xf0100) overlaps the reserved legacy area "
                      "[0x9fc00, 0x100000) (MP table, ACPI)");
  EXPECT_EQ(plan_error(mb_elf({{0xBFFFF000, 0x100, 0x2000}}, 0xBFFFF000).bytes, 3072),
            kPrefix + "PT_LOAD segment 0 [0xbffff000, 0xc0001000) overlaps the MMIO hole "
                      "[0xc0000000, 0x100000000)");
  EXPECT_EQ(plan_error(mb_elf({{0x4000000, 0x100, 0x100}}, 0x4000000).bytes),
            kPrefix + "PT_LOAD segment 0 [0x4000000, 0x4000100) is not inside guest RAM "
                      "([0x0, 0x4000000))");
  EXPECT_EQ(plan_error(mb_elf({{0x100000, 0x1000, 0x1000}, {0x100800, 0x10, 0x10}}, 0x100000).bytes),
            kPrefix + "PT_LOAD segment 0 [0x100000, 0x101000) and PT_LOAD segment 1 [0x100800, "
                      "0x100810) overlap");
}

TEST(LoaderMultiboot, EntryMustBeLoadedCode) {
  EXPECT_EQ(plan_error(mb_elf({{0x100000, 0x100, 0x1000}}, 0x100200).bytes),
            kPrefix + "Multiboot entry 0x100200 is not inside the file-backed part of any loaded "
                      "segment");
}

TEST(LoaderMultiboot, Elf64AndUnknownRequirementsAreRefused) {
  auto elf64 = test::ElfBuilder(true).load(0x100000, 0x100, 0x100).build();
  test::put_multiboot_header(elf64.bytes, elf64.load_offsets[0], 0);
  EXPECT_EQ(plan_error(elf64.bytes),
            kPrefix + "Multiboot image is an ELF64 file: Multiboot v1 loads ELF32 images (or "
                      "a.out-kludge images, flags bit 16)");
  EXPECT_EQ(plan_error(mb_elf({{0x100000, 0x100, 0x100}}, 0x100000, 0x0000000B).bytes),
            kPrefix + "Multiboot header flags 0xb require features svmm does not provide (bits "
                      "0x8; known are 0 page-aligned modules, 1 memory information, 2 video "
                      "mode)");
  // Bit 2 (video mode) is accepted and ignored; bits 17-31 are optional.
  EXPECT_NO_THROW((void)plan(mb_elf({{0x100000, 0x100, 0x100}}, 0x100000, 0x80000007).bytes));
}

TEST(LoaderMultiboot, AoutKludgeUsesTheAddressFields) {
  // Header at file offset 0x40 = load_addr + 0x40; 0x800 bytes loaded, bss up to +0x2000.
  const auto img = mb_aout(0x40, 0x1000, 0x100040, 0x100000, 0x100800, 0x102000, 0x100060);
  const KernelPlan p = plan(img);
  EXPECT_EQ(p.protocol, BootProtocol::Multiboot);
  EXPECT_EQ(p.entry, 0x100060u);
  ASSERT_EQ(p.segments.size(), 1u);
  EXPECT_EQ(p.segments[0], (LoadSegment{0x100000, 0, 0x800, 0x2000}));
  EXPECT_EQ(p.image_start, 0x100000u);
  EXPECT_EQ(p.image_end, 0x102000u);
  // load_end_addr 0: the rest of the file; bss_end_addr 0: no bss. The load may start inside
  // the file (header_addr - load_addr < header offset).
  const auto rest = mb_aout(0x100, 0x200, 0x400010, 0x400000, 0, 0, 0x400000);
  const KernelPlan q = plan(rest);
  EXPECT_EQ(q.segments[0], (LoadSegment{0x400000, 0xF0, 0x100 + 32 + 0x200 - 0xF0,
                                        0x100 + 32 + 0x200 - 0xF0}));
  // An ELF file with bit 16 set is loaded by the address fields, not its program headers.
  auto elf = mb_elf({{0x100000, 0x1000, 0x1000}}, 0x100000, 0x00010000);
  const uint64_t h = elf.load_offsets[0];
  test::put32(elf.bytes, h + 12, 0x300000 + h);
  test::put32(elf.bytes, h + 16, 0x300000);
  test::put32(elf.bytes, h + 20, 0);
  test::put32(elf.bytes, h + 24, 0);
  test::put32(elf.bytes, h + 28, 0x300000 + h);
  const KernelPlan e = plan(elf.bytes);
  EXPECT_EQ(e.segments[0], (LoadSegment{0x300000, 0, elf.bytes.size(), elf.bytes.size()}));
}

TEST(LoaderMultiboot, AoutKludgeRefusals) {
  EXPECT_EQ(plan_error(mb_aout(0x40, 0x100, 0x100000, 0x100040, 0, 0, 0x100040)),
            kPrefix + "Multiboot load_addr 0x100040 is above header_addr 0x100000");
  EXPECT_EQ(plan_error(mb_aout(0x40, 0x100, 0x100080, 0x100000, 0, 0, 0x100000)),
            kPrefix + "Multiboot header_addr 0x100080 - load_addr 0x100000 is more than the "
                      "header's file offset 0x40 (the load would start before the file)");
  EXPECT_EQ(plan_error(mb_aout(0x40, 0x100, 0x100040, 0x100000, 0x100000, 0, 0x100000)),
            kPrefix + "Multiboot load_end_addr 0x100000 is not above load_addr 0x100000");
  EXPECT_EQ(plan_error(mb_aout(0x40, 0x100, 0x100040, 0x100000, 0x101000, 0, 0x100000)),
            kPrefix + "Multiboot load range [0x100000, 0x101000) needs file bytes [0x0, 0x1000) "
                      "beyond the end of the file (352 bytes)");
  EXPECT_EQ(plan_error(mb_aout(0x40, 0x100, 0x100040, 0x100000, 0x100100, 0x1000ff, 0x100000)),
            kPrefix + "Multiboot bss_end_addr 0x1000ff is below the end of the loaded data "
                      "0x100100");
  EXPECT_EQ(plan_error(mb_aout(0x40, 0x100, 0x100040, 0x100000, 0x100100, 0x200000, 0x100100)),
            kPrefix + "Multiboot entry 0x100100 is not inside the file-backed part of any loaded "
                      "segment");
  EXPECT_EQ(plan_error(mb_aout(0x40, 0x100, 0x10040, 0x10000, 0, 0, 0x10000)),
            kPrefix + "Multiboot load range [0x10000, 0x10160) overlaps [0, 0x20000) (page 0 and "
                      "svmm's boot structures)");
  EXPECT_EQ(plan_error(mb_aout(0x40, 0x100, 0xFFFFF040, 0xFFFFF000, 0, 0, 0xFFFFF000)),
            kPrefix + "Multiboot load range [0xfffff000, 0xfffff160) overlaps the MMIO hole "
                      "[0xc0000000, 0x100000000)");
  // The address fields must be in the file.
  std::vector<uint8_t> cut(0x40 + 20, 0);
  test::put_multiboot_header(cut, 0x40, 0x00010000);
  EXPECT_EQ(plan_error(cut),
            kPrefix + "Multiboot header at file offset 0x40 sets flags bit 16 but its address "
                      "fields run past the end of the file (84 bytes)");
}

TEST(LoaderMultiboot, MemInfoComesFromTheMemoryMap) {
  const auto guest = multiboot_mem_info(guest_memmap(64, true));
  EXPECT_EQ(guest.mem_lower, 639u);
  EXPECT_EQ(guest.mem_upper, (62u << 20) / 1024);  // [1 MiB, 63 MiB): 63 MiB has the chipset
  const auto trusted = multiboot_mem_info(guest_memmap(64, false));
  EXPECT_EQ(trusted.mem_upper, (63u << 20) / 1024);
  const auto big = multiboot_mem_info(guest_memmap(5120, true));
  EXPECT_EQ(big.mem_upper, ((3072u - 2) << 20) / 1024);
}

// BootImage end to end: the file read, planned, loaded into mapped guest memory.
TEST(LoaderMultiboot, BootImageWritesTheMultibootInformation) {
  test::TempDir dir;
  const auto img = mb_elf({{0x100000, 0x1000, 0x1000}, {0x200000, 0x100, 0x3000}}, 0x100020);
  const std::string kernel = dir.write(
      "mb.elf", std::string(img.bytes.begin(), img.bytes.end()));
  const std::string initrd = dir.write("initrd.cpio", std::string(5000, 'R'));
  BootImageSpec spec;
  spec.kernel = kernel;
  spec.initrd = initrd;
  spec.cmdline = "console=ttyS0 x=1";
  spec.memory_mib = 64;
  spec.vcpus = 2;
  const BootImage image(spec);
  GuestMemory mem(nullptr, ram_ranges(64), MemoryProtection::Normal);
  ASSERT_TRUE(mem.fill(GuestAddress(0x200000), 0x3000, 0xAA));  // bss must come out zero
  const EntryState state = image.load(mem);
  ASSERT_TRUE(std::holds_alternative<Entry32>(state));
  const Entry32 entry = std::get<Entry32>(state);
  EXPECT_EQ(entry.eip, 0x100020u);
  EXPECT_EQ(entry.eax, 0x2BADB002u);
  const uint32_t mbi = entry.ebx;
  auto r32 = [&](uint64_t a) { return mem.read_obj<uint32_t>(GuestAddress(a)).value(); };
  auto r64 = [&](uint64_t a) { return mem.read_obj<uint64_t>(GuestAddress(a)).value(); };
  auto str = [&](uint64_t a) {
    std::string s;
    for (char c; (c = static_cast<char>(mem.read_obj<uint8_t>(GuestAddress(a++)).value())) != 0;)
      s += c;
    return s;
  };
  // Segments: file bytes, then zeroed bss.
  EXPECT_EQ(mem.read_obj<uint8_t>(GuestAddress(0x200000 + 0x10)), img.bytes[img.load_offsets[1] + 0x10]);
  EXPECT_EQ(mem.read_obj<uint8_t>(GuestAddress(0x200100)), 0u);
  EXPECT_EQ(mem.read_obj<uint8_t>(GuestAddress(0x202fff)), 0u);

  EXPECT_EQ(r32(mbi), (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9));
  EXPECT_EQ(r32(mbi + 4), 639u);
  EXPECT_EQ(r32(mbi + 8), 62u * 1024);
  EXPECT_EQ(str(r32(mbi + 0x10)), "console=ttyS0 x=1");
  ASSERT_EQ(r32(mbi + 0x14), 1u);  // mods_count
  const uint32_t mod = r32(mbi + 0x18);
  const uint32_t start = r32(mod), end = r32(mod + 4);
  EXPECT_EQ(start % 4096, 0u);
  EXPECT_EQ(end - start, 5000u);
  EXPECT_LE(end, 63u << 20);
  EXPECT_EQ(str(r32(mod + 8)), "initrd.cpio");
  EXPECT_EQ(mem.read_obj<uint8_t>(GuestAddress(start + 4999)), 'R');
  const auto memmap = guest_memmap(64, true);
  ASSERT_EQ(r32(mbi + 0x2C), memmap.size() * 24);
  const uint32_t mmap = r32(mbi + 0x30);
  for (size_t i = 0; i < memmap.size(); ++i) {
    const uint64_t e = mmap + i * 24;
    EXPECT_EQ(r32(e), 20u);
    EXPECT_EQ(r64(e + 4), memmap[i].addr);
    EXPECT_EQ(r64(e + 12), memmap[i].size);
    EXPECT_EQ(r32(e + 20), memmap[i].type);
  }
  EXPECT_EQ(str(r32(mbi + 0x40)), "svmm");
  // Structures in svmm's area below the lowest address a Multiboot image may use.
  EXPECT_LT(mbi, 0x20000u);
  EXPECT_LT(mmap + memmap.size() * 24, 0x20000u);
}

TEST(LoaderMultiboot, WithoutInitrdThereAreNoModules) {
  test::TempDir dir;
  const auto img = mb_elf({{0x100000, 0x1000, 0x1000}}, 0x100000);
  BootImageSpec spec;
  spec.kernel = dir.write("mb.elf", std::string(img.bytes.begin(), img.bytes.end()));
  spec.memory_mib = 16;
  const BootImage image(spec);
  GuestMemory mem(nullptr, ram_ranges(16), MemoryProtection::Normal);
  const Entry32 entry = std::get<Entry32>(image.load(mem));
  EXPECT_EQ(mem.read_obj<uint32_t>(GuestAddress(entry.ebx + 0x14)), 0u);
  EXPECT_EQ(mem.read_obj<uint8_t>(GuestAddress(mem.read_obj<uint32_t>(GuestAddress(entry.ebx + 0x10)).value())), 0u);
}

}  // namespace
}  // namespace svmm
