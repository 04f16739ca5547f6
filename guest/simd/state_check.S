/* state-check (scenarios/state_check.c): load canaries, make the call, record every register
 * right after it. RIP-relative loads and stores only, so that no register is needed to hold an
 * address while the canaries are loaded.
 *
 * sc_user_port / sc_user_bank run at CPL 3 (section .text.user: they use vector registers).
 * sc_kernel_port_entry is the DPL 3 gate GUEST_VECTOR_STATE_CHECK, at CPL 0: integer only. */
#include "boot/layout.h"
#include "simd/state_check.h"

	.macro LOAD_VEC avx
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.if \avx
	vmovdqu	sc_ctl + SC_VEC_IN + 32 * \n(%rip), %ymm\n
	.else
	movdqu	sc_ctl + SC_VEC_IN + 32 * \n(%rip), %xmm\n
	.endif
	.endr
	.endm

	.macro STORE_VEC avx
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.if \avx
	vmovdqu	%ymm\n, sc_ctl + SC_VEC_OUT + 32 * \n(%rip)
	.else
	movdqu	%xmm\n, sc_ctl + SC_VEC_OUT + 32 * \n(%rip)
	.endif
	.endr
	.endm

	/* Vector, MXCSR and x87 canaries (CPL 3). */
	.macro LOAD_FPU
	ldmxcsr	sc_ctl + SC_MXCSR_IN(%rip)
	fninit
	fldcw	sc_ctl + SC_FCW_IN(%rip)
	fildq	sc_ctl + SC_ST0_IN(%rip)
	cmpq	$0, sc_ctl + SC_USE_AVX(%rip)
	je	91f
	LOAD_VEC 1
	jmp	92f
91:	LOAD_VEC 0
92:
	.endm

	.macro STORE_FPU
	cmpq	$0, sc_ctl + SC_USE_AVX(%rip)
	je	93f
	STORE_VEC 1
	vzeroupper
	jmp	94f
93:	STORE_VEC 0
94:	stmxcsr	sc_ctl + SC_MXCSR_OUT(%rip)
	fnstcw	sc_ctl + SC_FCW_OUT(%rip)
	fistpq	sc_ctl + SC_ST0_OUT(%rip)
	fninit
	ldmxcsr	sc_default_mxcsr(%rip)
	.endm

	.macro LOAD_GPRS_BUT_RSP
	mov	sc_ctl + SC_GPR_IN + 0x00(%rip), %rax
	mov	sc_ctl + SC_GPR_IN + 0x08(%rip), %rbx
	mov	sc_ctl + SC_GPR_IN + 0x10(%rip), %rcx
	mov	sc_ctl + SC_GPR_IN + 0x18(%rip), %rdx
	mov	sc_ctl + SC_GPR_IN + 0x20(%rip), %rsi
	mov	sc_ctl + SC_GPR_IN + 0x28(%rip), %rdi
	mov	sc_ctl + SC_GPR_IN + 0x30(%rip), %rbp
	mov	sc_ctl + SC_GPR_IN + 0x40(%rip), %r8
	mov	sc_ctl + SC_GPR_IN + 0x48(%rip), %r9
	mov	sc_ctl + SC_GPR_IN + 0x50(%rip), %r10
	mov	sc_ctl + SC_GPR_IN + 0x58(%rip), %r11
	mov	sc_ctl + SC_GPR_IN + 0x60(%rip), %r12
	mov	sc_ctl + SC_GPR_IN + 0x68(%rip), %r13
	mov	sc_ctl + SC_GPR_IN + 0x70(%rip), %r14
	mov	sc_ctl + SC_GPR_IN + 0x78(%rip), %r15
	.endm

	.macro STORE_GPRS
	mov	%rax, sc_ctl + SC_GPR_OUT + 0x00(%rip)
	mov	%rbx, sc_ctl + SC_GPR_OUT + 0x08(%rip)
	mov	%rcx, sc_ctl + SC_GPR_OUT + 0x10(%rip)
	mov	%rdx, sc_ctl + SC_GPR_OUT + 0x18(%rip)
	mov	%rsi, sc_ctl + SC_GPR_OUT + 0x20(%rip)
	mov	%rdi, sc_ctl + SC_GPR_OUT + 0x28(%rip)
	mov	%rbp, sc_ctl + SC_GPR_OUT + 0x30(%rip)
	mov	%rsp, sc_ctl + SC_GPR_OUT + 0x38(%rip)
	mov	%r8, sc_ctl + SC_GPR_OUT + 0x40(%rip)
	mov	%r9, sc_ctl + SC_GPR_OUT + 0x48(%rip)
	mov	%r10, sc_ctl + SC_GPR_OUT + 0x50(%rip)
	mov	%r11, sc_ctl + SC_GPR_OUT + 0x58(%rip)
	mov	%r12, sc_ctl + SC_GPR_OUT + 0x60(%rip)
	mov	%r13, sc_ctl + SC_GPR_OUT + 0x68(%rip)
	mov	%r14, sc_ctl + SC_GPR_OUT + 0x70(%rip)
	mov	%r15, sc_ctl + SC_GPR_OUT + 0x78(%rip)
	.endm

	.macro PUSH_CALLEE_SAVED
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	.endm

	.macro POP_CALLEE_SAVED
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	.endm

	.section .text.user, "ax"
	.code64

