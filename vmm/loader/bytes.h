// Bounds- and overflow-checked access to the bytes of an image file (loader internal).
// Every read of the file goes through here: nothing reads outside the span.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>

namespace svmm::loader {

using Bytes = std::span<const uint8_t>;

// a + b, or false when it wraps.
[[nodiscard]] inline bool checked_add(uint64_t a, uint64_t b, uint64_t& out) {
  return !__builtin_add_overflow(a, b, &out);
}

// a * b, or false when it wraps.
[[nodiscard]] inline bool checked_mul(uint64_t a, uint64_t b, uint64_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}

// [offset, offset + length) lies inside [0, size).
[[nodiscard]] inline bool range_inside(uint64_t offset, uint64_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

// Round up to a power-of-two alignment, or false when it wraps.
[[nodiscard]] inline bool checked_align_up(uint64_t v, uint64_t align, uint64_t& out) {
  uint64_t t = 0;
  if (!checked_add(v, align - 1, t)) return false;
  out = t & ~(align - 1);
  return true;
}

// Little-endian loads. Callers check the range first; a read outside the span is a loader bug
// and throws std::logic_error instead of reading out of bounds.
template <typename T>
[[nodiscard]] inline T load_le(Bytes b, uint64_t offset) {
  if (!range_inside(offset, sizeof(T), b.size()))
    throw std::logic_error("loader: read outside the image (bug)");
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    v |= static_cast<T>(static_cast<T>(b[offset + i]) << (8 * i));
  return v;
}

[[nodiscard]] inline uint16_t le16(Bytes b, uint64_t off) { return load_le<uint16_t>(b, off); }
[[nodiscard]] inline uint32_t le32(Bytes b, uint64_t off) { return load_le<uint32_t>(b, off); }
[[nodiscard]] inline uint64_t le64(Bytes b, uint64_t off) { return load_le<uint64_t>(b, off); }

}  // namespace svmm::loader
