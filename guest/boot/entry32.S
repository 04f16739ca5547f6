/* PVH entry: 32-bit protected mode, paging off, EBX = GPA of hvm_start_info
 * (spec/guest-abi.md section 1). Builds an identity map of 0-4 GiB with 2 MiB pages, switches
 * to long mode and calls kmain(start_info_gpa) on the BSP stack.
 *
 * Everything here runs at CPL 0, which kvm_pvm emulates instruction by instruction: plain
 * integer instructions only, and short loops. */
#include "boot/layout.h"

/* The Xen PVH note: owner "Xen", type XEN_ELFNOTE_PHYS32_ENTRY (18), a 4-byte entry address.
 * The linker script puts .note.Xen in a PT_NOTE segment (QEMU and svmm look there). */
	.section .note.Xen, "a", @note
	.balign 4
	.long 2f - 1f		/* namesz */
	.long 4f - 3f		/* descsz */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
1:	.asciz "Xen"
2:	.balign 4
3:	.long pvh_entry
4:	.balign 4

	.section .text.entry32, "ax"
	.code32
	.globl pvh_entry
pvh_entry:
	cli
	cld
	mov	%ebx, %esi		/* hvm_start_info GPA, kept in ESI until kmain */

	lgdt	boot_gdt_ptr
	mov	$GUEST_SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	ljmp	$GUEST_SEL_CODE32, $1f	/* CS from our own GDT from now on */
1:
	mov	$boot_stack_top, %esp

	/* Zero .bss (page tables and C globals). The loader zero-fills p_memsz already; doing it
	 * again costs little and does not depend on that. The stacks are outside .bss. */
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	shr	$2, %ecx
	xor	%eax, %eax
	rep stosl

	/* PML4[0] -> PDPT, PDPT[0..3] -> the four page directories. */
	mov	$boot_pdpt + (GUEST_PTE_P | GUEST_PTE_W), %eax
	mov	%eax, boot_pml4
	mov	$boot_pd + (GUEST_PTE_P | GUEST_PTE_W), %eax
	xor	%ecx, %ecx
2:	mov	%eax, boot_pdpt(,%ecx,8)
	add	$0x1000, %eax
	inc	%ecx
	cmp	$GUEST_BOOT_PDS, %ecx
	jb	2b

	/* 2048 2 MiB pages for 0-4 GiB; the MMIO hole [3 GiB, 4 GiB) uncached. The high dword of
	 * every entry stays zero (all below 4 GiB). */
	xor	%ecx, %ecx
3:	mov	%ecx, %eax
	shl	$21, %eax
	or	$(GUEST_PTE_P | GUEST_PTE_W | GUEST_PTE_PS), %eax
	cmp	$GUEST_HOLE_PDE_INDEX, %ecx
	jb	4f
	or	$(GUEST_PTE_PCD | GUEST_PTE_PWT), %eax
4:	mov	%eax, boot_pd(,%ecx,8)
	inc	%ecx
	cmp	$(GUEST_BOOT_PDS * 512), %ecx
	jb	3b

	/* PAE, CR3, EFER.LME, then paging: the CPU is in long mode (compatibility submode). */
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
	or	$(GUEST_CR0_PG | GUEST_CR0_PE), %eax
	mov	%eax, %cr0
	ljmp	$GUEST_SEL_CODE64, $long_entry

	.code64
long_entry:
	mov	$GUEST_SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	mov	$boot_stack_top, %rsp
	mov	%esi, %edi		/* kmain(uint32_t start_info_gpa) */
	call	kmain
5:	cli
	hlt
	jmp	5b

/* The GDT used by the BSP and, through the trampoline, by every AP. Accessed bits preset so
 * that the CPU never writes to it. */
	.section .data
	.balign 16
	.globl boot_gdt
boot_gdt:
	.quad 0				/* null */
	.quad 0x00AF9B000000FFFF	/* 0x08: 64-bit code */
	.quad 0x00CF93000000FFFF	/* 0x10: flat data */
	.quad 0x00CF9B000000FFFF	/* 0x18: flat 32-bit code */
boot_gdt_end:
	.balign 8
	.word 0				/* pad so that the base is 4-byte aligned */
	.globl boot_gdt_ptr
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt			/* lgdt in 32-bit mode reads the low 4 bytes only */

/* Page tables (zeroed above). boot_pml4 is also the CR3 of every AP. */
	.section .bss
	.balign 4096
	.globl boot_pml4, boot_pdpt, boot_pd
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4096 * GUEST_BOOT_PDS

/* BSP stack: not zeroed (in use while .bss is cleared). */
	.section .stack, "aw", @nobits
	.balign 16
boot_stack:
	.skip GUEST_BSP_STACK_SIZE
	.globl boot_stack_top
boot_stack_top:
