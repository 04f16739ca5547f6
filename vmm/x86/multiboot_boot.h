// Writes the Multiboot v1 boot information into guest memory (Multiboot Specification 0.6.96,
// section 3.3; spec/guest-abi.md section 1): the multiboot_info structure with mem_lower /
// mem_upper, the command line, the initrd as one module, the memory map and the boot loader
// name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vmm/memory/layout.h"
#include "vmm/x86/pvh_boot.h"

namespace svmm {

class GuestMemory;

// Where svmm places them (not ABI: the guest follows EBX). In [0x8000, 0x9000), inside svmm's
// boot structure area [0x1000, 0x20000), which Multiboot images may not load into (see
// plan_kernel). The command line goes to kCmdlineAddr like PVH's.
inline constexpr uint64_t kMultibootInfoAddr = 0x8000;
inline constexpr uint64_t kMultibootModuleAddr = 0x8080;      // one 16-byte module entry
inline constexpr uint64_t kMultibootLoaderNameAddr = 0x80C0;  // "svmm"
inline constexpr uint64_t kMultibootModuleStringAddr = 0x8100;
inline constexpr uint64_t kMultibootModuleStringMax = 256;  // including the NUL
inline constexpr uint64_t kMultibootMmapAddr = 0x8200;
inline constexpr uint64_t kMultibootMmapMaxEntries = 32;  // 24 bytes each: ends at 0x8500

// EAX at the entry (3.2 "Machine state").
inline constexpr uint32_t kMultibootBootloaderMagic = 0x2BADB002;

// multiboot_info.flags bits svmm sets.
inline constexpr uint32_t kMultibootInfoMemory = 1u << 0;
inline constexpr uint32_t kMultibootInfoCmdline = 1u << 2;
inline constexpr uint32_t kMultibootInfoMods = 1u << 3;
inline constexpr uint32_t kMultibootInfoMmap = 1u << 6;
inline constexpr uint32_t kMultibootInfoLoaderName = 1u << 9;

struct MultibootBootInfo {
  std::string cmdline;
  std::vector<MemmapEntry> memmap;
  std::optional<InitrdPlacement> initrd;
  std::string initrd_string;  // the module's string (truncated to fit)
};

// The multiboot_info fields, computed from the memory map: mem_lower is the KiB of the RAM
// entry at 0 (at most 640), mem_upper the KiB of the RAM entry at 1 MiB.
struct MultibootMemInfo {
  uint32_t mem_lower = 0;
  uint32_t mem_upper = 0;
};
[[nodiscard]] MultibootMemInfo multiboot_mem_info(const std::vector<MemmapEntry>& memmap);

// Returns the guest-physical address of multiboot_info (for EBX). Throws InternalError if a
// structure does not fit (the caller validated sizes from the config).
uint64_t write_multiboot_info(GuestMemory& memory, const MultibootBootInfo& info);

}  // namespace svmm
