// Xen PVH direct boot (spec/guest-abi.md section 1; Xen's docs/misc/pvh.pandoc and
// xen/include/public/elfnote.h): an ELF whose XEN_ELFNOTE_PHYS32_ENTRY note gives the 32-bit
// physical entry point. Loader internal.
#pragma once

#include <optional>
#include <vector>

#include "vmm/loader/bytes.h"
#include "vmm/loader/elf.h"
#include "vmm/loader/image.h"

namespace svmm::loader {

// The entry point from the XEN_ELFNOTE_PHYS32_ENTRY note, nullopt when the ELF has none.
// Rejects a note with a descriptor that is not 4 or 8 bytes, or an entry at or above 4 GiB.
[[nodiscard]] std::optional<uint64_t> find_pvh_entry(Bytes file, const ElfFile& elf);

// The full PVH validation described at plan_kernel (image.h). Rejects with the reason.
[[nodiscard]] KernelPlan plan_pvh(Bytes file, const std::vector<RamRange>& ram);

}  // namespace svmm::loader
