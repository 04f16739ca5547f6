// Writes what the Linux x86 64-bit boot protocol needs into guest memory
// (Documentation/arch/x86/boot.rst, "64-bit BOOT PROTOCOL"; struct boot_params in
// arch/x86/include/uapi/asm/bootparam.h; spec/guest-abi.md section 1): the zero page with the
// kernel's setup header, e820 table, command line and initrd, a GDT with the __BOOT_CS (0x10)
// and __BOOT_DS (0x18) descriptors, and identity-mapped page tables for long mode.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vmm/memory/layout.h"
#include "vmm/x86/pvh_boot.h"
#include "vmm/x86/vcpu_setup.h"

namespace svmm {

class GuestMemory;

// Where svmm places them (not ABI: the guest follows RSI), all in svmm's boot structure area
// [0x1000, 0x20000), below any bzImage (which loads at >= 1 MiB). The command line goes to
// kCmdlineAddr like PVH's.
inline constexpr uint64_t kLinuxGdtAddr = 0x5100;
inline constexpr uint64_t kLinuxZeroPageAddr = 0x9000;
inline constexpr uint64_t kLinuxPml4Addr = 0xA000;
inline constexpr uint64_t kLinuxPdptAddr = 0xB000;
inline constexpr uint64_t kLinuxPdAddr = 0xC000;  // four page directories: 0xC000-0xFFFF
inline constexpr uint64_t kLinuxBootStackTop = 0x1FFF0;
// The identity map covers [0, 4 GiB) in 2 MiB pages: kernel, zero page, command line and initrd
// all lie below 4 GiB.
inline constexpr uint64_t kLinuxIdentityMapEnd = uint64_t{4} << 30;

// Selectors of the 64-bit boot protocol.
inline constexpr uint16_t kLinuxBootCs = 0x10;
inline constexpr uint16_t kLinuxBootDs = 0x18;
inline constexpr uint16_t kLinuxBootTss = 0x20;  // 16-byte descriptor

// struct boot_params offsets (bootparam.h) written besides the copied setup header.
inline constexpr uint64_t kBootParamsTbootAddr = 0x058;
inline constexpr uint64_t kBootParamsAcpiRsdpAddr = 0x070;
inline constexpr uint64_t kBootParamsExtRamdiskImage = 0x0c0;
inline constexpr uint64_t kBootParamsExtRamdiskSize = 0x0c4;
inline constexpr uint64_t kBootParamsExtCmdLinePtr = 0x0c8;
inline constexpr uint64_t kBootParamsE820Entries = 0x1e8;
inline constexpr uint64_t kBootParamsE820Table = 0x2d0;  // 20-byte entries
inline constexpr uint64_t kBootParamsE820Max = 128;

struct LinuxBootInfo {
  std::vector<uint8_t> setup_header;  // KernelPlan::linux_setup_header
  uint64_t kernel_load = 0;           // where the protected-mode kernel was placed
  uint64_t entry = 0;                 // 64-bit entry (kernel_load + 0x200)
  std::string cmdline;
  std::vector<MemmapEntry> memmap;
  std::optional<InitrdPlacement> initrd;
  uint64_t rsdp = 0;  // acpi_rsdp_addr; 0 when there are no ACPI tables
};

// The zero page as bytes (4 KiB), for tests and write_linux_boot.
[[nodiscard]] std::vector<uint8_t> build_linux_zero_page(const LinuxBootInfo& info);

// Writes zero page, command line, GDT and page tables; returns the BSP's 64-bit entry state.
// Throws InternalError if a structure does not fit (the caller validated sizes).
[[nodiscard]] Entry64 write_linux_boot(GuestMemory& memory, const LinuxBootInfo& info);

}  // namespace svmm
