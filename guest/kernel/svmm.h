/* svmm's guest interfaces as the test kernel uses them: hypercalls through the port and
 * through the chipset's hypercall bank, chipset register accesses in both windows, who this VM
 * is, and the readiness protocol between the guest OS and the trusted VMs (guest/test_abi.h).
 *
 * hc_port executes OUT, so it works at CPL 0 only (OUT at CPL 3 raises #GP); everything else
 * here is plain integer code with MMIO, usable at CPL 0 and from user_call() at CPL 3. */
#ifndef SVMM_GUEST_KERNEL_SVMM_H
#define SVMM_GUEST_KERNEL_SVMM_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/x86.h"
#include "protocol/chipset.h"
#include "protocol/hypercall.h"
#include "protocol/memory_map.h"
#include "protocol/ports.h"

/* ---- Hypercalls (spec/guest-abi.md section 5) ---- */

/* 32-bit OUT to the hypercall port: EAX = fn, RBX/RCX/RSI/RDI = a0..a3, result in RAX. */
static inline int64_t hc_port(uint32_t fn, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3) {
  uint64_t rax = fn;
  __asm__ volatile("outl %%eax, %%dx"
                   : "+a"(rax)
                   : "d"((uint16_t)SVMM_PORT_HYPERCALL), "b"(a0), "c"(a1), "S"(a2), "D"(a3)
                   : "memory");
  return (int64_t)rax;
}

/* Through the bank in the public window: ARG0-3, then HC.CALL = fn, then HC.RESULT. */
static inline int64_t hc_bank(uint32_t fn, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3) {
  const uint64_t w = SVMM_MMIO_CHIPSET_PUBLIC;
  phys_write64(w + SVMM_CS_HC_ARG0, a0);
  phys_write64(w + SVMM_CS_HC_ARG1, a1);
  phys_write64(w + SVMM_CS_HC_ARG2, a2);
  phys_write64(w + SVMM_CS_HC_ARG3, a3);
  phys_write64(w + SVMM_CS_HC_CALL, fn);
  return (int64_t)phys_read64(w + SVMM_CS_HC_RESULT);
}

enum hc_transport { HC_PORT, HC_BANK };
int64_t hc_call(enum hc_transport t, uint32_t fn, uint64_t a0, uint64_t a1, uint64_t a2,
                uint64_t a3);
const char* hc_transport_name(enum hc_transport t);
/* A hypercall name ("VERSION", ...) or "0x..." for others (static buffer for the latter). */
const char* hc_name(uint32_t fn);
/* -errno as text: "-EPERM", ..., or the number. Static buffer for unknown values. */
const char* hc_result_name(int64_t r);
/* CPL 0: the call through the port, then through the bank. Prints both; FAIL unless they are
 * equal, and unless they equal `expected` (when check_expected). Returns the result. For
 * calls that change nothing (queries and calls that are refused). */
int64_t hc_both(const char* what, uint32_t fn, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                int64_t expected);
/* One transport; prints and checks like hc_both. */
int64_t hc_expect(enum hc_transport t, const char* what, uint32_t fn, uint64_t a0, uint64_t a1,
                  uint64_t a2, uint64_t a3, int64_t expected);

/* ---- Chipset windows (spec/chipset.md) ---- */

enum cs_window { CS_PUBLIC, CS_PRIVATE };
static inline uint64_t cs_base(enum cs_window w) {
  return w == CS_PRIVATE ? SVMM_MMIO_CHIPSET_PRIVATE : SVMM_MMIO_CHIPSET_PUBLIC;
}
/* 1-, 2-, 4- or 8-byte accesses at `offset` in the window (exact width, no merging). */
uint64_t cs_read(enum cs_window w, uint32_t offset, unsigned width);
void cs_write(enum cs_window w, uint32_t offset, unsigned width, uint64_t v);
static inline uint64_t cs_pub(uint32_t offset) { return phys_read64(SVMM_MMIO_CHIPSET_PUBLIC + offset); }
static inline uint64_t cs_priv(uint32_t offset) {
  return phys_read64(SVMM_MMIO_CHIPSET_PRIVATE + offset);
}
static inline void cs_pub_write(uint32_t offset, uint64_t v) {
  phys_write64(SVMM_MMIO_CHIPSET_PUBLIC + offset, v);
}
static inline void cs_priv_write(uint32_t offset, uint64_t v) {
  phys_write64(SVMM_MMIO_CHIPSET_PRIVATE + offset, v);
}
const char* cs_window_name(enum cs_window w);

/* Register access classes of spec/chipset.md section 2. */
enum cs_access { CS_NONE, CS_R, CS_RW, CS_W1C, CS_CMD };
struct cs_reg {
  const char* name;
  uint32_t offset;
  uint32_t width; /* 8, or 32 for PUBLIC.KEY */
  enum cs_access pub, priv;
  bool protected_only; /* a command only a protected requester may issue */
  bool vcpu0_only;     /* writes only from vCPU 0 of the writer's VM (OWNER-SCRATCH) */
  bool locked;         /* writes aborted while MEM-CONFIG-LOCK */
};
extern const struct cs_reg cs_regs[];
extern const unsigned cs_reg_count;
const struct cs_reg* cs_reg_find(uint32_t offset);
const char* cs_access_name(enum cs_access a);

/* SVMM.LAST-ABORT decoded. */
struct cs_abort {
  uint32_t offset;
  bool private_window, write, hypercall, token;
  unsigned width, requester, vcpu;
};
struct cs_abort cs_abort_decode(uint64_t v);
/* "offset=0x.. window=.. write=.. width=.. requester=.. vcpu=.." */
void cs_abort_print(const char* prefix, uint64_t raw);
static inline uint64_t cs_abort_count(void) { return cs_pub(SVMM_CS_ABORT_COUNT); }
/* Checks that exactly `delta` aborts happened since `before` and, if delta > 0, that
 * LAST-ABORT names `offset` (or the function code for hypercalls) with the given flags. */
void cs_expect_aborts(const char* what, uint64_t before, uint64_t delta);
void cs_expect_last_abort(const char* what, uint32_t offset, bool private_window, bool write,
                          bool hypercall, unsigned width, unsigned requester, unsigned vcpu);

/* ---- Who am I (CPUID 0x40000101 at CPL 0) ---- */

struct whoami {
  bool svmm;           /* svmm's signature at 0x40000100 */
  bool trusted;        /* EBX bit 3 */
  uint32_t features;   /* EBX */
  uint32_t vm_index;   /* EDX: 0 guest OS, 1 + n trusted VM n */
};
/* Read once at CPL 0 (kmain) and cached: CPUID at CPL 3 returns the host's leaves on kvm_pvm. */
const struct whoami* whoami(void);

/* ---- Readiness protocol (guest/test_abi.h) ---- */

/* Trusted VM: ORs `bits` into SVMM.SCRATCH (read-modify-write through the public window). */
void ready_assert(uint64_t bits);
/* Guest OS: SCRATCH = 0 (before a launch). */
void ready_clear(void);
/* Guest OS: waits until every bit of `mask` is set in SCRATCH, at most `ms`; returns whether
 * it was. Prints progress once a second. */
bool ready_wait(uint64_t mask, uint64_t ms);
/* The readiness mask of trusted VMs 0..n-1. */
uint64_t ready_mask(uint32_t n);

#endif
