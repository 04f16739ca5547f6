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

	/* No runtime set-up loops: CPL 0 code is emulated instruction by instruction on some hosts
	 * (kvm_pvm), so the page tables are static data below and .bss is left as the loader
	 * zero-filled it (ELF p_memsz beyond p_filesz; svmm and QEMU both do). */

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
 * that the CPU never writes to the segment descriptors (LTR sets the busy bit of a TSS one). */
	.section .data
	.balign 16
	.globl boot_gdt
boot_gdt:
	.quad 0				/* null */
	.quad 0x00AF9B000000FFFF	/* 0x08: 64-bit code */
	.quad 0x00CF93000000FFFF	/* 0x10: flat data */
	.quad 0x00CF9B000000FFFF	/* 0x18: flat 32-bit code */
	.quad 0x00CFF3000000FFFF	/* 0x20: flat data, DPL 3 (user) */
	.quad 0x00AFFB000000FFFF	/* 0x28: 64-bit code, DPL 3 (user) */
	/* 0x30: one 16-byte TSS descriptor per user-capable CPU, filled in by kernel/usermode.c
	 * (the TSS base is only known at link time, and split across the descriptor). */
	.fill 2 * GUEST_USER_CPUS, 8, 0
boot_gdt_end:
	.if boot_gdt_end - boot_gdt != GUEST_GDT_SIZE
	.error "boot_gdt does not match GUEST_GDT_SIZE (boot/layout.h)"
	.endif
	.balign 8
	.word 0				/* pad so that the base is 4-byte aligned */
	.globl boot_gdt_ptr
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt			/* lgdt in 32-bit mode reads the low 4 bytes only */

/* Identity map of 0-4 GiB in 2 MiB pages, built by the assembler: PML4[0] -> PDPT,
 * PDPT[0..3] -> four page directories; the MMIO hole [3 GiB, 4 GiB) uncached. Every entry is
 * user-accessible (U): CPL 3 code reaches RAM and the MMIO hole (SMEP/SMAP stay off).
 * boot_pml4 is also the CR3 of every AP; kernel/paging.c adds mappings above 4 GiB. */
	.section .data.pagetables, "aw"
	.balign 4096
	.globl boot_pml4, boot_pdpt, boot_pd
boot_pml4:
	.quad boot_pdpt + (GUEST_PTE_P | GUEST_PTE_W | GUEST_PTE_U)
	.fill 511, 8, 0
boot_pdpt:
	.set pd_index, 0
	.rept GUEST_BOOT_PDS
	.quad boot_pd + pd_index * 4096 + (GUEST_PTE_P | GUEST_PTE_W | GUEST_PTE_U)
	.set pd_index, pd_index + 1
	.endr
	.fill 512 - GUEST_BOOT_PDS, 8, 0
boot_pd:
	.set pde_index, 0
	.rept GUEST_BOOT_PDS * 512
	.if pde_index >= GUEST_HOLE_PDE_INDEX
	.quad (pde_index << 21) | GUEST_PTE_P | GUEST_PTE_W | GUEST_PTE_U | GUEST_PTE_PS | GUEST_PTE_PCD | GUEST_PTE_PWT
	.else
	.quad (pde_index << 21) | GUEST_PTE_P | GUEST_PTE_W | GUEST_PTE_U | GUEST_PTE_PS
	.endif
	.set pde_index, pde_index + 1
	.endr

/* BSP stack: not zeroed (in use while .bss is cleared). */
	.section .stack, "aw", @nobits
	.balign 16
boot_stack:
	.skip GUEST_BSP_STACK_SIZE
	.globl boot_stack_top
boot_stack_top:
