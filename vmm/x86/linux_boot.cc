#include "vmm/x86/linux_boot.h"

#include <algorithm>
#include <array>

#include "protocol/memory_map.h"
#include "vmm/loader/bzimage.h"
#include "vmm/memory/guest_memory.h"
#include "vmm/util/error.h"
#include "vmm/x86/boot_gdt.h"
#include "vmm/x86/multiboot_boot.h"

namespace svmm {

static_assert(kLinuxGdtAddr >= kBootGdtAddr + sizeof(kBootGdt) && kLinuxGdtAddr + 48 <= 0x6000);
static_assert(kLinuxZeroPageAddr >= kMultibootMmapAddr + kMultibootMmapMaxEntries * 24);
static_assert(kLinuxPdAddr + 4 * 0x1000 <= 0x10000);

namespace {

void must(bool ok, const char* what) {
  if (!ok) throw InternalError(std::string("cannot write the Linux ") + what + " to guest memory");
}

void put(std::vector<uint8_t>& b, uint64_t off, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i) b.at(off + i) = static_cast<uint8_t>(v >> (8 * i));
}

constexpr uint64_t kPte = 0x3;         // present, writable
constexpr uint64_t kPteLarge = 0x83;   // present, writable, 2 MiB page
constexpr uint8_t kTypeOfLoaderUndefined = 0xff;  // boot.rst: "0xFF: undefined"

// null, null, __BOOT_CS (64-bit code), __BOOT_DS (flat data), 64-bit TSS (16 bytes).
constexpr std::array<uint64_t, 6> kLinuxGdt = {
    0, 0, 0x00AF9B000000FFFFull, 0x00CF93000000FFFFull, 0x00008B0000000067ull, 0,
};

}  // namespace

std::vector<uint8_t> build_linux_zero_page(const LinuxBootInfo& info) {
  using namespace loader;
  std::vector<uint8_t> zp(4096, 0);
  if (info.setup_header.size() > kBzSetupHeaderMaxEnd - kBzSetupSects)
    throw InternalError("Linux setup header too long");
  if (info.memmap.size() > kBootParamsE820Max) throw InternalError("e820 table too long");
  // "copy the setup header into the zero page" (boot.rst), then the loader's fields.
  std::copy(info.setup_header.begin(), info.setup_header.end(),
            zp.begin() + static_cast<std::ptrdiff_t>(kBzSetupSects));
  put(zp, kBzTypeOfLoader, kTypeOfLoaderUndefined, 1);
  put(zp, kBzCode32Start, info.kernel_load, 4);
  put(zp, kBzCmdLinePtr, kCmdlineAddr, 4);
  put(zp, kBootParamsExtCmdLinePtr, 0, 4);
  if (info.initrd) {
    put(zp, kBzRamdiskImage, info.initrd->gpa, 4);  // below initrd_addr_max < 4 GiB
    put(zp, kBzRamdiskSize, info.initrd->size, 4);
  } else {
    put(zp, kBzRamdiskImage, 0, 4);
    put(zp, kBzRamdiskSize, 0, 4);
  }
  put(zp, kBootParamsExtRamdiskImage, 0, 4);
  put(zp, kBootParamsExtRamdiskSize, 0, 4);
  put(zp, kBzHardwareSubarch, 0, 4);  // X86_SUBARCH_PC
  put(zp, kBzSetupData, 0, 8);        // no setup_data list
  put(zp, kBootParamsTbootAddr, 0, 8);
  put(zp, kBootParamsAcpiRsdpAddr, info.rsdp, 8);
  put(zp, kBootParamsE820Entries, info.memmap.size(), 1);
  for (size_t i = 0; i < info.memmap.size(); ++i) {
    const uint64_t off = kBootParamsE820Table + i * 20;
    put(zp, off, info.memmap[i].addr, 8);
    put(zp, off + 8, info.memmap[i].size, 8);
    put(zp, off + 16, info.memmap[i].type, 4);
  }
  return zp;
}

Entry64 write_linux_boot(GuestMemory& memory, const LinuxBootInfo& info) {
  if (info.cmdline.size() + 1 > kCmdlineMax) throw InternalError("command line too long");
  must(memory.fill(GuestAddress(kCmdlineAddr), kCmdlineMax, 0), "command line");
  must(memory.write(GuestAddress(kCmdlineAddr),
                    {reinterpret_cast<const uint8_t*>(info.cmdline.data()), info.cmdline.size()}),
       "command line");
  must(memory.write(GuestAddress(kLinuxZeroPageAddr), build_linux_zero_page(info)), "zero page");
  must(memory.write_obj(GuestAddress(kLinuxGdtAddr), kLinuxGdt), "GDT");

  // Identity map of [0, 4 GiB): PML4[0] -> PDPT, PDPT[0..3] -> four PDs of 2 MiB pages.
  must(memory.fill(GuestAddress(kLinuxPml4Addr), 0x2000, 0), "page tables");
  must(memory.write_obj(GuestAddress(kLinuxPml4Addr), kLinuxPdptAddr | kPte), "page tables");
  for (uint64_t i = 0; i < 4; ++i) {
    const uint64_t pd = kLinuxPdAddr + i * 0x1000;
    must(memory.write_obj(GuestAddress(kLinuxPdptAddr + i * 8), pd | kPte), "page tables");
    std::array<uint64_t, 512> entries{};
    for (uint64_t j = 0; j < 512; ++j)
      entries[j] = ((i << 30) + (j << 21)) | kPteLarge;
    must(memory.write_obj(GuestAddress(pd), entries), "page tables");
  }

  Entry64 e;
  e.rip = info.entry;
  e.rsi = kLinuxZeroPageAddr;
  e.rsp = kLinuxBootStackTop;
  e.cr3 = kLinuxPml4Addr;
  e.gdt_base = kLinuxGdtAddr;
  e.gdt_limit = sizeof(kLinuxGdt) - 1;
  e.cs = kLinuxBootCs;
  e.ds = kLinuxBootDs;
  e.tr = kLinuxBootTss;
  return e;
}

}  // namespace svmm
