#include "vmm/loader/bzimage.h"

#include <fmt/format.h>

#include <algorithm>

#include "protocol/memory_map.h"
#include "vmm/loader/detect.h"
#include "vmm/loader/placement.h"
#include "vmm/loader/reject.h"

namespace svmm::loader {

KernelPlan plan_bzimage(Bytes file, const std::vector<RamRange>& ram) {
  const auto probe = probe_bzimage(file);  // HdrS, version >= 2.06, XLF_KERNEL_64
  if (!probe.match) reject(probe.reason);
  const uint16_t version = le16(file, kBzVersion);

  // "The end of setup header can be calculated as follows: 0x0202 + byte value at offset
  // 0x0201" (boot.rst). XLF_KERNEL_64 exists from protocol 2.12 on, so the header must reach
  // at least init_size (2.10).
  const uint64_t header_end = 0x202 + uint64_t{file[kBzJump + 1]};
  if (header_end < kBzHeaderFieldsEnd)
    reject(fmt::format(
        "bzImage setup header ends at {:#x} (0x202 + the byte at 0x201), before init_size "
        "(needs {:#x})",
        header_end, kBzHeaderFieldsEnd));
  if (!range_inside(0, header_end, file.size()))
    reject(fmt::format("bzImage setup header truncated: it ends at {:#x}, the file has {} bytes",
                       header_end, file.size()));
  if (version < 0x020a)
    reject(fmt::format("bzImage boot protocol version {}.{:02} has no pref_address/init_size "
                       "(2.10 or newer is needed)",
                       version >> 8, version & 0xff));

  // setup_sects 0 means 4 (boot.rst); the protected-mode kernel follows the real-mode part.
  uint64_t setup_sects = file[kBzSetupSects];
  if (setup_sects == 0) setup_sects = 4;
  const uint64_t setup_size = (setup_sects + 1) * 512;  // <= 256 * 512
  if (setup_size >= file.size())
    reject(fmt::format(
        "bzImage has no protected-mode kernel: setup_sects {} puts it at file offset {:#x}, the "
        "file has {} bytes",
        setup_sects, setup_size, file.size()));
  const uint64_t kernel_size = file.size() - setup_size;
  const uint64_t syssize = le32(file, kBzSyssize);  // in 16-byte paragraphs
  if (syssize * 16 > kernel_size + 15)              // syssize < 2^32: no wrap
    reject(fmt::format(
        "bzImage truncated: syssize says the protected-mode kernel has {} bytes, the file holds "
        "{}",
        syssize * 16, kernel_size));
  if ((file[kBzLoadflags] & kLoadflagsLoadedHigh) == 0)
    reject("bzImage loadflags bit 0 (LOADED_HIGH) is clear: zImages loaded at 0x10000 are not "
           "supported");

  const uint64_t pref_address = le64(file, kBzPrefAddress);
  const uint64_t init_size = le32(file, kBzInitSize);
  const uint64_t alignment = le32(file, kBzKernelAlignment);
  const bool relocatable = file[kBzRelocatableKernel] != 0;
  if (relocatable && (alignment == 0 || (alignment & (alignment - 1)) != 0))
    reject(fmt::format("bzImage kernel_alignment {:#x} is not a power of two", alignment));
  if (relocatable && pref_address % alignment != 0)
    reject(fmt::format("bzImage pref_address {:#x} is not aligned to kernel_alignment {:#x}",
                       pref_address, alignment));
  // Loaded at pref_address: a relocatable 64-bit kernel moves itself up to its
  // LOAD_PHYSICAL_ADDR (== pref_address) anyway (arch/x86/boot/compressed/head_64.S), so a
  // lower address would not save memory. It needs [pref_address, pref_address + init_size).
  const uint64_t need = std::max(init_size, kernel_size);
  uint64_t end = 0;
  if (!checked_add(pref_address, need, end))
    reject(fmt::format("bzImage pref_address {:#x} + init_size {:#x} overflows", pref_address,
                       need));
  if (pref_address < SVMM_E820_HIGH_AREA_START)
    reject(fmt::format("bzImage pref_address {:#x} is below 1 MiB", pref_address));
  if (pref_address < SVMM_MMIO_HOLE_END && end > SVMM_MMIO_HOLE_START)
    reject(fmt::format("bzImage load range [{:#x}, {:#x}) overlaps the MMIO hole [{:#x}, {:#x})",
                       pref_address, end, SVMM_MMIO_HOLE_START, SVMM_MMIO_HOLE_END));
  if (!inside_one_range(pref_address, end, ram))
    reject(fmt::format(
        "bzImage needs [{:#x}, {:#x}) (pref_address + max(init_size, kernel size)) inside guest "
        "RAM ({})",
        pref_address, end, describe_ram(ram)));

  KernelPlan plan;
  plan.protocol = BootProtocol::Linux;
  // mem_size covers init_size: the area the kernel decompresses into is zeroed and, like any
  // segment, checked against the memory map's RAM (not the chipset's reserved areas).
  plan.segments.push_back({pref_address, setup_size, kernel_size, need});
  plan.entry = pref_address + kBzEntry64Offset;  // < end: kernel_size > 0 checked below
  if (kernel_size <= kBzEntry64Offset)
    reject(fmt::format("bzImage protected-mode kernel ({} bytes) does not reach the 64-bit entry "
                       "at offset {:#x}",
                       kernel_size, kBzEntry64Offset));
  plan.image_start = pref_address;
  plan.image_end = end;
  // initrd_addr_max is "the maximum address that may be occupied by the initial ramdisk".
  plan.initrd_limit = std::min<uint64_t>(uint64_t{le32(file, kBzInitrdAddrMax)} + 1,
                                         SVMM_MMIO_HOLE_END);
  plan.cmdline_limit = le32(file, kBzCmdlineSize);
  const uint64_t copy_end = std::min(header_end, kBzSetupHeaderMaxEnd);
  plan.linux_setup_header.assign(file.begin() + static_cast<std::ptrdiff_t>(kBzSetupSects),
                                 file.begin() + static_cast<std::ptrdiff_t>(copy_end));
  return plan;
}

}  // namespace svmm::loader
