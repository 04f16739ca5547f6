// The guest-physical memory layout of spec/guest-abi.md section 2, computed from the RAM size.
#pragma once

#include <cstdint>
#include <vector>

namespace svmm {

struct RamRange {
  uint64_t start = 0;
  uint64_t size = 0;
  [[nodiscard]] uint64_t end() const { return start + size; }
};

struct MemmapEntry {
  uint64_t addr = 0;
  uint64_t size = 0;
  uint32_t type = 0;  // SVMM_E820_RAM or SVMM_E820_RESERVED
};

// RAM backing ranges, one KVM memory slot each: [0, min(M, 3 GiB)) and, when M > 3 GiB,
// [4 GiB, 4 GiB + M - 3 GiB).
[[nodiscard]] std::vector<RamRange> ram_ranges(uint64_t memory_mib);

// The memory map the guest sees (e820 / PVH memmap / Multiboot mmap). The guest OS has the
// chipset's SINIT/HEAP areas reserved in the last MiB of low RAM; trusted VMs do not.
[[nodiscard]] std::vector<MemmapEntry> guest_memmap(uint64_t memory_mib, bool chipset_areas);

// End of RAM below 4 GiB (L in the spec).
[[nodiscard]] uint64_t low_ram_end(uint64_t memory_mib);

}  // namespace svmm
