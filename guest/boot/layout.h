/* Constants shared by the assembly boot code and C. Plain #defines without C suffixes so that
 * the .S files can include this header too. */
#ifndef SVMM_GUEST_BOOT_LAYOUT_H
#define SVMM_GUEST_BOOT_LAYOUT_H

/* Selectors of the kernel's own GDT (boot/entry32.S). */
#define GUEST_SEL_CODE64 0x08
#define GUEST_SEL_DATA 0x10
#define GUEST_SEL_CODE32 0x18

/* Stacks live in the NOBITS .stack section, which is not zeroed at boot. */
#define GUEST_BSP_STACK_SIZE 0x4000
#define GUEST_AP_STACK_SIZE 0x2000
#define GUEST_MAX_CPUS 64 /* == SVMM_TEST_MAX_CPUS, checked in kernel/smp.c */

/* Real-mode AP trampoline: SIPI vector 0x30 starts APs at 0x3000:0000.
 * == SVMM_TEST_AP_TRAMPOLINE_GPA (guest/test_abi.h), checked in kernel/smp.c. */
#define GUEST_AP_TRAMPOLINE 0x30000

/* Control register, MSR and page table bits the boot code uses. */
#define GUEST_CR0_PE (1 << 0)
#define GUEST_CR0_NW (1 << 29)
#define GUEST_CR0_CD (1 << 30)
#define GUEST_CR0_PG (1 << 31)
#define GUEST_CR4_PAE (1 << 5)
#define GUEST_MSR_EFER 0xC0000080
#define GUEST_EFER_LME (1 << 8)

#define GUEST_PTE_P (1 << 0)
#define GUEST_PTE_W (1 << 1)
#define GUEST_PTE_PWT (1 << 3)
#define GUEST_PTE_PCD (1 << 4)
#define GUEST_PTE_PS (1 << 7)

/* Identity map built at boot: 0-4 GiB in 2 MiB pages (4 page directories). Above 4 GiB,
 * kernel/paging.c maps 1 GiB at a time on demand. */
#define GUEST_BOOT_PDS 4
/* Page directory index where the MMIO hole (3 GiB) starts: mapped uncached. */
#define GUEST_HOLE_PDE_INDEX 1536

#endif
