// Byte helpers for the firmware tables svmm writes (MP table, ACPI): both define their
// checksums the same way, the byte that makes the covered bytes sum to zero (MultiProcessor
// Specification 1.4 section 4; ACPI 6.5 section 5.2.5.3 and 5.2.6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace svmm::table_bytes {

inline uint8_t checksum(const uint8_t* p, std::size_t n) {
  uint8_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum = static_cast<uint8_t>(sum + p[i]);
  return static_cast<uint8_t>(-sum);
}

// Appends the bytes of a packed table structure.
template <typename T>
void append(std::vector<uint8_t>& out, const T& v) {
  static_assert(std::is_trivially_copyable_v<T>);
  const auto* p = reinterpret_cast<const uint8_t*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}

}  // namespace svmm::table_bytes
