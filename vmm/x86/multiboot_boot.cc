#include "vmm/x86/multiboot_boot.h"

#include <algorithm>
#include <array>

#include "protocol/memory_map.h"
#include "vmm/loader/multiboot.h"
#include "vmm/memory/guest_memory.h"
#include "vmm/util/error.h"

namespace svmm {

static_assert(kMultibootMmapAddr + kMultibootMmapMaxEntries * 24 <= 0x9000);
static_assert(kCmdlineAddr + kCmdlineMax <= kMultibootInfoAddr);
static_assert(kMultibootInfoAddr + 0x1000 <= loader::kMultibootLowLoadStart);

namespace {

void must(bool ok, const char* what) {
  if (!ok)
    throw InternalError(std::string("cannot write the Multiboot ") + what + " to guest memory");
}

// struct multiboot_info (3.3), up to the boot loader name: 0x44 bytes.
constexpr size_t kInfoSize = 0x44;
constexpr size_t kOffFlags = 0x00, kOffMemLower = 0x04, kOffMemUpper = 0x08, kOffCmdline = 0x10,
                 kOffModsCount = 0x14, kOffModsAddr = 0x18, kOffMmapLength = 0x2C,
                 kOffMmapAddr = 0x30, kOffLoaderName = 0x40;

void put32(uint8_t* p, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[off + i] = static_cast<uint8_t>(v >> (8 * i));
}
void put64(uint8_t* p, size_t off, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

void write_string(GuestMemory& memory, uint64_t gpa, const std::string& s, uint64_t max,
                  const char* what) {
  const size_t n = std::min<size_t>(s.size(), max - 1);
  must(memory.fill(GuestAddress(gpa), max, 0), what);
  must(memory.write(GuestAddress(gpa), {reinterpret_cast<const uint8_t*>(s.data()), n}), what);
}

}  // namespace

MultibootMemInfo multiboot_mem_info(const std::vector<MemmapEntry>& memmap) {
  MultibootMemInfo m;
  for (const auto& e : memmap) {
    if (e.type != SVMM_E820_RAM) continue;
    if (e.addr == 0) m.mem_lower = static_cast<uint32_t>(std::min<uint64_t>(e.size / 1024, 640));
    if (e.addr == SVMM_E820_HIGH_AREA_START)
      m.mem_upper = static_cast<uint32_t>(std::min<uint64_t>(e.size / 1024, UINT32_MAX));
  }
  return m;
}

uint64_t write_multiboot_info(GuestMemory& memory, const MultibootBootInfo& info) {
  if (info.cmdline.size() + 1 > kCmdlineMax) throw InternalError("command line too long");
  if (info.memmap.size() > kMultibootMmapMaxEntries) throw InternalError("memmap too long");

  std::array<uint8_t, kInfoSize> mbi{};
  const uint32_t flags = kMultibootInfoMemory | kMultibootInfoCmdline | kMultibootInfoMods |
                   kMultibootInfoMmap | kMultibootInfoLoaderName;
  const auto mem = multiboot_mem_info(info.memmap);
  put32(mbi.data(), kOffMemLower, mem.mem_lower);
  put32(mbi.data(), kOffMemUpper, mem.mem_upper);

  write_string(memory, kCmdlineAddr, info.cmdline, kCmdlineMax, "command line");
  put32(mbi.data(), kOffCmdline, static_cast<uint32_t>(kCmdlineAddr));

  // mods: the initrd as the one module (mods_count 0 without one).
  put32(mbi.data(), kOffModsAddr, static_cast<uint32_t>(kMultibootModuleAddr));
  if (info.initrd) {
    std::array<uint8_t, 16> mod{};
    put32(mod.data(), 0, static_cast<uint32_t>(info.initrd->gpa));  // initrd below 4 GiB
    put32(mod.data(), 4, static_cast<uint32_t>(info.initrd->gpa + info.initrd->size));
    put32(mod.data(), 8, static_cast<uint32_t>(kMultibootModuleStringAddr));
    write_string(memory, kMultibootModuleStringAddr, info.initrd_string,
                 kMultibootModuleStringMax, "module string");
    must(memory.write(GuestAddress(kMultibootModuleAddr), mod), "module list");
    put32(mbi.data(), kOffModsCount, 1);
  }

  // mmap: entries of size (4 bytes, not counting itself), base_addr, length, type.
  for (size_t i = 0; i < info.memmap.size(); ++i) {
    std::array<uint8_t, 24> e{};
    put32(e.data(), 0, 20);
    put64(e.data(), 4, info.memmap[i].addr);
    put64(e.data(), 12, info.memmap[i].size);
    put32(e.data(), 20, info.memmap[i].type);
    must(memory.write(GuestAddress(kMultibootMmapAddr + i * e.size()), e), "memory map");
  }
  put32(mbi.data(), kOffMmapLength, static_cast<uint32_t>(info.memmap.size() * 24));
  put32(mbi.data(), kOffMmapAddr, static_cast<uint32_t>(kMultibootMmapAddr));

  write_string(memory, kMultibootLoaderNameAddr, "svmm", 0x40, "boot loader name");
  put32(mbi.data(), kOffLoaderName, static_cast<uint32_t>(kMultibootLoaderNameAddr));
  put32(mbi.data(), kOffFlags, flags);
  must(memory.write(GuestAddress(kMultibootInfoAddr), mbi), "information structure");
  return kMultibootInfoAddr;
}

}  // namespace svmm