/* uint64_t sc_user_port(uint64_t unused): CPL 3. Vector/x87 canaries and RFLAGS (DF set),
 * then int $GUEST_VECTOR_STATE_CHECK (the TEARDOWN at CPL 0), then record. */
	.globl sc_user_port
sc_user_port:
	PUSH_CALLEE_SAVED
	LOAD_FPU
	pushq	sc_ctl + SC_USER_RFLAGS_IN(%rip)
	popfq
	pushfq
	popq	sc_ctl + SC_USER_RFLAGS_SEEN(%rip)
	int	$GUEST_VECTOR_STATE_CHECK
	pushfq
	popq	sc_ctl + SC_USER_RFLAGS_OUT(%rip)
	cld
	STORE_FPU
	POP_CALLEE_SAVED
	xor	%eax, %eax
	ret

/* uint64_t sc_user_bank(uint64_t unused): CPL 3. Canaries in every register (RSP points into
 * sc_alt_stack), FS.base = the public window; the call through the bank with memory-to-memory
 * PUSH/POP only; then record. */
	.globl sc_user_bank
sc_user_bank:
	PUSH_CALLEE_SAVED
	LOAD_FPU
	mov	%rsp, sc_ctl + SC_USER_RSP(%rip)
	pushq	sc_ctl + SC_RFLAGS_IN(%rip)
	popfq
	pushfq
	popq	sc_ctl + SC_RFLAGS_SEEN(%rip)
	LOAD_GPRS_BUT_RSP
	mov	sc_ctl + SC_GPR_IN + 0x38(%rip), %rsp
	pushq	sc_ctl + SC_BANK_ARGS + 0x00(%rip)
	popq	%fs:SC_FS_HC_ARG0
	pushq	sc_ctl + SC_BANK_ARGS + 0x08(%rip)
	popq	%fs:SC_FS_HC_ARG0 + 0x08
	pushq	sc_ctl + SC_BANK_ARGS + 0x10(%rip)
	popq	%fs:SC_FS_HC_ARG0 + 0x10
	pushq	sc_ctl + SC_BANK_ARGS + 0x18(%rip)
	popq	%fs:SC_FS_HC_ARG0 + 0x18
	pushq	sc_ctl + SC_BANK_FN(%rip)
	popq	%fs:SC_FS_HC_CALL
	pushq	%fs:SC_FS_HC_RESULT
	popq	sc_ctl + SC_BANK_RESULT(%rip)
	STORE_GPRS
	pushfq
	popq	sc_ctl + SC_RFLAGS_OUT(%rip)
	mov	sc_ctl + SC_USER_RSP(%rip), %rsp
	cld
	STORE_FPU
	POP_CALLEE_SAVED
	xor	%eax, %eax
	ret

	.text
	.code64
/* The DPL 3 gate GUEST_VECTOR_STATE_CHECK, at CPL 0 on RSP0: canaries in RFLAGS and every
 * general register, the hypercall OUT, record, back to CPL 3 with the user's registers. */
	.globl sc_kernel_port_entry
sc_kernel_port_entry:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	PUSH_CALLEE_SAVED
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	mov	%rsp, sc_ctl + SC_KERNEL_RSP(%rip)
	pushq	sc_ctl + SC_RFLAGS_IN(%rip)
	popfq
	pushfq
	popq	sc_ctl + SC_RFLAGS_SEEN(%rip)
	LOAD_GPRS_BUT_RSP
	mov	sc_ctl + SC_GPR_IN + 0x38(%rip), %rsp
	outl	%eax, %dx
	STORE_GPRS
	pushfq
	popq	sc_ctl + SC_RFLAGS_OUT(%rip)
	mov	sc_ctl + SC_KERNEL_RSP(%rip), %rsp
	cld
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	POP_CALLEE_SAVED
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	iretq

	.section .rodata
	.balign 4
sc_default_mxcsr:
	.long 0x1F80

/* Stack space the RSP canary points into (never the real stack of anything). */
	.section .stack, "aw", @nobits
	.balign 64
	.globl sc_alt_stack
sc_alt_stack:
	.skip 4096
