/* Exceptions 0-31. By default every exception is fatal: the handler prints
 * "svmm-test: EXCEPTION vector=N error=0x.. rip=0x.." and ends the VM with
 * SVMM_TEST_EXIT_EXCEPTION. A scenario can expect one exception instead. */
#ifndef SVMM_GUEST_KERNEL_IDT_H
#define SVMM_GUEST_KERNEL_IDT_H

#include <stdbool.h>
#include <stdint.h>

/* Layout built by boot/isr_stubs.S (lowest address first). */
struct trap_frame {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
  uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector, error;
  uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap_frame matches isr_stubs.S");

/* What the handler saw when an expected exception arrived. */
struct trap_record {
  bool seen;
  uint64_t vector, error, rip;
};

/* Builds the IDT and loads it on this CPU (APs call idt_load only). */
void idt_init(void);
void idt_load(void);
/* Loads an IDT with limit 0: the next exception triple-faults. */
void idt_load_empty(void);

/* The next exception `vector` is recorded instead of being fatal, and execution resumes
 * `skip` bytes after the faulting RIP. One-shot. */
void idt_expect(uint64_t vector, uint64_t skip);
/* The record of the last expected exception (seen = false if none arrived). */
struct trap_record idt_take_record(void);

#endif
