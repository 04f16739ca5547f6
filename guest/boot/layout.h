/* Constants shared by the assembly boot code and C. Plain #defines without C suffixes so that
 * the .S files can include this header too. */
#ifndef SVMM_GUEST_BOOT_LAYOUT_H
#define SVMM_GUEST_BOOT_LAYOUT_H

/* Selectors of the kernel's own GDT (boot/entry32.S). */
#define GUEST_SEL_CODE64 0x08
#define GUEST_SEL_DATA 0x10
#define GUEST_SEL_CODE32 0x18
/* User (CPL 3) segments: DPL 3 data and 64-bit code. The selectors user code runs with carry
 * RPL 3 (GUEST_SEL_USER_DATA | 3, GUEST_SEL_USER_CODE64 | 3). */
#define GUEST_SEL_USER_DATA 0x20
#define GUEST_SEL_USER_CODE64 0x28
#define GUEST_RPL_USER 3
/* Then one 16-byte 64-bit TSS descriptor per CPU that can run user code (kernel/usermode.c
 * fills them in at run time): CPU k uses selector GUEST_SEL_TSS0 + 16 k. */
#define GUEST_SEL_TSS0 0x30
#define GUEST_USER_CPUS 8
#define GUEST_GDT_SIZE (GUEST_SEL_TSS0 + 16 * GUEST_USER_CPUS)

/* Stacks live in the NOBITS .stack section, which is not zeroed at boot. */
#define GUEST_BSP_STACK_SIZE 0x4000
#define GUEST_AP_STACK_SIZE 0x2000
/* CPL 3 stack of each CPU that runs user code. */
#define GUEST_USER_STACK_SIZE 0x4000
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
#define GUEST_PTE_U (1 << 2) /* every entry has it: user code reaches all of RAM and the hole */
#define GUEST_PTE_PWT (1 << 3)
#define GUEST_PTE_PCD (1 << 4)
#define GUEST_PTE_PS (1 << 7)

/* Identity map built at boot: 0-4 GiB in 2 MiB pages (4 page directories). Above 4 GiB,
 * kernel/paging.c maps 1 GiB at a time on demand. */
#define GUEST_BOOT_PDS 4
/* Page directory index where the MMIO hole (3 GiB) starts: mapped uncached. */
#define GUEST_HOLE_PDE_INDEX 1536

/* Interrupt vectors the kernel uses besides the exceptions 0-31. */
#define GUEST_VECTOR_TIMER 0x30       /* local APIC timer (kernel/idle.c) */
/* Gates that CPL 3 code reaches with INT n (DPL 3). kvm_pvm lets user code issue only INT 3,
 * INT 4 and INT 0x80 (others #GP), and INT 0x80 raises #UD there; so the kernel uses 3 and 4,
 * and never executes INT3 itself. */
#define GUEST_VECTOR_USER_RETURN 3 /* int $3 from CPL 3: back to user_call's caller */
#define GUEST_VECTOR_STATE_CHECK 4 /* int $4 from CPL 3: state-check's CPL 0 part */
#define GUEST_VECTOR_SPURIOUS 0xFF    /* local APIC spurious vector */

#endif
