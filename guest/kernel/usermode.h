/* User mode (CPL 3) and the vector-register set-up.
 *
 * The kernel runs at CPL 0, which kvm_pvm emulates instruction by instruction and where any
 * SSE/AVX/x87 instruction ends the VM; CPL 3 code runs natively there. So vector-register work
 * and big memory fills run at CPL 3 through user_call(), in functions compiled without
 * -mgeneral-regs-only (guest/simd/, section .text.user, checked by guest/check_cpl0_simd.sh),
 * and CPL 0 code never executes them. OUT faults at CPL 3 (#GP: IOPL 0, no I/O bitmap) and so
 * does printing: user functions only compute and touch memory / MMIO. */
#ifndef SVMM_GUEST_KERNEL_USERMODE_H
#define SVMM_GUEST_KERNEL_USERMODE_H

#include <stdbool.h>
#include <stdint.h>

#include "boot/layout.h"

struct __attribute__((packed)) tss64 {
  uint32_t reserved0;
  uint64_t rsp0, rsp1, rsp2;
  uint64_t reserved1;
  uint64_t ist[7];
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t iomap_base;
};
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS");

/* What user code may use (decided once, on the BSP, by user_init). */
struct fpu_caps {
  bool avx_tried;   /* CPUID offered XSAVE + AVX and avx=0 was not given */
  bool osxsave;     /* CR4.OSXSAVE could be set */
  bool xsetbv;      /* XSETBV x87|SSE|AVX worked and XGETBV reads it back */
  bool avx;         /* YMM usable at CPL 3 (probed there) */
  bool avx2;        /* CPUID leaf 7 EBX bit 5, and avx */
  bool rdrand;      /* CPUID leaf 1 ECX bit 30 */
  uint64_t xcr0;
};
extern struct fpu_caps fpu_caps;

typedef uint64_t (*user_fn)(uint64_t arg);

/* The BSP's set-up: the IDT gate for the return to CPL 0, this CPU's TSS, SSE and (unless the
 * command line says avx=0) XSAVE/AVX, then a CPL 3 probe of YMM. Prints what it found.
 * Idempotent. */
void user_init(void);
/* An AP's share (call on the AP, after user_init ran on the BSP): its TSS and SSE/AVX control
 * bits. `cpu` is the boot index (< GUEST_USER_CPUS). */
void user_init_cpu(uint32_t cpu);
/* Runs fn(arg) at CPL 3 on this CPU's user stack and returns its result. Interrupts stay
 * disabled (IF = 0) at CPL 3. Exceptions at CPL 3 go through the IDT as usual (idt_expect). */
uint64_t user_call(user_fn fn, uint64_t arg);
/* Same, with FS loaded with the user data selector and FS.base = fs_base at CPL 3. */
uint64_t user_call_fs(user_fn fn, uint64_t arg, uint64_t fs_base);
/* This CPU's boot index, from its task register. */
uint32_t user_cpu_index(void);
/* The TSS of CPU `cpu` (for state-check's GDT copy). */
struct tss64* user_tss(uint32_t cpu);
/* Top of CPU `cpu`'s user stack. */
uint64_t user_stack_top(uint32_t cpu);

#endif
