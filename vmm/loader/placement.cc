#include "vmm/loader/placement.h"

#include <fmt/format.h>

#include <algorithm>

#include "vmm/loader/bytes.h"

namespace svmm::loader {

std::string describe_ram(const std::vector<RamRange>& ram) {
  std::string s;
  for (const auto& r : ram) {
    if (!s.empty()) s += ", ";
    uint64_t end = 0;
    if (!checked_add(r.start, r.size, end)) end = UINT64_MAX;
    s += fmt::format("[{:#x}, {:#x})", r.start, end);
  }
  return s.empty() ? "none" : s;
}

bool inside_one_range(uint64_t start, uint64_t end, const std::vector<RamRange>& ram) {
  return std::any_of(ram.begin(), ram.end(), [&](const RamRange& r) {
    uint64_t r_end = 0;
    if (!checked_add(r.start, r.size, r_end)) r_end = UINT64_MAX;
    return start >= r.start && end <= r_end;
  });
}

}  // namespace svmm::loader
