/* CPL 3 probes of the vector registers (simd/simd.h). */
#include "simd/simd.h"

	.section .text.user, "ax"
	.code64

/* XMM: load a pattern into XMM0, store it back, compare. */
	.globl simd_probe_sse
simd_probe_sse:
	movdqu	probe_pattern(%rip), %xmm0
	movdqu	probe_pattern + 16(%rip), %xmm1
	movdqu	%xmm0, probe_out(%rip)
	movdqu	%xmm1, probe_out + 16(%rip)
	pxor	%xmm0, %xmm0
	pxor	%xmm1, %xmm1
	jmp	compare

/* YMM: the same with all 32 bytes (the upper half only survives with XCR0.AVX). */
	.globl simd_probe_avx
simd_probe_avx:
	vmovdqu	probe_pattern(%rip), %ymm0
	vmovdqu	%ymm0, probe_out(%rip)
	vpxor	%ymm0, %ymm0, %ymm0
	vzeroupper
compare:
	mov	probe_pattern(%rip), %rax
	cmp	probe_out(%rip), %rax
	jne	simd_probe_fault_landing
	mov	probe_pattern + 8(%rip), %rax
	cmp	probe_out + 8(%rip), %rax
	jne	simd_probe_fault_landing
	mov	probe_pattern + 16(%rip), %rax
	cmp	probe_out + 16(%rip), %rax
	jne	simd_probe_fault_landing
	mov	probe_pattern + 24(%rip), %rax
	cmp	probe_out + 24(%rip), %rax
	jne	simd_probe_fault_landing
	movabs	$SIMD_PROBE_OK, %rax
	ret

/* The probes push nothing, so the kernel can resume a faulting one here. */
	.globl simd_probe_fault_landing
simd_probe_fault_landing:
	xor	%eax, %eax
	ret

	.globl simd_rdrand
simd_rdrand:
	mov	$10, %ecx
1:	rdrand	%rax
	jc	2f
	dec	%ecx
	jnz	1b
	xor	%eax, %eax
2:	ret

	.globl simd_xgetbv0
simd_xgetbv0:
	xor	%ecx, %ecx
	xgetbv
	shl	$32, %rdx
	or	%rdx, %rax
	ret

	.section .rodata
	.balign 32
probe_pattern:
	.quad 0x0123456789ABCDEF, 0xFEDCBA9876543210, 0x1122334455667788, 0x99AABBCCDDEEFF00

	.data
	.balign 32
probe_out:
	.quad 0, 0, 0, 0
