/* Constants shared by entry.S and main.c of the Multiboot test kernel. Plain #defines without
 * C suffixes so that the assembly can include this header too. */
#ifndef SVMM_GUEST_MULTIBOOT_MBK_H
#define SVMM_GUEST_MULTIBOOT_MBK_H

#define MBK_HEADER_MAGIC 0x1BADB002
#define MBK_HEADER_FLAGS 0 /* ELF image, no requirements */
#define MBK_BOOTLOADER_MAGIC 0x2BADB002

#define MBK_SEL_CODE 0x08
#define MBK_SEL_DATA 0x10

#define MBK_CR0_PE (1 << 0)
#define MBK_CR0_NW (1 << 29)
#define MBK_CR0_CD (1 << 30)

#define MBK_STACK_SIZE 0x4000
/* SIPI vector 0x30: the APs start at 0x3000:0000 (free RAM a Multiboot image may use). */
#define MBK_AP_TRAMPOLINE 0x30000

#endif
