#include "vmm/x86/pvh_boot.h"

#include "protocol/pvh.h"
#include "vmm/memory/guest_memory.h"
#include "vmm/util/error.h"
#include "vmm/x86/boot_gdt.h"

namespace svmm {

namespace {
void must(bool ok, const char* what) {
  if (!ok) throw InternalError(std::string("cannot write the PVH ") + what + " to guest memory");
}
}  // namespace

uint64_t write_pvh_boot_info(GuestMemory& memory, const PvhBootInfo& info) {
  if (info.cmdline.size() + 1 > kCmdlineMax) throw InternalError("command line too long");
  if (info.memmap.size() > kPvhMemmapMaxEntries) throw InternalError("memmap too long");

  svmm_hvm_start_info start{};
  start.magic = SVMM_HVM_START_MAGIC;
  start.version = SVMM_HVM_START_VERSION;
  start.rsdp_paddr = info.rsdp;

  must(memory.fill(GuestAddress(kCmdlineAddr), kCmdlineMax, 0), "command line");
  must(memory.write(GuestAddress(kCmdlineAddr),
                    {reinterpret_cast<const uint8_t*>(info.cmdline.data()), info.cmdline.size()}),
       "command line");
  start.cmdline_paddr = kCmdlineAddr;

  for (size_t i = 0; i < info.memmap.size(); ++i) {
    svmm_hvm_memmap_entry e{};
    e.addr = info.memmap[i].addr;
    e.size = info.memmap[i].size;
    e.type = info.memmap[i].type;
    must(memory.write_obj(GuestAddress(kPvhMemmapAddr + i * sizeof e), e), "memmap");
  }
  start.memmap_paddr = kPvhMemmapAddr;
  start.memmap_entries = static_cast<uint32_t>(info.memmap.size());

  if (info.initrd) {
    svmm_hvm_modlist_entry mod{};
    mod.paddr = info.initrd->gpa;
    mod.size = info.initrd->size;
    must(memory.write_obj(GuestAddress(kPvhModlistAddr), mod), "module list");
    start.nr_modules = 1;
    start.modlist_paddr = kPvhModlistAddr;
  }
  must(memory.write_obj(GuestAddress(kPvhStartInfoAddr), start), "start info");
  return kPvhStartInfoAddr;
}

void write_boot_gdt(GuestMemory& memory) {
  must(memory.write_obj(GuestAddress(kBootGdtAddr), kBootGdt), "GDT");
}

}  // namespace svmm
