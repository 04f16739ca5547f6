// Cutting an access into per-register parts (spec/chipset.md section 1: an access straddling
// registers is split per byte; consecutive bytes of one register stay together so that a
// register, and a command, sees one access).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include "chipset/access_rules.h"
#include "chipset/register_table.h"

namespace svmm {

struct RegisterPart {
  const RegisterDef* reg = nullptr;  // nullptr: unassigned bytes
  uint64_t offset = 0;               // window offset of the part's first byte
  std::size_t index = 0;             // first byte of the part inside the access
  std::size_t length = 0;

  // Offset of the part's first byte inside its register.
  [[nodiscard]] uint64_t sub_offset() const { return reg ? offset - reg->offset : 0; }
};

// The register holding byte `i` of an access at `offset` (nullptr past the address space).
[[nodiscard]] inline const RegisterDef* register_at(uint64_t offset, std::size_t i) {
  if (i > std::numeric_limits<uint64_t>::max() - offset) return nullptr;
  return find_register(offset + i);
}

// Calls f(part) for each part in order while f returns true.
template <typename F>
void for_each_part(uint64_t offset, std::size_t size, F&& f) {
  std::size_t i = 0;
  while (i < size) {
    const RegisterDef* reg = register_at(offset, i);
    std::size_t j = i + 1;
    while (j < size && register_at(offset, j) == reg) ++j;
    if (!f(RegisterPart{reg, offset + i, i, j - i})) return;
    i = j;
  }
}

// A part's written bytes placed at their position inside the 64-bit register.
[[nodiscard]] inline WriteBits write_bits(const RegisterPart& part, std::span<const uint8_t> data) {
  WriteBits bits;
  const uint64_t sub = part.sub_offset();
  for (std::size_t k = 0; k < part.length && sub + k < 8; ++k) {
    const unsigned shift = static_cast<unsigned>(8 * (sub + k));
    bits.value |= uint64_t{data[part.index + k]} << shift;
    bits.byte_mask |= uint64_t{0xFF} << shift;
  }
  return bits;
}

}  // namespace svmm
