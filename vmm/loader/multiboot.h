// Multiboot v1 (Multiboot Specification 0.6.96; spec/guest-abi.md section 1): an ELF32 image
// or an "a.out kludge" image (header flags bit 16) carrying a Multiboot header in its first
// 8 KiB. Loader internal.
#pragma once

#include <vector>

#include "vmm/loader/bytes.h"
#include "vmm/loader/image.h"

namespace svmm::loader {

// Multiboot images load at or above this address below 1 MiB: [0, 0x1000) is page 0 and
// [0x1000, 0x20000) holds svmm's boot structures (GDT, multiboot information, command line).
inline constexpr uint64_t kMultibootLowLoadStart = 0x20000;

// The full Multiboot validation described at plan_kernel (image.h). Rejects with the reason.
[[nodiscard]] KernelPlan plan_multiboot(Bytes file, const std::vector<RamRange>& ram);

}  // namespace svmm::loader
