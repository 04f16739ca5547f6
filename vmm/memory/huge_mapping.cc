#include "vmm/memory/huge_mapping.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "vmm/util/error.h"

namespace svmm {

uint8_t* map_huge_aligned(uint64_t size) {
  // Whole pages: munmap(p, size) rounds the length up the same way, so it releases exactly
  // this mapping (the trim below must cut at a page boundary too).
  constexpr uint64_t kPage = 4096;
  const uint64_t len = (size + kPage - 1) & ~(kPage - 1);
  const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
  void* p = ::mmap(nullptr, len + kHugePageSize, PROT_READ | PROT_WRITE, flags, -1, 0);
  if (p == MAP_FAILED)
    throw InternalError("cannot map " + std::to_string(size) + " bytes of memory: " +
                        std::strerror(errno));
  auto base = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (base + kHugePageSize - 1) & ~(kHugePageSize - 1);
  if (aligned > base) ::munmap(p, aligned - base);
  const uintptr_t end = aligned + len;
  const uintptr_t map_end = base + len + kHugePageSize;
  if (map_end > end) ::munmap(reinterpret_cast<void*>(end), map_end - end);
  // Advisory: without THP the mapping simply uses small pages.
  (void)::madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);
  return reinterpret_cast<uint8_t*>(aligned);
}

}  // namespace svmm
