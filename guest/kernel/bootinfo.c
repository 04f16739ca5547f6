#include "kernel/bootinfo.h"

#include "kernel/paging.h"
#include "kernel/string.h"
#include "kernel/x86.h"

struct bootinfo bootinfo;

int bootinfo_copy(uint32_t start_info_gpa) {
  const struct svmm_hvm_start_info* si =
      (const struct svmm_hvm_start_info*)(uintptr_t)start_info_gpa;
  bootinfo.start_info_gpa = start_info_gpa;
  bootinfo.magic = si->magic;
  bootinfo.version = si->version;
  if (si->magic != SVMM_HVM_START_MAGIC) return -1;
  bootinfo.rsdp_paddr = si->rsdp_paddr;

  if (si->cmdline_paddr) {
    uint64_t pa = si->cmdline_paddr;
    uint32_t n = 0;
    for (; n + 1 < BOOTINFO_CMDLINE_MAX; ++n, ++pa) {
      paging_ensure_mapped(pa);
      char c = (char)phys_read8(pa);
      if (!c) break;
      bootinfo.cmdline[n] = c;
    }
    bootinfo.cmdline[n] = '\0';
    bootinfo.cmdline_truncated = n + 1 == BOOTINFO_CMDLINE_MAX;
  }

  bootinfo.memmap_entries_given = si->memmap_entries;
  uint32_t count = si->memmap_entries;
  if (count > BOOTINFO_MEMMAP_MAX) count = BOOTINFO_MEMMAP_MAX;
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t pa = si->memmap_paddr + i * sizeof(struct svmm_hvm_memmap_entry);
    paging_ensure_mapped(pa);
    paging_ensure_mapped(pa + sizeof(struct svmm_hvm_memmap_entry) - 1);
    memcpy(&bootinfo.memmap[i], (const void*)(uintptr_t)pa, sizeof bootinfo.memmap[i]);
  }
  bootinfo.memmap_entries = count;
  return 0;
}
