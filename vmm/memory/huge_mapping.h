// Anonymous memory mapped 2 MiB-aligned and advised for transparent huge pages. Guest RAM uses
// it (fewer TLB misses for the guest, and an overwrite and unmap of trusted RAM that walks 512
// times fewer pages), and so do image files read whole (a 60 MiB kernel faults in 30 huge
// pages instead of 15000 small ones, which is most of the time it takes to read it).
#pragma once

#include <cstdint>

namespace svmm {

inline constexpr uint64_t kHugePageSize = 2ull << 20;

// Maps `size` bytes (> 0) of zero-filled, private, MAP_NORESERVE memory at a 2 MiB-aligned
// address. Throws InternalError when the mapping fails. Release with ::munmap(p, size).
[[nodiscard]] uint8_t* map_huge_aligned(uint64_t size);

}  // namespace svmm
