#include "kernel/paging.h"

#include "boot/layout.h"
#include "kernel/x86.h"

#define GIB_SHIFT 30
#define PDE_SHIFT 21
#define ENTRIES 512
#define PAGE_FLAGS ((uint64_t)(GUEST_PTE_P | GUEST_PTE_W | GUEST_PTE_U))

extern uint64_t boot_pdpt[ENTRIES]; /* boot/entry32.S */

static uint64_t window_pd[ENTRIES] __attribute__((aligned(4096)));
static uint64_t window_gib; /* 0: the window is unused (GiB 0 is always mapped) */

bool paging_ensure_mapped(uint64_t pa) {
  uint64_t gib = pa >> GIB_SHIFT;
  if (gib < GUEST_BOOT_PDS) return true;
  if (gib >= ENTRIES) return false;
  if (gib == window_gib) return true;
  if (window_gib) boot_pdpt[window_gib] = 0;
  for (uint64_t i = 0; i < ENTRIES; ++i)
    window_pd[i] = (gib << GIB_SHIFT) + (i << PDE_SHIFT) + PAGE_FLAGS + GUEST_PTE_PS;
  boot_pdpt[gib] = (uint64_t)(uintptr_t)window_pd + PAGE_FLAGS;
  window_gib = gib;
  write_cr3(read_cr3()); /* drop stale translations of the previous region */
  return true;
}
