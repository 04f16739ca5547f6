#include "vmm/memory/scrub.h"

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

namespace svmm {

namespace {

// Below this a thread costs more to start than it saves.
constexpr uint64_t kBytesPerThread = 32ull << 20;

// Written and verified in cache-sized pieces: the read-back of a piece hits the cache its
// memset just filled, so verification costs little beyond the single write pass. The compare
// against a block of zeros (glibc's vectorised memcmp) also keeps the memset from being elided.
constexpr uint64_t kPiece = 64 * 1024;
alignas(64) const uint8_t kZeros[kPiece] = {};

std::optional<uint64_t> zero_and_verify_one(uint8_t* p, uint64_t n) {
  for (uint64_t off = 0; off < n; off += kPiece) {
    const uint64_t len = std::min(kPiece, n - off);
    std::memset(p + off, 0, len);
    if (std::memcmp(p + off, kZeros, len) != 0) {
      for (uint64_t i = 0; i < len; ++i)
        if (p[off + i] != 0) return off + i;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<uint64_t> zero_and_verify(std::span<uint8_t> bytes, unsigned threads) {
  const uint64_t n = bytes.size();
  unsigned t = static_cast<unsigned>(std::clamp<uint64_t>(n / kBytesPerThread, 1, std::max(1u, threads)));
  if (t == 1) return zero_and_verify_one(bytes.data(), n);
  // Chunks aligned to 2 MiB so that threads never share a huge page.
  const uint64_t align = 2ull << 20;
  const uint64_t chunk = ((n / t) + align - 1) / align * align;
  std::vector<std::optional<uint64_t>> bad(t);
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < t; ++i) {
    const uint64_t begin = std::min<uint64_t>(n, uint64_t{i} * chunk);
    const uint64_t end = std::min<uint64_t>(n, begin + chunk);
    workers.emplace_back([&, i, begin, end] {
      if (auto off = zero_and_verify_one(bytes.data() + begin, end - begin)) bad[i] = begin + *off;
    });
  }
  for (auto& w : workers) w.join();
  for (const auto& b : bad)
    if (b) return b;
  return std::nullopt;
}

}  // namespace svmm
