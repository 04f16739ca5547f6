/* AP start-up. The BSP copies [ap_trampoline_start, ap_trampoline_end) to GUEST_AP_TRAMPOLINE
 * and sends INIT-SIPI-SIPI with vector GUEST_AP_TRAMPOLINE >> 12; the AP starts in real mode at
 * CS:IP = 0x3000:0000. The trampoline loads the kernel's GDT, enters protected mode, enables
 * PAE paging with the BSP's page tables and long mode, then jumps to ap_long_entry in the
 * kernel proper, which picks up the stack the BSP prepared (ap_boot_stack_top).
 *
 * The code is assembled for its copy's address: far jump targets are
 * GUEST_AP_TRAMPOLINE + (label - ap_trampoline_start); data is addressed DS-relative with
 * DS = CS = 0x3000. */
#include "boot/layout.h"

#define TRAMPOLINE_ADDR(label) (GUEST_AP_TRAMPOLINE + ((label) - ap_trampoline_start))

	.section .rodata.ap_trampoline, "a"
	.balign 16
	.globl ap_trampoline_start, ap_trampoline_end
	.code16
ap_trampoline_start:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	ap_gdt_ptr - ap_trampoline_start
	mov	%cr0, %eax
	/* Caches on (CD/NW are set after INIT), protection on. */
	and	$~(GUEST_CR0_CD | GUEST_CR0_NW), %eax
	or	$GUEST_CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$GUEST_SEL_CODE32, $TRAMPOLINE_ADDR(ap_protected)

	.code32
ap_protected:
	mov	$GUEST_SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%cr4, %eax
	or	$GUEST_CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	$GUEST_MSR_EFER, %ecx
	rdmsr
	or	$GUEST_EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$GUEST_CR0_PG, %eax
	mov	%eax, %cr0
	ljmp	$GUEST_SEL_CODE64, $ap_long_entry

	.balign 8
	.word 0
ap_gdt_ptr:
	.word GUEST_GDT_SIZE - 1	/* boot_gdt (boot/entry32.S) */
	.long boot_gdt
ap_trampoline_end:

/* In the kernel image (not copied): 64-bit part of the AP start-up. */
	.text
	.code64
ap_long_entry:
	mov	$GUEST_SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	mov	ap_boot_stack_top(%rip), %rsp
	call	ap_main			/* never returns */
1:	cli
	hlt
	jmp	1b

/* One stack per AP (slot k for the CPU with boot index k; slot 0, the BSP's, is unused).
 * Not zeroed. */
	.section .stack, "aw", @nobits
	.balign 16
	.globl ap_stacks
ap_stacks:
	.skip GUEST_AP_STACK_SIZE * GUEST_MAX_CPUS
