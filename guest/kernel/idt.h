/* The IDT: exceptions 0-31, and interrupt vectors 32-255 on demand.
 *
 * By default every exception is fatal: the handler prints
 * "svmm-test: EXCEPTION vector=N error=0x.. rip=0x.." and ends the VM with
 * SVMM_TEST_EXIT_EXCEPTION. A scenario can expect one exception instead, also one raised by
 * user (CPL 3) code. An interrupt vector without a handler is reported the same way. */
#ifndef SVMM_GUEST_KERNEL_IDT_H
#define SVMM_GUEST_KERNEL_IDT_H

#include <stdbool.h>
#include <stdint.h>

#define IDT_VECTORS 256

/* Layout built by boot/isr_stubs.S (lowest address first). */
struct trap_frame {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
  uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector, error;
  uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU (always, in 64-bit mode) */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap_frame matches isr_stubs.S");

/* What the handler saw when an expected exception arrived. */
struct trap_record {
  bool seen;
  uint64_t vector, error, rip, cs;
};

struct __attribute__((packed)) desc_ptr {
  uint16_t limit;
  uint64_t base;
};

/* Builds the IDT and loads it on this CPU (APs call idt_load only). */
void idt_init(void);
void idt_load(void);
/* Loads an IDT with limit 0: the next exception triple-faults. */
void idt_load_empty(void);
/* The kernel's IDT (base and limit as idt_load loads them). */
struct desc_ptr idt_descriptor(void);

/* The next exception `vector` is recorded instead of being fatal, and execution resumes
 * `skip` bytes after the faulting RIP. One-shot. */
void idt_expect(uint64_t vector, uint64_t skip);
/* Same, but execution resumes at `resume_rip` (at the privilege level of the faulting code). */
void idt_expect_resume(uint64_t vector, uint64_t resume_rip);
/* Cancels an expectation that did not happen. */
void idt_expect_cancel(void);
/* The record of the last expected exception (seen = false if none arrived). */
struct trap_record idt_take_record(void);

/* Interrupt handlers (vectors 32-255), called with interrupts disabled; the handler sends the
 * EOI itself if the interrupt came through the local APIC. */
typedef void (*irq_handler_fn)(struct trap_frame* f);
void idt_set_handler(uint8_t vector, irq_handler_fn fn);
/* A raw gate: an interrupt gate to `entry` with the given DPL (3: reachable by INT n from
 * user code). */
void idt_set_gate(uint8_t vector, uint64_t entry, unsigned dpl);

#endif
