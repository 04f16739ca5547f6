/* The identity map. boot/entry32.S maps 0-4 GiB with 2 MiB pages. RAM above 4 GiB is mapped
 * on demand, one 1 GiB region at a time through a single spare page directory (the region
 * mapped before is unmapped), so the kernel needs no memory for page tables that grows with
 * the guest's RAM. Only the BSP maps on demand. */
#ifndef SVMM_GUEST_KERNEL_PAGING_H
#define SVMM_GUEST_KERNEL_PAGING_H

#include <stdbool.h>
#include <stdint.h>

/* Makes the identity mapping of `pa` present. Returns false if `pa` lies beyond the one PDPT
 * (512 GiB). */
bool paging_ensure_mapped(uint64_t pa);

#endif
