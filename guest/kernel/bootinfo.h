/* What the kernel keeps from the PVH start info (protocol/pvh.h). Copied into the kernel's own
 * .bss first thing, before any low memory is touched. */
#ifndef SVMM_GUEST_KERNEL_BOOTINFO_H
#define SVMM_GUEST_KERNEL_BOOTINFO_H

#include <stdint.h>

#include "protocol/pvh.h"

#define BOOTINFO_CMDLINE_MAX 2048 /* including the NUL; svmm's limit too */
#define BOOTINFO_MEMMAP_MAX 64

struct bootinfo {
  uint32_t start_info_gpa;
  uint32_t magic; /* as found in the start info */
  uint32_t version;
  uint64_t rsdp_paddr; /* the ACPI RSDP, 0 if none */
  char cmdline[BOOTINFO_CMDLINE_MAX];
  uint32_t cmdline_truncated;
  uint32_t memmap_entries; /* as many as were copied */
  uint32_t memmap_entries_given;
  struct svmm_hvm_memmap_entry memmap[BOOTINFO_MEMMAP_MAX];
};

extern struct bootinfo bootinfo;

/* Returns 0, or -1 if the start info's magic is wrong (nothing else is copied then). */
int bootinfo_copy(uint32_t start_info_gpa);

#endif
