// Overwriting memory that held trusted data (spec/guest-abi.md section 6, step 3): zero every
// byte, then read it all back and verify it is zero, split over several threads for large
// ranges.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace svmm {

// Zeroes `bytes` and verifies it. Returns nullopt on success, else the offset of the first
// byte that did not read back as zero. `threads` >= 1; small ranges use one thread.
[[nodiscard]] std::optional<uint64_t> zero_and_verify(std::span<uint8_t> bytes, unsigned threads);

}  // namespace svmm
