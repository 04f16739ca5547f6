#include "vmm/memory/layout.h"

#include <algorithm>

#include "protocol/memory_map.h"

namespace svmm {

uint64_t low_ram_end(uint64_t memory_mib) {
  return std::min<uint64_t>(memory_mib * SVMM_MIB, SVMM_LOW_RAM_MAX);
}

std::vector<RamRange> ram_ranges(uint64_t memory_mib) {
  std::vector<RamRange> out;
  const uint64_t total = memory_mib * SVMM_MIB;
  const uint64_t low = low_ram_end(memory_mib);
  out.push_back({0, low});
  if (total > low) out.push_back({SVMM_HIGH_RAM_START, total - low});
  return out;
}

std::vector<MemmapEntry> guest_memmap(uint64_t memory_mib, bool chipset_areas) {
  const uint64_t low = low_ram_end(memory_mib);
  const uint64_t total = memory_mib * SVMM_MIB;
  std::vector<MemmapEntry> out;
  out.push_back({0, SVMM_E820_LOW_RAM_END, SVMM_E820_RAM});
  out.push_back({SVMM_E820_LOW_RAM_END, SVMM_E820_HIGH_AREA_START - SVMM_E820_LOW_RAM_END,
                 SVMM_E820_RESERVED});
  // memory_mib >= 2 (config.md), so low RAM always reaches past 1 MiB.
  const uint64_t ram_top = chipset_areas ? low - SVMM_CHIPSET_AREA_SIZE : low;
  if (ram_top > SVMM_E820_HIGH_AREA_START)
    out.push_back({SVMM_E820_HIGH_AREA_START, ram_top - SVMM_E820_HIGH_AREA_START, SVMM_E820_RAM});
  if (chipset_areas) out.push_back({ram_top, SVMM_CHIPSET_AREA_SIZE, SVMM_E820_RESERVED});
  if (total > low) out.push_back({SVMM_HIGH_RAM_START, total - low, SVMM_E820_RAM});
  return out;
}

}  // namespace svmm
