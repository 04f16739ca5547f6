// The flat GDT svmm hands to a guest at its 32-bit entry (PVH, Multiboot): the guest's own
// segment loads before it installs its GDT then find sane descriptors.
#pragma once

#include <cstdint>

namespace svmm {

inline constexpr uint64_t kBootGdtAddr = 0x5000;
inline constexpr uint16_t kBootCodeSelector = 0x08;
inline constexpr uint16_t kBootDataSelector = 0x10;
inline constexpr uint16_t kBootTssSelector = 0x18;

// null, 32-bit code, data, 32-bit TSS (limit 0x67), 64-bit code.
inline constexpr uint64_t kBootGdt[] = {
    0,
    0x00CF9B000000FFFFull,
    0x00CF93000000FFFFull,
    0x00008B0000000067ull,
    0x00AF9B000000FFFFull,
};

}  // namespace svmm
