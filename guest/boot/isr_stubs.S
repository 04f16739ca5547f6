/* Entry stubs for the exceptions 0-31 and the interrupt vectors 32-255. Each pushes a zero
 * error code where the CPU does not push one, then its vector, so that every frame has the
 * layout of struct trap_frame (kernel/idt.h). The common path saves the general registers,
 * calls exception_dispatch(frame) and returns with iretq (the handler may change frame->rip).
 * Only general registers are saved: kernel code never touches vector registers, so the state
 * of interrupted user code's vector registers survives untouched. */

.macro ISR_NOERR vec
isr_\vec:
	push	$0
	push	$\vec
	jmp	isr_common
.endm

.macro ISR_ADDR vec
	.quad isr_\vec
.endm

.macro ISR_ERR vec
isr_\vec:
	push	$\vec
	jmp	isr_common
.endm

	.text
	.code64
.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
	ISR_NOERR \v
.endr
/* Vectors for which the CPU pushes an error code. */
.irp v, 8,10,11,12,13,14,17,21,29,30
	ISR_ERR \v
.endr
/* Interrupt vectors 32-255 (the IDT gets a gate for one only when a handler is installed).
 * .altmacro lets %vec pass the counter's value rather than its name. */
	.altmacro
	.set vec, 32
	.rept 224
	ISR_NOERR %vec
	.set vec, vec + 1
	.endr
	.noaltmacro

isr_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	cld
	mov	%rsp, %rdi	/* 15 registers + vector + error + 5-word CPU frame: RSP stays 16-aligned */
	call	exception_dispatch
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp	/* vector, error code */
	iretq

	.section .rodata
	.balign 8
	.globl isr_table
isr_table:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad isr_\v
.endr
	.altmacro
	.set vec, 32
	.rept 224
	ISR_ADDR %vec
	.set vec, vec + 1
	.endr
	.noaltmacro
