#include "vmm/boot_image.h"

#include <fmt/format.h>

#include <algorithm>

#include "protocol/memory_map.h"
#include "vmm/memory/guest_memory.h"
#include "vmm/util/error.h"
#include "vmm/x86/linux_boot.h"
#include "vmm/x86/acpi.h"
#include "vmm/x86/mptable.h"
#include "vmm/x86/multiboot_boot.h"
#include "vmm/x86/pvh_boot.h"

namespace svmm {

namespace {
// An image can never be larger than the RAM it must fit in; this bound also keeps a mistaken
// path (a disk image) from being read whole.
uint64_t max_file_bytes(uint64_t memory_mib) {
  return std::min<uint64_t>(memory_mib * SVMM_MIB, 4 * SVMM_GIB);
}
}  // namespace

BootImage::BootImage(const BootImageSpec& spec) : spec_(spec) {
  const auto ram = ram_ranges(spec.memory_mib);
  memmap_ = guest_memmap(spec.memory_mib, spec.chipset_areas);
  kernel_ = read_image_file(spec.kernel, max_file_bytes(spec.memory_mib), "kernel image");
  plan_ = plan_kernel(kernel_, spec.kernel.string(), spec.boot, ram);
  // The loader knows RAM; the memory map also reserves the chipset's areas in the guest OS.
  for (size_t i = 0; i < plan_.segments.size(); ++i) {
    const auto& seg = plan_.segments[i];
    bool in_ram = std::any_of(memmap_.begin(), memmap_.end(), [&](const MemmapEntry& e) {
      return e.type == SVMM_E820_RAM && seg.gpa >= e.addr && seg.gpa < e.addr + e.size &&
             seg.mem_size <= e.addr + e.size - seg.gpa;
    });
    if (!in_ram)
      throw UsageError(fmt::format(
          "kernel image '{}' is not a bzImage, PVH ELF or Multiboot image: segment {} "
          "[0x{:x}, 0x{:x}) is not inside a RAM range of the memory map (reserved area)",
          spec.kernel.string(), i, seg.gpa, seg.gpa + seg.mem_size));
  }
  if (spec.cmdline.size() + 1 > kCmdlineMax)
    throw UsageError("command line is " + std::to_string(spec.cmdline.size()) +
                     " bytes, the limit is " + std::to_string(kCmdlineMax - 1));
  if (plan_.cmdline_limit != 0 && spec.cmdline.size() > plan_.cmdline_limit)
    throw UsageError(fmt::format(
        "command line is {} bytes, kernel image '{}' accepts at most {} (its cmdline_size)",
        spec.cmdline.size(), spec.kernel.string(), plan_.cmdline_limit));
  if (spec.initrd) {
    initrd_ = read_image_file(*spec.initrd, max_file_bytes(spec.memory_mib), "initrd");
    initrd_gpa_ = place_initrd(initrd_.size(), plan_, memmap_, spec.initrd->string());
  }
}

EntryState BootImage::load(GuestMemory& memory) const {
  auto must = [](bool ok, const std::string& what) {
    if (!ok) throw InternalError("cannot write " + what + " to guest memory");
  };
  for (const auto& seg : plan_.segments) {
    std::span<const uint8_t> bytes(kernel_.data() + seg.file_offset, seg.file_size);
    must(memory.write(GuestAddress(seg.gpa), bytes), "a kernel segment");
    must(memory.fill(GuestAddress(seg.gpa + seg.file_size), seg.mem_size - seg.file_size, 0),
         "a kernel segment's bss");
  }
  PvhBootInfo info;
  info.cmdline = spec_.cmdline;
  info.memmap = memmap_;
  if (spec_.initrd) {
    must(memory.write(GuestAddress(initrd_gpa_), initrd_), "the initrd");
    info.initrd = InitrdPlacement{initrd_gpa_, initrd_.size()};
  }
  write_boot_gdt(memory);
  const auto mptable = build_mptable(kMpTableAddr, spec_.vcpus);
  must(memory.write(GuestAddress(kMpTableAddr), mptable), "the MP table");
  // ACPI for the guest OS only (the VM with the chipset's areas; spec/guest-abi.md section 1).
  // Every protocol hands the RSDP over: PVH rsdp_paddr, Linux boot_params.acpi_rsdp_addr.
  if (spec_.chipset_areas) info.rsdp = write_acpi_tables(memory, spec_.vcpus);

  switch (plan_.protocol) {
    case BootProtocol::Pvh: {
      Entry32 entry;
      entry.eip = static_cast<uint32_t>(plan_.entry);
      entry.ebx = static_cast<uint32_t>(write_pvh_boot_info(memory, info));
      return entry;
    }
    case BootProtocol::Multiboot: {
      MultibootBootInfo mb;
      mb.cmdline = info.cmdline;
      mb.memmap = info.memmap;
      mb.initrd = info.initrd;
      if (spec_.initrd) mb.initrd_string = spec_.initrd->filename().string();
      Entry32 entry;
      entry.eip = static_cast<uint32_t>(plan_.entry);
      entry.eax = kMultibootBootloaderMagic;
      entry.ebx = static_cast<uint32_t>(write_multiboot_info(memory, mb));
      return entry;
    }
    case BootProtocol::Linux: {
      LinuxBootInfo lb;
      lb.setup_header = plan_.linux_setup_header;
      lb.kernel_load = plan_.image_start;
      lb.entry = plan_.entry;
      lb.cmdline = info.cmdline;
      lb.memmap = info.memmap;
      lb.initrd = info.initrd;
      lb.rsdp = info.rsdp;  // acpi_rsdp_addr (0 without ACPI tables: trusted VMs)
      return write_linux_boot(memory, lb);
    }
    case BootProtocol::Auto:
      break;
  }
  // plan_kernel never returns Auto.
  throw InternalError(std::string("no boot writer for protocol ") +
                      std::string(boot_protocol_name(plan_.protocol)));
}

}  // namespace svmm
