#include "vmm/memory/scrub.h"

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

namespace svmm {

namespace {

// Below this a thread costs more to start than it saves.
constexpr uint64_t kBytesPerThread = 32ull << 20;

std::optional<uint64_t> zero_and_verify_one(uint8_t* p, uint64_t n) {
  std::memset(p, 0, n);
  // The reads below keep the memset from being elided; a word-wise OR finds any survivor.
  const uint64_t words = n / 8;
  const auto* w = reinterpret_cast<const uint64_t*>(p);
  uint64_t acc = 0;
  for (uint64_t i = 0; i < words; ++i) acc |= w[i];
  for (uint64_t i = words * 8; i < n; ++i) acc |= p[i];
  if (acc == 0) return std::nullopt;
  for (uint64_t i = 0; i < n; ++i)
    if (p[i] != 0) return i;
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
