// The Linux boot protocol for bzImages (spec/guest-abi.md section 1;
// Documentation/arch/x86/boot.rst; struct boot_params in arch/x86/include/uapi/asm/bootparam.h):
// the setup header checks, the plan, and the boot_params, page tables, GDT and 64-bit entry
// state BootImage writes (read back from guest memory mapped without KVM). No real kernel.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "protocol/memory_map.h"
#include "tests/support/process.h"
#include "tests/unit/loader_test_images.h"
#include "vmm/boot_image.h"
#include "vmm/loader/image.h"
#include "vmm/memory/guest_memory.h"
#include "vmm/memory/layout.h"
#include "vmm/util/error.h"

namespace svmm {
namespace {

using test::BzImageFields;
using test::make_bzimage;

const std::string kPrefix = "kernel image 'k.img' is not a bzImage, PVH ELF or Multiboot image: ";

KernelPlan plan(const std::vector<uint8_t>& img, uint64_t mib = 64) {
  return plan_kernel(img, "k.img", BootProtocol::Auto, ram_ranges(mib));
}

std::string plan_error(const std::vector<uint8_t>& img, uint64_t mib = 64) {
  try {
    (void)plan_kernel(img, "k.img", BootProtocol::Linux, ram_ranges(mib));
  } catch (const UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "image was accepted";
  return {};
}

std::string with(std::function<void(BzImageFields&)> change, uint64_t mib = 64) {
  BzImageFields f;
  change(f);
  return plan_error(make_bzimage(f), mib);
}

TEST(LoaderLinux, PlanPlacesTheProtectedModeKernelAtPrefAddress) {
  const auto img = make_bzimage();
  const KernelPlan p = plan(img);
  EXPECT_EQ(p.protocol, BootProtocol::Linux);
  ASSERT_EQ(p.segments.size(), 1u);
  EXPECT_EQ(p.segments[0], (LoadSegment{0x1000000, 5 * 512, 0x4000, 0x800000}));
  EXPECT_EQ(p.entry, 0x1000200u);  // startup_64
  EXPECT_EQ(p.image_start, 0x1000000u);
  EXPECT_EQ(p.image_end, 0x1800000u);  // + init_size: the initrd goes above
  EXPECT_EQ(p.initrd_limit, 0x80000000u);
  EXPECT_EQ(p.cmdline_limit, 2047u);
  ASSERT_EQ(p.linux_setup_header.size(), 0x26cu - 0x1f1u);
  EXPECT_TRUE(std::equal(p.linux_setup_header.begin(), p.linux_setup_header.end(),
                         img.begin() + 0x1f1));
}

TEST(LoaderLinux, SetupSectsZeroMeansFour) {
  const KernelPlan p = plan(make_bzimage({.setup_sects = 0}));
  EXPECT_EQ(p.segments[0].file_offset, 5u * 512);
  const KernelPlan q = plan(make_bzimage({.setup_sects = 30}));
  EXPECT_EQ(q.segments[0].file_offset, 31u * 512);
  EXPECT_EQ(q.segments[0].file_size, 0x4000u);
}

TEST(LoaderLinux, KernelLargerThanInitSizeCountsWholly) {
  const KernelPlan p = plan(make_bzimage({.kernel_size = 0x10000, .init_size = 0x8000}));
  EXPECT_EQ(p.image_end, 0x1010000u);
  EXPECT_EQ(p.segments[0].mem_size, 0x10000u);
}

TEST(LoaderLinux, InitSizeMustNotReachTheChipsetAreas) {
  // RAM is [0, 64 MiB) but the memory map reserves the last MiB for the chipset.
  BzImageFields f;
  f.init_size = 0x2f00001;  // [16 MiB, 63 MiB + 1)
  const auto img = make_bzimage(f);
  EXPECT_NO_THROW((void)plan(img));
  test::TempDir dir;
  BootImageSpec spec;
  spec.kernel = dir.write("bz", std::string(img.begin(), img.end()));
  spec.memory_mib = 64;
  try {
    BootImage image(spec);
    ADD_FAILURE() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("segment 0 [0x1000000, 0x3f00001) is not inside a RAM "
                                         "range of the memory map"),
              std::string::npos)
        << e.what();
  }
  spec.chipset_areas = false;  // a trusted VM: all of it is RAM
  EXPECT_NO_THROW(BootImage{spec});
}

TEST(LoaderLinux, InitrdStaysBelowInitrdAddrMax) {
  BzImageFields f;
  f.initrd_addr_max = 0x0fffffff;
  const KernelPlan p = plan(make_bzimage(f), 3072);
  EXPECT_EQ(p.initrd_limit, 0x10000000u);
  const uint64_t at = place_initrd(0x1800, p, guest_memmap(3072, true), "i");
  EXPECT_EQ(at, 0x10000000u - 0x2000);
  // Without the limit it would go to the top of low RAM.
  EXPECT_GT(place_initrd(0x1800, plan(make_bzimage(), 3072), guest_memmap(3072, true), "i"),
            0x80000000u - 0x3000);
  // Too large for the room below the limit, above the kernel.
  f.initrd_addr_max = 0x01900000;
  EXPECT_THROW((void)place_initrd(0x200000, plan(make_bzimage(f), 64), guest_memmap(64, true), "i"),
               UsageError);
}

TEST(LoaderLinux, MalformedSetupHeadersAreRefused) {
  EXPECT_EQ(with([](auto& f) { f.header_len = 0x50; }),
            kPrefix + "bzImage setup header ends at 0x252 (0x202 + the byte at 0x201), before "
                      "init_size (needs 0x264)");
  EXPECT_EQ(with([](auto& f) { f.version = 0x0209; }),
            kPrefix + "bzImage boot protocol version 2.09 has no pref_address/init_size (2.10 or "
                      "newer is needed)");
  EXPECT_EQ(with([](auto& f) { f.loadflags = 0; }),
            kPrefix + "bzImage loadflags bit 0 (LOADED_HIGH) is clear: zImages loaded at 0x10000 "
                      "are not supported");
  EXPECT_EQ(with([](auto& f) { f.kernel_alignment = 0x300000; }),
            kPrefix + "bzImage kernel_alignment 0x300000 is not a power of two");
  EXPECT_EQ(with([](auto& f) { f.pref_address = 0x1100000; }),
            kPrefix + "bzImage pref_address 0x1100000 is not aligned to kernel_alignment "
                      "0x200000");
  EXPECT_EQ(with([](auto& f) { f.pref_address = 0x80000; f.relocatable = 0; }),
            kPrefix + "bzImage pref_address 0x80000 is below 1 MiB");
  EXPECT_EQ(with([](auto& f) { f.pref_address = 0xFFFFFFFFFFE00000; }),
            kPrefix + "bzImage pref_address 0xffffffffffe00000 + init_size 0x800000 overflows");
  EXPECT_EQ(with([](auto& f) { f.pref_address = 0xC0000000; }, 5120),
            kPrefix + "bzImage load range [0xc0000000, 0xc0800000) overlaps the MMIO hole "
                      "[0xc0000000, 0x100000000)");
  EXPECT_EQ(with([](auto& f) { f.init_size = 0x3000001; }),
            kPrefix + "bzImage needs [0x1000000, 0x4000001) (pref_address + max(init_size, "
                      "kernel size)) inside guest RAM ([0x0, 0x4000000))");
  EXPECT_EQ(with([](auto& f) { f.kernel_size = 0x200; }),
            kPrefix + "bzImage protected-mode kernel (512 bytes) does not reach the 64-bit entry "
                      "at offset 0x200");
  EXPECT_EQ(with([](auto& f) { f.xloadflags = 0; }),
            kPrefix + "bzImage (boot protocol 2.15) is not 64-bit capable (xloadflags bit 0, "
                      "XLF_KERNEL_64, is clear)");
}

TEST(LoaderLinux, TruncatedFilesAreRefused) {
  auto img = make_bzimage();
  img.resize(5 * 512);  // no protected-mode kernel at all
  EXPECT_EQ(plan_error(img),
            kPrefix + "bzImage has no protected-mode kernel: setup_sects 4 puts it at file offset "
                      "0xa00, the file has 2560 bytes");
  img = make_bzimage();
  img.resize(img.size() - 0x100);  // syssize says 0x4000 bytes
  EXPECT_EQ(plan_error(img),
            kPrefix + "bzImage truncated: syssize says the protected-mode kernel has 16384 bytes, "
                      "the file holds 16128");
  img = make_bzimage();
  img.resize(0x260);  // the header runs to 0x26c
  EXPECT_EQ(plan_error(img),
            kPrefix + "bzImage setup header truncated: it ends at 0x26c, the file has 608 bytes");
}

// BootImage end to end.
struct Loaded {
  test::TempDir dir;
  std::unique_ptr<BootImage> image;
  GuestMemory mem;
  EntryState entry;
};

std::unique_ptr<Loaded> load(const std::vector<uint8_t>& kernel, const std::string& cmdline,
                             const std::string& initrd, uint64_t mib = 64) {
  auto l = std::make_unique<Loaded>();
  BootImageSpec spec;
  spec.kernel = l->dir.write("bzImage", std::string(kernel.begin(), kernel.end()));
  if (!initrd.empty()) spec.initrd = l->dir.write("initrd.img", initrd);
  spec.cmdline = cmdline;
  spec.memory_mib = mib;
  l->image = std::make_unique<BootImage>(spec);
  l->mem = GuestMemory(nullptr, ram_ranges(mib), MemoryProtection::Normal);
  l->entry = l->image->load(l->mem);
  return l;
}

TEST(LoaderLinux, BootImageWritesBootParamsPageTablesAndTheEntry) {
  const auto img = make_bzimage();
  const std::string initrd(10000, 'I');
  auto l = load(img, "console=ttyS0 root=/dev/ram0", initrd);
  auto& mem = l->mem;
  auto r8 = [&](uint64_t a) { return mem.read_obj<uint8_t>(GuestAddress(a)).value(); };
  auto r16 = [&](uint64_t a) { return mem.read_obj<uint16_t>(GuestAddress(a)).value(); };
  auto r32 = [&](uint64_t a) { return mem.read_obj<uint32_t>(GuestAddress(a)).value(); };
  auto r64 = [&](uint64_t a) { return mem.read_obj<uint64_t>(GuestAddress(a)).value(); };

  ASSERT_TRUE(std::holds_alternative<Entry64>(l->entry));
  const Entry64& e = std::get<Entry64>(l->entry);
  EXPECT_EQ(e.rip, 0x1000200u);
  const uint64_t bp = e.rsi;  // struct boot_params
  EXPECT_EQ(bp % 4096, 0u);
  EXPECT_LT(bp, 0x20000u);

  // The setup header, copied, then the loader's fields.
  EXPECT_EQ(r8(bp + 0x1f1), 4u);           // setup_sects
  EXPECT_EQ(r16(bp + 0x1f2), 1u);          // root_flags
  EXPECT_EQ(r16(bp + 0x1fa), 0xffffu);     // vid_mode
  EXPECT_EQ(r16(bp + 0x1fe), 0xAA55u);     // boot_flag
  EXPECT_EQ(r32(bp + 0x202), 0x53726448u);  // HdrS
  EXPECT_EQ(r16(bp + 0x206), 0x020fu);
  EXPECT_EQ(r8(bp + 0x210), 0xffu);        // type_of_loader
  EXPECT_EQ(r8(bp + 0x211), 0x01u);        // loadflags as the kernel set them
  EXPECT_EQ(r32(bp + 0x214), 0x1000000u);  // code32_start
  EXPECT_EQ(r32(bp + 0x230), 0x200000u);   // kernel_alignment
  EXPECT_EQ(r32(bp + 0x238), 2047u);       // cmdline_size
  EXPECT_EQ(r64(bp + 0x250), 0u);          // setup_data cleared
  EXPECT_EQ(r64(bp + 0x258), 0x1000000u);  // pref_address
  EXPECT_EQ(r32(bp + 0x260), 0x800000u);   // init_size
  EXPECT_EQ(r64(bp + 0x058), 0u);          // tboot_addr
  const uint64_t rsdp = r64(bp + 0x070);   // acpi_rsdp_addr: the guest OS has ACPI tables
  EXPECT_GE(rsdp, 0xE0000u);
  EXPECT_LT(rsdp, 0x100000u);
  EXPECT_EQ(r64(rsdp), 0x2052545020445352ull);  // "RSD PTR "
  EXPECT_EQ(r32(bp + 0x0c8), 0u);          // ext_cmd_line_ptr

  // Command line.
  const uint32_t cmd = r32(bp + 0x228);
  std::string s;
  for (uint64_t a = cmd; r8(a) != 0; ++a) s += static_cast<char>(r8(a));
  EXPECT_EQ(s, "console=ttyS0 root=/dev/ram0");
  EXPECT_LT(cmd, 0x20000u);

  // Initrd: page-aligned, above the kernel's init_size, below initrd_addr_max and the chipset's
  // areas, its bytes in place.
  const uint32_t rd = r32(bp + 0x218);
  EXPECT_EQ(r32(bp + 0x21c), initrd.size());
  EXPECT_EQ(rd % 4096, 0u);
  EXPECT_GE(rd, 0x1800000u);
  EXPECT_LE(rd + initrd.size(), 63u << 20);
  EXPECT_EQ(r8(rd), 'I');
  EXPECT_EQ(r8(rd + initrd.size() - 1), 'I');
  EXPECT_EQ(r32(bp + 0x0c0), 0u);  // ext_ramdisk_image

  // e820: exactly the memory map of spec/guest-abi.md section 2.
  const auto memmap = guest_memmap(64, true);
  ASSERT_EQ(r8(bp + 0x1e8), memmap.size());
  for (size_t i = 0; i < memmap.size(); ++i) {
    const uint64_t en = bp + 0x2d0 + i * 20;
    EXPECT_EQ(r64(en), memmap[i].addr) << i;
    EXPECT_EQ(r64(en + 8), memmap[i].size) << i;
    EXPECT_EQ(r32(en + 16), memmap[i].type) << i;
  }
  EXPECT_EQ(memmap[1].type, SVMM_E820_RESERVED);
  EXPECT_EQ(memmap[1].addr, 0x9FC00u);

  // The protected-mode kernel at pref_address.
  EXPECT_EQ(r8(0x1000000), img[5 * 512]);
  EXPECT_EQ(r8(0x1000000 + 0x3fff), img[5 * 512 + 0x3fff]);

  // GDT: __BOOT_CS 0x10 flat 64-bit code, __BOOT_DS 0x18 flat data.
  EXPECT_EQ(e.cs, 0x10u);
  EXPECT_EQ(e.ds, 0x18u);
  EXPECT_GE(e.gdt_limit, 0x1fu);
  const uint64_t code = r64(e.gdt_base + 0x10), data = r64(e.gdt_base + 0x18);
  EXPECT_NE(code & (1ull << 53), 0u) << "L";
  EXPECT_NE(code & (1ull << 43), 0u) << "executable";
  EXPECT_EQ(code & (1ull << 54), 0u) << "D must be 0 with L";
  EXPECT_EQ(data & (1ull << 43), 0u);
  EXPECT_NE(data & (1ull << 41), 0u) << "writable";

  // Page tables: an identity map of [0, 4 GiB) in 2 MiB pages covering kernel, zero page,
  // command line and initrd.
  auto translate = [&](uint64_t va) -> std::optional<uint64_t> {
    const uint64_t pml4e = r64(e.cr3 + ((va >> 39) & 511) * 8);
    if (!(pml4e & 1)) return std::nullopt;
    const uint64_t pdpte = r64((pml4e & ~0xFFFull) + ((va >> 30) & 511) * 8);
    if (!(pdpte & 1)) return std::nullopt;
    const uint64_t pde = r64((pdpte & ~0xFFFull) + ((va >> 21) & 511) * 8);
    if (!(pde & 1) || !(pde & 0x80)) return std::nullopt;
    return (pde & ~0x1FFFFFull) + (va & 0x1FFFFF);
  };
  for (uint64_t va : {uint64_t{0}, bp, uint64_t{cmd}, uint64_t{0x1000000}, uint64_t{0x17fffff},
                      uint64_t{rd}, uint64_t{0xbfffffff}, uint64_t{0xfee00000}, uint64_t{0xffffffff}})
    EXPECT_EQ(translate(va), va) << std::hex << va;
  EXPECT_EQ(translate(uint64_t{4} << 30), std::nullopt);
  EXPECT_LT(e.cr3, 0x20000u);
  EXPECT_NE(e.rsp, 0u);
  EXPECT_LT(e.rsp, 0x20000u);
}

TEST(LoaderLinux, NoInitrdMeansZeroRamdiskFields) {
  auto l = load(make_bzimage(), "", "");
  const uint64_t bp = std::get<Entry64>(l->entry).rsi;
  EXPECT_EQ(l->mem.read_obj<uint32_t>(GuestAddress(bp + 0x218)), 0u);
  EXPECT_EQ(l->mem.read_obj<uint32_t>(GuestAddress(bp + 0x21c)), 0u);
}

TEST(LoaderLinux, CommandLineLongerThanCmdlineSizeIsRefused) {
  BzImageFields f;
  f.cmdline_size = 10;
  test::TempDir dir;
  const auto img = make_bzimage(f);
  BootImageSpec spec;
  spec.kernel = dir.write("bz", std::string(img.begin(), img.end()));
  spec.memory_mib = 64;
  spec.cmdline = "0123456789";
  EXPECT_NO_THROW(BootImage{spec});
  spec.cmdline = "0123456789a";
  try {
    BootImage image(spec);
    ADD_FAILURE() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              fmt::format("command line is 11 bytes, kernel image '{}' accepts at most 10 (its "
                          "cmdline_size)",
                          spec.kernel.string()));
  }
}

}  // namespace
}  // namespace svmm
