/* Xen PVH boot ABI as svmm implements it (spec/guest-abi.md section 1):
 * the ELF note and the start-info structures handed over in EBX.
 * Layouts follow xen/include/public/arch-x86/hvm/start_info.h (version 1). */
#ifndef SVMM_PROTOCOL_PVH_H
#define SVMM_PROTOCOL_PVH_H

#include <stdint.h>

#define SVMM_XEN_ELFNOTE_PHYS32_ENTRY 18u
#define SVMM_HVM_START_MAGIC 0x336ec578u
#define SVMM_HVM_START_VERSION 1u

struct svmm_hvm_start_info {
  uint32_t magic;
  uint32_t version;
  uint32_t flags;
  uint32_t nr_modules;
  uint64_t modlist_paddr;
  uint64_t cmdline_paddr;
  uint64_t rsdp_paddr;
  uint64_t memmap_paddr;
  uint32_t memmap_entries;
  uint32_t reserved;
};

struct svmm_hvm_modlist_entry {
  uint64_t paddr;
  uint64_t size;
  uint64_t cmdline_paddr;
  uint64_t reserved;
};

struct svmm_hvm_memmap_entry {
  uint64_t addr;
  uint64_t size;
  uint32_t type;
  uint32_t reserved;
};

#ifdef __cplusplus
static_assert(sizeof(struct svmm_hvm_start_info) == 56, "hvm_start_info v1 is 56 bytes");
static_assert(sizeof(struct svmm_hvm_modlist_entry) == 32, "modlist entry is 32 bytes");
static_assert(sizeof(struct svmm_hvm_memmap_entry) == 24, "memmap entry is 24 bytes");
#else
_Static_assert(sizeof(struct svmm_hvm_start_info) == 56, "hvm_start_info v1 is 56 bytes");
_Static_assert(sizeof(struct svmm_hvm_modlist_entry) == 32, "modlist entry is 32 bytes");
_Static_assert(sizeof(struct svmm_hvm_memmap_entry) == 24, "memmap entry is 24 bytes");
#endif

#endif
