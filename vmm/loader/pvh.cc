#include "vmm/loader/pvh.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "protocol/memory_map.h"
#include "protocol/pvh.h"
#include "vmm/loader/placement.h"
#include "vmm/loader/reject.h"

namespace svmm::loader {
namespace {

// Where PVH images may start (see plan_kernel in image.h).
constexpr uint64_t kPvhMinLoadAddress = SVMM_E820_HIGH_AREA_START;  // 1 MiB

// [start, end) is a non-empty segment whose end did not wrap.
void check_placement(uint32_t index, uint64_t start, uint64_t end,
                     const std::vector<RamRange>& ram) {
  if (start < SVMM_MMIO_HOLE_END && end > SVMM_MMIO_HOLE_START)
    reject(fmt::format("PT_LOAD segment {} [{:#x}, {:#x}) overlaps the MMIO hole [{:#x}, {:#x})",
                       index, start, end, SVMM_MMIO_HOLE_START, SVMM_MMIO_HOLE_END));
  if (start < kPvhMinLoadAddress)
    reject(fmt::format(
        "PT_LOAD segment {} [{:#x}, {:#x}) starts below 1 MiB (PVH images must load at or "
        "above {:#x})",
        index, start, end, kPvhMinLoadAddress));
  if (!inside_one_range(start, end, ram))
    reject(fmt::format("PT_LOAD segment {} [{:#x}, {:#x}) is not inside guest RAM ({})", index,
                       start, end, describe_ram(ram)));
}

struct Placed {
  uint32_t index;
  uint64_t start;
  uint64_t end;
};

}  // namespace

std::optional<uint64_t> find_pvh_entry(Bytes file, const ElfFile& elf) {
  // xen/include/public/elfnote.h: XEN_ELFNOTE_PHYS32_ENTRY (18), "Physical entry point into
  // the kernel", a 32-bit value; Linux emits it with _ASM_PTR, i.e. 8 bytes in an ELF64.
  const auto note = find_note(file, elf, "Xen", SVMM_XEN_ELFNOTE_PHYS32_ENTRY);
  if (!note) return std::nullopt;
  uint64_t entry = 0;
  if (note->desc.size() == 4)
    entry = le32(note->desc, 0);
  else if (note->desc.size() == 8)
    entry = le64(note->desc, 0);
  else
    reject(fmt::format(
        "XEN_ELFNOTE_PHYS32_ENTRY note at file offset {:#x} has a {}-byte descriptor, expected "
        "4 or 8",
        note->file_offset, note->desc.size()));
  if (entry >= SVMM_MMIO_HOLE_END)  // 4 GiB: the entry runs in 32-bit protected mode
    reject(fmt::format("XEN_ELFNOTE_PHYS32_ENTRY {:#x} is not below 4 GiB", entry));
  return entry;
}

KernelPlan plan_pvh(Bytes file, const std::vector<RamRange>& ram) {
  const ElfFile elf = parse_elf(file);
  const auto entry = find_pvh_entry(file, elf);
  if (!entry) reject("ELF has no XEN_ELFNOTE_PHYS32_ENTRY note");

  KernelPlan plan;
  plan.protocol = BootProtocol::Pvh;
  plan.entry = *entry;
  std::vector<Placed> placed;
  bool any_load = false;
  for (const auto& ph : elf.program_headers) {
    if (ph.type != kPtLoad) continue;
    any_load = true;
    const uint32_t i = ph.index;
    uint64_t file_end = 0;
    if (!checked_add(ph.offset, ph.filesz, file_end))
      reject(fmt::format("PT_LOAD segment {}: p_offset {:#x} + p_filesz {:#x} overflows", i,
                         ph.offset, ph.filesz));
    if (file_end > file.size())
      reject(fmt::format(
          "PT_LOAD segment {}: file range [{:#x}, {:#x}) extends beyond the end of the file ({} "
          "bytes)",
          i, ph.offset, file_end, file.size()));
    if (ph.filesz > ph.memsz)
      reject(fmt::format("PT_LOAD segment {}: p_filesz {:#x} is larger than p_memsz {:#x}", i,
                         ph.filesz, ph.memsz));
    if (ph.memsz == 0) continue;  // nothing to load (gABI allows empty segments)
    uint64_t end = 0;
    if (!checked_add(ph.paddr, ph.memsz, end))
      reject(fmt::format("PT_LOAD segment {}: p_paddr {:#x} + p_memsz {:#x} overflows", i, ph.paddr,
                         ph.memsz));
    check_placement(i, ph.paddr, end, ram);
    placed.push_back({i, ph.paddr, end});
    plan.segments.push_back({ph.paddr, ph.offset, ph.filesz, ph.memsz});
  }
  if (!any_load) reject("ELF has no PT_LOAD segment");
  if (placed.empty()) reject("ELF has no PT_LOAD segment with p_memsz > 0");

  // Pairwise disjoint: after sorting by start, any overlap shows between neighbours.
  std::vector<Placed> sorted = placed;
  std::sort(sorted.begin(), sorted.end(),
            [](const Placed& a, const Placed& b) { return a.start < b.start; });
  for (size_t k = 1; k < sorted.size(); ++k) {
    const Placed& a = sorted[k - 1];
    const Placed& b = sorted[k];
    if (b.start < a.end) {
      const Placed& lo = a.index < b.index ? a : b;
      const Placed& hi = a.index < b.index ? b : a;
      reject(fmt::format("PT_LOAD segments {} [{:#x}, {:#x}) and {} [{:#x}, {:#x}) overlap",
                         lo.index, lo.start, lo.end, hi.index, hi.start, hi.end));
    }
  }
  plan.image_start = sorted.front().start;
  plan.image_end = 0;
  for (const auto& p : sorted) plan.image_end = std::max(plan.image_end, p.end);

  // The entry must be code the file provides, not bss.
  const bool entry_loaded =
      std::any_of(plan.segments.begin(), plan.segments.end(), [&](const LoadSegment& s) {
        return plan.entry >= s.gpa && plan.entry - s.gpa < s.file_size;
      });
  if (!entry_loaded)
    reject(
        fmt::format("PVH entry {:#x} (XEN_ELFNOTE_PHYS32_ENTRY) is not inside the file-backed part "
                    "[p_paddr, p_paddr + p_filesz) of any PT_LOAD segment",
                    plan.entry));
  return plan;
}

}  // namespace svmm::loader
