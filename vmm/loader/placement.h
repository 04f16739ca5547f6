// Checks shared by the loaders: where in guest-physical memory an image may be placed
// (loader internal).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vmm/memory/layout.h"

namespace svmm::loader {

// "[0x0, 0x4000000), [0x100000000, ...)" for messages.
[[nodiscard]] std::string describe_ram(const std::vector<RamRange>& ram);

// [start, end) lies inside one RAM range.
[[nodiscard]] bool inside_one_range(uint64_t start, uint64_t end, const std::vector<RamRange>& ram);

}  // namespace svmm::loader
