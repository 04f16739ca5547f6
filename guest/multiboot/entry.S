/* svmm's Multiboot test kernel: the Multiboot v1 header (flags 0: an ELF32 image whose
 * segments the boot loader loads itself), the 32-bit entry and the AP trampoline.
 * Multiboot Specification 0.6.96, 3.1 (header) and 3.2 (machine state: EAX = 0x2BADB002,
 * EBX = multiboot_info, protected mode, paging off, no usable stack or GDT promised). */
#include "multiboot/mbk.h"

	.section .multiboot, "a"
	.balign 4
	.long	MBK_HEADER_MAGIC
	.long	MBK_HEADER_FLAGS
	.long	-(MBK_HEADER_MAGIC + MBK_HEADER_FLAGS)

	.text
	.code32
	.globl	mb_entry
mb_entry:
	cli
	cld
	mov	$bsp_stack_top, %esp
	/* Our own GDT: the spec promises none. */
	lgdt	gdt_ptr
	ljmp	$MBK_SEL_CODE, $1f
1:	mov	$MBK_SEL_DATA, %ecx
	mov	%ecx, %ds
	mov	%ecx, %es
	mov	%ecx, %ss
	mov	%ecx, %fs
	mov	%ecx, %gs
	push	%ebx
	push	%eax
	call	mb_main		/* never returns */
2:	cli
	hlt
	jmp	2b

	.section .rodata
	.balign 8
	.globl	mb_gdt
mb_gdt:
	.quad	0
	.quad	0x00CF9B000000FFFF	/* MBK_SEL_CODE: flat 32-bit code */
	.quad	0x00CF93000000FFFF	/* MBK_SEL_DATA: flat data */
mb_gdt_end:
	.balign 4
	.word	0
gdt_ptr:
	.word	mb_gdt_end - mb_gdt - 1
	.long	mb_gdt

/* AP start-up: mb_main copies [mb_trampoline_start, mb_trampoline_end) to MBK_AP_TRAMPOLINE
 * and broadcasts INIT-SIPI-SIPI with vector MBK_AP_TRAMPOLINE >> 12; each AP starts in real
 * mode at MBK_AP_TRAMPOLINE, enters flat 32-bit protected mode, counts itself in
 * mb_ap_count and halts. No stack is needed. (The same approach as guest/boot/ap_trampoline.S
 * without long mode.) */
#define TRAMPOLINE_ADDR(label) (MBK_AP_TRAMPOLINE + ((label) - mb_trampoline_start))
	.balign 16
	.globl	mb_trampoline_start, mb_trampoline_end
	.code16
mb_trampoline_start:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	ap_gdt_ptr - mb_trampoline_start
	mov	%cr0, %eax
	and	$~(MBK_CR0_CD | MBK_CR0_NW), %eax
	or	$MBK_CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$MBK_SEL_CODE, $TRAMPOLINE_ADDR(ap_protected)
	.code32
ap_protected:
	mov	$MBK_SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	lock incl mb_ap_count
3:	cli
	hlt
	jmp	3b
	.balign 4
	.word	0
ap_gdt_ptr:
	.word	mb_gdt_end - mb_gdt - 1
	.long	mb_gdt
mb_trampoline_end:

	.section .bss
	.balign 16
	.space	MBK_STACK_SIZE
bsp_stack_top:
