/* CPL 3 functions that use vector registers (guest/simd/, compiled without
 * -mgeneral-regs-only and placed in section .text.user). CPL 0 code never calls them directly:
 * only through user_call() (kernel/usermode.h). Their interfaces use integers only. */
#ifndef SVMM_GUEST_SIMD_SIMD_H
#define SVMM_GUEST_SIMD_SIMD_H

/* What a probe returns when the registers held what was loaded; 0 after a #UD (the kernel
 * resumes the faulting probe at simd_probe_fault_landing, which returns 0). */
#define SIMD_PROBE_OK 0x4B4F5F444D4953 /* "SIMD_OK" */

#ifndef __ASSEMBLER__
#include <stdint.h>

uint64_t simd_probe_sse(uint64_t unused);
uint64_t simd_probe_avx(uint64_t unused);
void simd_probe_fault_landing(void);
/* RDRAND at CPL 3: the random value, or 0 if it reported no entropy ten times. */
uint64_t simd_rdrand(uint64_t unused);
/* XGETBV(0) at CPL 3 (kvm_pvm does not emulate XGETBV at CPL 0). Needs CR4.OSXSAVE. */
uint64_t simd_xgetbv0(uint64_t unused);

/* Filling and checking memory with a 16-byte marker: the byte at address a is
 * marker[a % 16], so the marker appears whole at every 16-byte boundary. */
struct simd_fill_args {
  uint64_t base, len;
  uint64_t marker[2];
  uint64_t use_avx2;     /* else SSE2 */
  uint64_t mismatch_at;  /* out: first address that did not hold the marker */
};
/* arg = (uint64_t)&struct simd_fill_args. Returns 0. */
uint64_t simd_fill(uint64_t args);
/* Returns 0 if [base, base + len) holds the marker, else 1 with mismatch_at set. */
uint64_t simd_verify(uint64_t args);

/* state-check (simd/state_check.S): see scenarios/state_check.c. */
uint64_t sc_user_port(uint64_t use_avx);
uint64_t sc_user_bank(uint64_t use_avx);
void sc_kernel_port_entry(void);

#endif /* __ASSEMBLER__ */
#endif
