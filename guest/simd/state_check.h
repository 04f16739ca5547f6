/* The control block shared by scenarios/state_check.c and simd/state_check.S (offsets usable
 * from assembly). */
#ifndef SVMM_GUEST_SIMD_STATE_CHECK_H
#define SVMM_GUEST_SIMD_STATE_CHECK_H

/* General registers in this order: RAX RBX RCX RDX RSI RDI RBP RSP R8 .. R15. */
#define SC_GPR_IN 0x000        /* 16 x 8: loaded before the call */
#define SC_GPR_OUT 0x080       /* 16 x 8: seen right after it */
#define SC_RFLAGS_IN 0x100
#define SC_RFLAGS_OUT 0x108
#define SC_KERNEL_RSP 0x110    /* port: the CPL 0 handler's stack while canaries are loaded */
#define SC_USER_RSP 0x118      /* bank: the user stack while canaries are loaded */
#define SC_USER_RFLAGS_OUT 0x120 /* port: RFLAGS at CPL 3 right after the int $4 returned */
#define SC_MXCSR_IN 0x128
#define SC_MXCSR_OUT 0x130
#define SC_FCW_IN 0x138
#define SC_FCW_OUT 0x140
#define SC_ST0_IN 0x148        /* an integer loaded with FILD, stored back with FISTP */
#define SC_ST0_OUT 0x150
#define SC_USE_AVX 0x158
#define SC_BANK_ARGS 0x160     /* 4 x 8: HC.ARG0-3 for the bank variant */
#define SC_BANK_FN 0x180
#define SC_BANK_RESULT 0x188
#define SC_USER_RFLAGS_IN 0x190 /* port: RFLAGS loaded at CPL 3 before int $4 */
#define SC_RFLAGS_SEEN 0x198   /* RFLAGS right after loading SC_RFLAGS_IN (what POPF kept) */
#define SC_USER_RFLAGS_SEEN 0x1A0 /* port: the same at CPL 3 before int $4 */
#define SC_VEC_IN 0x200        /* 16 x 32: XMM/YMM 0-15 loaded at CPL 3 */
#define SC_VEC_OUT 0x400       /* 16 x 32: as found afterwards */
#define SC_SIZE 0x600

/* FS:offset of the hypercall bank registers in the bank variant (FS.base = the public window). */
#define SC_FS_HC_ARG0 0xB00
#define SC_FS_HC_CALL 0xB20
#define SC_FS_HC_RESULT 0xB28

#endif
