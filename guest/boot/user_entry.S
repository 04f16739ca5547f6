/* Running a function at CPL 3 and coming back (kernel/usermode.h).
 *
 * user_call_asm saves the callee-saved registers on the kernel stack, points the TSS's RSP0
 * just below them and IRETs to user_entry at CPL 3, which calls the function on the user stack
 * and returns its value to CPL 0 with `int $GUEST_VECTOR_USER_RETURN`. That gate (DPL 3) lands
 * on RSP0 = the saved registers: user_return_entry drops the interrupt frame, restores them
 * and returns from user_call_asm with the function's RAX.
 *
 * Integer-only: no vector register is touched on the way in or out. */
#include "boot/layout.h"

#define IRET_FRAME_SIZE 40 /* RIP, CS, RFLAGS, RSP, SS */
#define RFLAGS_RESERVED 0x2 /* bit 1; IF, DF and everything else clear */

	.text
	.code64

/* uint64_t user_call_asm(uint64_t fn, uint64_t arg, uint64_t user_rsp, uint64_t* tss_rsp0) */
	.globl user_call_asm
user_call_asm:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	/* 6 pushes after the return address: RSP = 8 (mod 16). The CPU aligns RSP0 down to 16
	 * before it pushes an interrupt frame, so make RSP0 16-aligned. */
	sub	$8, %rsp
	mov	%rsp, (%rcx)
	mov	%rdi, %rax		/* fn, called by user_entry */
	mov	%rsi, %rdi		/* its argument */
	push	$(GUEST_SEL_USER_DATA | GUEST_RPL_USER)		/* SS */
	push	%rdx						/* RSP */
	push	$RFLAGS_RESERVED				/* RFLAGS */
	push	$(GUEST_SEL_USER_CODE64 | GUEST_RPL_USER)	/* CS */
	lea	user_entry(%rip), %rcx
	push	%rcx						/* RIP */
	iretq

/* CPL 3: RAX = the function, RDI = its argument, RSP = the 16-aligned user stack top. */
user_entry:
	call	*%rax
	int	$GUEST_VECTOR_USER_RETURN
	ud2

/* The DPL 3 gate of GUEST_VECTOR_USER_RETURN: back at CPL 0 on RSP0 - IRET_FRAME_SIZE. */
	.globl user_return_entry
user_return_entry:
	add	$(IRET_FRAME_SIZE + 8), %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret

/* CPL 3 stacks, one per user-capable CPU. Not zeroed. */
	.section .stack, "aw", @nobits
	.balign 16
	.globl user_stacks
user_stacks:
	.skip GUEST_USER_STACK_SIZE * GUEST_USER_CPUS
