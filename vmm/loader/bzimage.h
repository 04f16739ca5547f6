// The Linux x86 boot protocol for bzImages (Documentation/arch/x86/boot.rst, "The real-mode
// kernel header"; arch/x86/include/uapi/asm/bootparam.h). Loader internal.
#pragma once

#include <cstdint>
#include <vector>

#include "vmm/loader/bytes.h"
#include "vmm/loader/image.h"

namespace svmm::loader {

// File offsets of the setup header fields used (== their offsets in struct boot_params).
inline constexpr uint64_t kBzSetupSects = 0x1f1;  // start of struct setup_header
inline constexpr uint64_t kBzSyssize = 0x1f4;
inline constexpr uint64_t kBzJump = 0x200;  // its second byte gives the header's length
inline constexpr uint64_t kBzVersion = 0x206;
inline constexpr uint64_t kBzTypeOfLoader = 0x210;
inline constexpr uint64_t kBzLoadflags = 0x211;
inline constexpr uint64_t kBzCode32Start = 0x214;
inline constexpr uint64_t kBzRamdiskImage = 0x218;
inline constexpr uint64_t kBzRamdiskSize = 0x21c;
inline constexpr uint64_t kBzCmdLinePtr = 0x228;
inline constexpr uint64_t kBzInitrdAddrMax = 0x22c;
inline constexpr uint64_t kBzKernelAlignment = 0x230;
inline constexpr uint64_t kBzRelocatableKernel = 0x234;
inline constexpr uint64_t kBzXloadflags = 0x236;
inline constexpr uint64_t kBzCmdlineSize = 0x238;
inline constexpr uint64_t kBzHardwareSubarch = 0x23c;
inline constexpr uint64_t kBzSetupData = 0x250;
inline constexpr uint64_t kBzPrefAddress = 0x258;
inline constexpr uint64_t kBzInitSize = 0x260;
inline constexpr uint64_t kBzHeaderFieldsEnd = 0x264;  // up to init_size: protocol 2.10+
inline constexpr uint64_t kBzSetupHeaderMaxEnd = 0x290;  // edd_mbr_sig_buffer follows hdr
inline constexpr uint8_t kLoadflagsLoadedHigh = 1u << 0;
// The 64-bit entry point lies 0x200 bytes into the protected-mode kernel (boot.rst, "64-bit
// BOOT PROTOCOL").
inline constexpr uint64_t kBzEntry64Offset = 0x200;

// The full Linux validation described at plan_kernel (image.h). Rejects with the reason.
[[nodiscard]] KernelPlan plan_bzimage(Bytes file, const std::vector<RamRange>& ram);

}  // namespace svmm::loader
