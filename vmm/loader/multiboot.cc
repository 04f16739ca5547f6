#include "vmm/loader/multiboot.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "protocol/memory_map.h"
#include "vmm/loader/detect.h"
#include "vmm/loader/elf.h"
#include "vmm/loader/placement.h"
#include "vmm/loader/reject.h"

namespace svmm::loader {
namespace {

// Multiboot Specification 0.6.96, 3.1.2 "The magic fields of Multiboot header": bits 0-15 are
// requirements a boot loader must satisfy or refuse the image; bits 16-31 optional features.
constexpr uint32_t kFlagPageAlignModules = 1u << 0;
constexpr uint32_t kFlagMemoryInfo = 1u << 1;
constexpr uint32_t kFlagVideoMode = 1u << 2;  // accepted and ignored: no framebuffer (as QEMU)
constexpr uint32_t kFlagAoutKludge = 1u << 16;
constexpr uint32_t kKnownRequirements = kFlagPageAlignModules | kFlagMemoryInfo | kFlagVideoMode;
// 3.1.3: the address fields follow magic, flags, checksum when bit 16 is set.
constexpr uint64_t kAddressFieldsEnd = 32;

struct Placed {
  std::string name;
  uint64_t start;
  uint64_t end;
};

// [start, end) is a non-empty segment whose end did not wrap. The areas a Multiboot image may
// use are described at plan_kernel (image.h).
void check_placement(const std::string& name, uint64_t start, uint64_t end,
                     const std::vector<RamRange>& ram) {
  if (start < SVMM_MMIO_HOLE_END && end > SVMM_MMIO_HOLE_START)
    reject(fmt::format("{} [{:#x}, {:#x}) overlaps the MMIO hole [{:#x}, {:#x})", name, start, end,
                       SVMM_MMIO_HOLE_START, SVMM_MMIO_HOLE_END));
  if (end > SVMM_MMIO_HOLE_END)
    reject(fmt::format("{} [{:#x}, {:#x}) lies above 4 GiB (Multiboot enters in 32-bit mode)",
                       name, start, end));
  if (start < kMultibootLowLoadStart)
    reject(fmt::format(
        "{} [{:#x}, {:#x}) overlaps [0, {:#x}) (page 0 and svmm's boot structures)", name, start,
        end, kMultibootLowLoadStart));
  if (start < SVMM_E820_HIGH_AREA_START && end > SVMM_E820_LOW_RAM_END)
    reject(fmt::format(
        "{} [{:#x}, {:#x}) overlaps the reserved legacy area [{:#x}, {:#x}) (MP table, ACPI)",
        name, start, end, SVMM_E820_LOW_RAM_END, SVMM_E820_HIGH_AREA_START));
  if (!inside_one_range(start, end, ram))
    reject(fmt::format("{} [{:#x}, {:#x}) is not inside guest RAM ({})", name, start, end,
                       describe_ram(ram)));
}

void check_disjoint(std::vector<Placed> placed) {
  std::sort(placed.begin(), placed.end(),
            [](const Placed& a, const Placed& b) { return a.start < b.start; });
  for (size_t k = 1; k < placed.size(); ++k) {
    const Placed& a = placed[k - 1];
    const Placed& b = placed[k];
    if (b.start < a.end)
      reject(fmt::format("{} [{:#x}, {:#x}) and {} [{:#x}, {:#x}) overlap", a.name, a.start, a.end,
                         b.name, b.start, b.end));
  }
}

void finish(KernelPlan& plan, const std::vector<Placed>& placed) {
  plan.image_start = UINT64_MAX;
  plan.image_end = 0;
  for (const auto& p : placed) {
    plan.image_start = std::min(plan.image_start, p.start);
    plan.image_end = std::max(plan.image_end, p.end);
  }
  const bool entry_loaded =
      std::any_of(plan.segments.begin(), plan.segments.end(), [&](const LoadSegment& s) {
        return plan.entry >= s.gpa && plan.entry - s.gpa < s.file_size;
      });
  if (!entry_loaded)
    reject(fmt::format(
        "Multiboot entry {:#x} is not inside the file-backed part of any loaded segment",
        plan.entry));
}

// Flags bit 16 clear: an ELF32 executable whose PT_LOADs are loaded at p_paddr.
void plan_elf(Bytes file, const std::vector<RamRange>& ram, KernelPlan& plan) {
  if (!has_elf_magic(file))
    reject("Multiboot image without the a.out kludge (flags bit 16) is not an ELF file");
  const ElfFile elf = parse_elf(file);
  if (elf.is64)
    reject("Multiboot image is an ELF64 file: Multiboot v1 loads ELF32 images (or a.out-kludge "
           "images, flags bit 16)");
  std::vector<Placed> placed;
  bool any_load = false;
  for (const auto& ph : elf.program_headers) {
    if (ph.type != kPtLoad) continue;
    any_load = true;
    const uint32_t i = ph.index;
    uint64_t file_end = 0;
    if (!checked_add(ph.offset, ph.filesz, file_end) || file_end > file.size())
      reject(fmt::format(
          "PT_LOAD segment {}: file range [{:#x}, +{:#x}) extends beyond the end of the file ({} "
          "bytes)",
          i, ph.offset, ph.filesz, file.size()));
    if (ph.filesz > ph.memsz)
      reject(fmt::format("PT_LOAD segment {}: p_filesz {:#x} is larger than p_memsz {:#x}", i,
                         ph.filesz, ph.memsz));
    if (ph.memsz == 0) continue;
    uint64_t end = 0;
    if (!checked_add(ph.paddr, ph.memsz, end))
      reject(fmt::format("PT_LOAD segment {}: p_paddr {:#x} + p_memsz {:#x} overflows", i, ph.paddr,
                         ph.memsz));
    const std::string name = fmt::format("PT_LOAD segment {}", i);
    check_placement(name, ph.paddr, end, ram);
    placed.push_back({name, ph.paddr, end});
    plan.segments.push_back({ph.paddr, ph.offset, ph.filesz, ph.memsz});
  }
  if (!any_load) reject("ELF has no PT_LOAD segment");
  if (placed.empty()) reject("ELF has no PT_LOAD segment with p_memsz > 0");
  check_disjoint(placed);

  // e_entry is a virtual address; segments load at their physical addresses. Translate it
  // through the segment whose virtual range holds it (identity for most kernels).
  plan.entry = elf.entry;
  for (const auto& ph : elf.program_headers) {
    if (ph.type != kPtLoad || ph.memsz == 0) continue;
    if (elf.entry >= ph.vaddr && elf.entry - ph.vaddr < ph.filesz) {
      plan.entry = ph.paddr + (elf.entry - ph.vaddr);  // < paddr + filesz: checked above
      break;
    }
  }
}

// Flags bit 16 set: the header's address fields say what to load where (3.1.3).
void plan_aout(Bytes file, const MultibootHeader& h, const std::vector<RamRange>& ram,
               KernelPlan& plan) {
  if (!range_inside(h.offset, kAddressFieldsEnd, file.size()))
    reject(fmt::format(
        "Multiboot header at file offset {:#x} sets flags bit 16 but its address fields run past "
        "the end of the file ({} bytes)",
        h.offset, file.size()));
  const uint64_t header_addr = le32(file, h.offset + 12);
  const uint64_t load_addr = le32(file, h.offset + 16);
  const uint64_t load_end_addr = le32(file, h.offset + 20);
  const uint64_t bss_end_addr = le32(file, h.offset + 24);
  const uint64_t entry_addr = le32(file, h.offset + 28);
  if (load_addr > header_addr)
    reject(fmt::format("Multiboot load_addr {:#x} is above header_addr {:#x}", load_addr,
                       header_addr));
  if (header_addr - load_addr > h.offset)
    reject(fmt::format(
        "Multiboot header_addr {:#x} - load_addr {:#x} is more than the header's file offset "
        "{:#x} (the load would start before the file)",
        header_addr, load_addr, h.offset));
  const uint64_t load_offset = h.offset - (header_addr - load_addr);
  uint64_t file_size = file.size() - load_offset;  // load_end_addr 0: to the end of the file
  if (load_end_addr != 0) {
    if (load_end_addr <= load_addr)
      reject(fmt::format("Multiboot load_end_addr {:#x} is not above load_addr {:#x}",
                         load_end_addr, load_addr));
    file_size = load_end_addr - load_addr;
    if (!range_inside(load_offset, file_size, file.size()))
      reject(fmt::format(
          "Multiboot load range [{:#x}, {:#x}) needs file bytes [{:#x}, {:#x}) beyond the end of "
          "the file ({} bytes)",
          load_addr, load_end_addr, load_offset, load_offset + file_size, file.size()));
  }
  if (file_size == 0) reject("Multiboot a.out-kludge image loads nothing");
  uint64_t data_end = 0;
  if (!checked_add(load_addr, file_size, data_end))
    reject(fmt::format("Multiboot load_addr {:#x} + {:#x} bytes overflows", load_addr, file_size));
  uint64_t mem_size = file_size;
  if (bss_end_addr != 0) {
    if (bss_end_addr < data_end)
      reject(fmt::format("Multiboot bss_end_addr {:#x} is below the end of the loaded data {:#x}",
                         bss_end_addr, data_end));
    mem_size = bss_end_addr - load_addr;
  }
  const uint64_t end = load_addr + mem_size;  // data_end or bss_end_addr: no wrap
  check_placement("Multiboot load range", load_addr, end, ram);
  plan.segments.push_back({load_addr, load_offset, file_size, mem_size});
  plan.entry = entry_addr;
  finish(plan, {{"Multiboot load range", load_addr, end}});
}

}  // namespace

KernelPlan plan_multiboot(Bytes file, const std::vector<RamRange>& ram) {
  const auto probe = probe_multiboot(file);
  if (!probe.match) reject(probe.reason);
  const auto header = find_multiboot_header(file);
  if (!header) reject("no Multiboot header in the first 8 KiB");  // probe matched: unreachable
  const uint32_t unknown = header->flags & 0xFFFFu & ~kKnownRequirements;
  if (unknown != 0)
    reject(fmt::format(
        "Multiboot header flags {:#x} require features svmm does not provide (bits {:#x}; known "
        "are 0 page-aligned modules, 1 memory information, 2 video mode)",
        header->flags, unknown));

  KernelPlan plan;
  plan.protocol = BootProtocol::Multiboot;
  if ((header->flags & kFlagAoutKludge) != 0) {
    plan_aout(file, *header, ram, plan);
    return plan;
  }
  plan_elf(file, ram, plan);
  std::vector<Placed> placed;
  for (size_t i = 0; i < plan.segments.size(); ++i)
    placed.push_back({"", plan.segments[i].gpa, plan.segments[i].gpa + plan.segments[i].mem_size});
  finish(plan, placed);
  return plan;
}

}  // namespace svmm::loader
