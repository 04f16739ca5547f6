// Writes the Xen PVH boot structures into guest memory (spec/guest-abi.md section 1):
// hvm_start_info, its memmap, command line and optional initrd module, and the boot GDT.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vmm/memory/layout.h"

namespace svmm {

class GuestMemory;

// Where svmm places them (not ABI: the guest follows EBX). All in [0x1000, 0x20000), RAM that
// lies below any kernel (which loads at >= 1 MiB).
inline constexpr uint64_t kPvhStartInfoAddr = 0x6000;
inline constexpr uint64_t kPvhModlistAddr = 0x6040;
inline constexpr uint64_t kPvhMemmapAddr = 0x6100;
inline constexpr uint64_t kPvhMemmapMaxEntries = 32;
inline constexpr uint64_t kCmdlineAddr = 0x7000;
inline constexpr uint64_t kCmdlineMax = 2048;  // including the NUL

struct InitrdPlacement {
  uint64_t gpa = 0;
  uint64_t size = 0;
};

struct PvhBootInfo {
  std::string cmdline;
  std::vector<MemmapEntry> memmap;
  std::optional<InitrdPlacement> initrd;
  uint64_t rsdp = 0;
};

// Returns the guest-physical address of hvm_start_info (for EBX). Throws InternalError if a
// structure does not fit (the caller validated sizes from the config).
uint64_t write_pvh_boot_info(GuestMemory& memory, const PvhBootInfo& info);
// The flat GDT of vmm/x86/boot_gdt.h.
void write_boot_gdt(GuestMemory& memory);

}  // namespace svmm
