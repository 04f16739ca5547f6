/* state-check [transport=port|bank] [vms=N] [report=0] [dry=1]: the untouched-state guarantee
 * of a guest-request teardown (spec/guest-abi.md section 6).
 *
 * After SECURE_LAUNCH and readiness the kernel switches to a distinctive environment: a copy
 * of the page tables (CR3), of the GDT and of the IDT (other addresses and limits), canaries in
 * DR0-DR3, CR2, CR8, FS/GS/KERNEL_GS bases, DS/ES/FS/GS = the user data selector. Then at CPL 3
 * (simd/state_check.S): canaries in XMM0-15 (YMM0-15 when AVX works), MXCSR, the x87 control
 * word and ST0, RFLAGS with DF and the arithmetic flags set, and
 *  - port: int $4 to CPL 0, canaries in RFLAGS and every general register but RAX (RAX holds
 *    TEARDOWN in EAX and a canary above; RBX the report address, RCX 0, RDX a canary with
 *    DX = 0x5A0; RSP points into a spare stack), OUT; every register recorded right after
 *    (RAX must be 0), back to CPL 3;
 *  - bank: canaries in every general register including RAX and RSP, the call through the bank
 *    with memory-to-memory PUSH/POP via FS (FS.base = the public window); nothing may change,
 *    RAX included; HC.RESULT must be 0.
 * Then every register is compared, the environment restored, and the report checked.
 * dry=1 makes the same call with VERSION instead of TEARDOWN and no launch: the machinery alone
 * (RAX / HC.RESULT not checked). PASS, or FAIL naming the first mismatch. */
#include <stdint.h>

#include "boot/layout.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/idt.h"
#include "kernel/report.h"
#include "kernel/string.h"
#include "kernel/usermode.h"
#include "kernel/x86.h"
#include "protocol/memory_map.h"
#include "scenarios/scenarios.h"
#include "scenarios/secure.h"
#include "simd/simd.h"
#include "simd/state_check.h"

#define MSR_FS_BASE 0xC0000100u
#define MSR_GS_BASE 0xC0000101u
#define MSR_KERNEL_GS_BASE 0xC0000102u
#define RFLAGS_CANARY 0xCD7ull /* CF PF AF ZF SF DF OF + bit 1; IF, TF, AC clear */
#define RFLAGS_COMPARED 0xCD5ull
#define MXCSR_CANARY 0xBFBFu   /* FZ, RC = down, all masks, all sticky flags */
#define FCW_CANARY 0x0E7Fu     /* RC = truncate, PC = double, all masks */
#define FCW_DEFINED 0x0F3Fu
#define ST0_CANARY 0x0123456789ABCDEFll
#define CR2_CANARY 0x00005C0DEC200000ull
#define CR8_CANARY 5u
#define FS_BASE_CANARY 0x00005C0DEF500000ull
#define GS_BASE_CANARY 0x00005C0DE6500000ull
#define KGS_BASE_CANARY 0x00005C0DE6B00000ull
#define GDT_EXTRA_ENTRIES 16
#define IDT_COPY_VECTORS 128
#define MEM_CANARY_WORDS 512
#define LAPIC_REGS 8

/* The control block of simd/state_check.h. */
struct sc_ctl {
  uint64_t gpr_in[16], gpr_out[16];
  uint64_t rflags_in, rflags_out, kernel_rsp, user_rsp, user_rflags_out, mxcsr_in, mxcsr_out,
      fcw_in, fcw_out;
  int64_t st0_in, st0_out;
  uint64_t use_avx, bank_args[4], bank_fn, bank_result, user_rflags_in, rflags_seen,
      user_rflags_seen;
  uint8_t pad[SC_VEC_IN - SC_USER_RFLAGS_SEEN - 8];
  uint8_t vec_in[16][32], vec_out[16][32];
};
_Static_assert(__builtin_offsetof(struct sc_ctl, gpr_out) == SC_GPR_OUT, "layout");
_Static_assert(__builtin_offsetof(struct sc_ctl, rflags_in) == SC_RFLAGS_IN, "layout");
_Static_assert(__builtin_offsetof(struct sc_ctl, user_rflags_out) == SC_USER_RFLAGS_OUT, "layout");
_Static_assert(__builtin_offsetof(struct sc_ctl, st0_out) == SC_ST0_OUT, "layout");
_Static_assert(__builtin_offsetof(struct sc_ctl, use_avx) == SC_USE_AVX, "layout");
_Static_assert(__builtin_offsetof(struct sc_ctl, bank_args) == SC_BANK_ARGS, "layout");
_Static_assert(__builtin_offsetof(struct sc_ctl, bank_result) == SC_BANK_RESULT, "layout");
_Static_assert(__builtin_offsetof(struct sc_ctl, user_rflags_seen) == SC_USER_RFLAGS_SEEN, "layout");
_Static_assert(__builtin_offsetof(struct sc_ctl, vec_in) == SC_VEC_IN, "layout");
_Static_assert(__builtin_offsetof(struct sc_ctl, vec_out) == SC_VEC_OUT, "layout");
_Static_assert(sizeof(struct sc_ctl) == SC_SIZE, "layout");

struct sc_ctl sc_ctl __attribute__((aligned(64)));
extern char sc_alt_stack[4096];
extern uint64_t boot_pml4[512], boot_pdpt[512], boot_gdt[GUEST_GDT_SIZE / 8];

static uint64_t pml4_copy[512] __attribute__((aligned(4096)));
static uint64_t pdpt_copy[512] __attribute__((aligned(4096)));
static uint64_t gdt_copy[GUEST_GDT_SIZE / 8 + GDT_EXTRA_ENTRIES] __attribute__((aligned(64)));
static uint8_t idt_copy[IDT_COPY_VECTORS * 16] __attribute__((aligned(4096)));
static uint64_t mem_canary[MEM_CANARY_WORDS] __attribute__((aligned(4096)));

static const char* const gpr_names[16] = {"RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "RSP",
                                          "R8",  "R9",  "R10", "R11", "R12", "R13", "R14", "R15"};
static const uint32_t lapic_offsets[LAPIC_REGS] = {0x080, 0x0D0, 0x0E0, 0x0F0,
                                                   0x320, 0x350, 0x360, 0x370};

/* Everything system-level the kernel can read at CPL 0. */
struct sys_state {
  uint64_t cr0, cr2, cr3, cr4, cr8, efer;
  struct desc_ptr gdtr, idtr;
  uint16_t tr, ldtr, cs, ds, es, fs, gs, ss;
  uint64_t fs_base, gs_base, kgs_base;
  uint64_t dr[8];
  uint32_t lapic[LAPIC_REGS];
};

static uint64_t read_dr(int n) {
  uint64_t v = 0;
  switch (n) {
    case 0: __asm__ volatile("mov %%dr0, %0" : "=r"(v)); break;
    case 1: __asm__ volatile("mov %%dr1, %0" : "=r"(v)); break;
    case 2: __asm__ volatile("mov %%dr2, %0" : "=r"(v)); break;
    case 3: __asm__ volatile("mov %%dr3, %0" : "=r"(v)); break;
    case 6: __asm__ volatile("mov %%dr6, %0" : "=r"(v)); break;
    case 7: __asm__ volatile("mov %%dr7, %0" : "=r"(v)); break;
    default: break;
  }
  return v;
}

static void write_dr(int n, uint64_t v) {
  switch (n) {
    case 0: __asm__ volatile("mov %0, %%dr0" : : "r"(v)); break;
    case 1: __asm__ volatile("mov %0, %%dr1" : : "r"(v)); break;
    case 2: __asm__ volatile("mov %0, %%dr2" : : "r"(v)); break;
    case 3: __asm__ volatile("mov %0, %%dr3" : : "r"(v)); break;
    default: break;
  }
}

#define READ_SEG(reg, out) __asm__ volatile("mov %%" reg ", %0" : "=r"(out))

static void read_sys(struct sys_state* s) {
  s->cr0 = read_cr0();
  s->cr2 = read_cr2();
  s->cr3 = read_cr3();
  s->cr4 = read_cr4();
  __asm__ volatile("mov %%cr8, %0" : "=r"(s->cr8));
  s->efer = rdmsr(GUEST_MSR_EFER);
  __asm__ volatile("sgdt %0" : "=m"(s->gdtr));
  __asm__ volatile("sidt %0" : "=m"(s->idtr));
  __asm__ volatile("str %0" : "=r"(s->tr));
  __asm__ volatile("sldt %0" : "=r"(s->ldtr));
  READ_SEG("cs", s->cs);
  READ_SEG("ds", s->ds);
  READ_SEG("es", s->es);
  READ_SEG("fs", s->fs);
  READ_SEG("gs", s->gs);
  READ_SEG("ss", s->ss);
  s->fs_base = rdmsr(MSR_FS_BASE);
  s->gs_base = rdmsr(MSR_GS_BASE);
  s->kgs_base = rdmsr(MSR_KERNEL_GS_BASE);
  for (int i = 0; i < 8; ++i) s->dr[i] = (i == 4 || i == 5) ? 0 : read_dr(i);
  for (int i = 0; i < LAPIC_REGS; ++i) s->lapic[i] = phys_read32(SVMM_MMIO_LAPIC + lapic_offsets[i]);
}

static char mismatch[160];

static void note(const char* what, uint64_t before, uint64_t after) {
  kprintf("state-check: %-22s 0x%016lx -> 0x%016lx%s\n", what, before, after,
          before == after ? "" : "  MISMATCH");
  if (before != after && !mismatch[0])
    snprintf_k(mismatch, sizeof mismatch, "%s changed from 0x%lx to 0x%lx", what, before, after);
}

static void compare_sys(const struct sys_state* a, const struct sys_state* b) {
  note("CR0", a->cr0, b->cr0);
  note("CR2", a->cr2, b->cr2);
  note("CR3", a->cr3, b->cr3);
  note("CR4", a->cr4, b->cr4);
  note("CR8", a->cr8, b->cr8);
  note("EFER", a->efer, b->efer);
  note("GDTR.base", a->gdtr.base, b->gdtr.base);
  note("GDTR.limit", a->gdtr.limit, b->gdtr.limit);
  note("IDTR.base", a->idtr.base, b->idtr.base);
  note("IDTR.limit", a->idtr.limit, b->idtr.limit);
  note("TR", a->tr, b->tr);
  note("LDTR", a->ldtr, b->ldtr);
  note("CS", a->cs, b->cs);
  note("DS", a->ds, b->ds);
  note("ES", a->es, b->es);
  note("FS", a->fs, b->fs);
  note("GS", a->gs, b->gs);
  note("SS", a->ss, b->ss);
  note("FS.base", a->fs_base, b->fs_base);
  note("GS.base", a->gs_base, b->gs_base);
  note("KERNEL_GS.base", a->kgs_base, b->kgs_base);
  static const char* drn[8] = {"DR0", "DR1", "DR2", "DR3", "", "", "DR6", "DR7"};
  for (int i = 0; i < 8; ++i)
    if (i != 4 && i != 5) note(drn[i], a->dr[i], b->dr[i]);
  for (int i = 0; i < LAPIC_REGS; ++i) {
    char name[24];
    snprintf_k(name, sizeof name, "LAPIC[0x%x]", lapic_offsets[i]);
    note(name, a->lapic[i], b->lapic[i]);
  }
}

/* ---- the distinctive environment ---- */

static struct sys_state saved;

static void load_segments(uint16_t ds, uint16_t fs_gs) {
  __asm__ volatile("mov %0, %%ds; mov %0, %%es" : : "r"(ds) : "memory");
  __asm__ volatile("mov %0, %%fs; mov %0, %%gs" : : "r"(fs_gs) : "memory");
}

static void env_enter(bool bank) {
  read_sys(&saved);
  memcpy(pdpt_copy, boot_pdpt, sizeof pdpt_copy);
  memset(pml4_copy, 0, sizeof pml4_copy);
  pml4_copy[0] = (uint64_t)(uintptr_t)pdpt_copy | (boot_pml4[0] & 0xFFF);
  memcpy(gdt_copy, boot_gdt, GUEST_GDT_SIZE);
  const struct desc_ptr idt = idt_descriptor();
  memcpy(idt_copy, (const void*)(uintptr_t)idt.base, sizeof idt_copy);
  const uint16_t user_ds = GUEST_SEL_USER_DATA | GUEST_RPL_USER;

  write_cr3((uint64_t)(uintptr_t)pml4_copy);
  const struct desc_ptr g = {sizeof gdt_copy - 1, (uint64_t)(uintptr_t)gdt_copy};
  const struct desc_ptr i = {sizeof idt_copy - 1, (uint64_t)(uintptr_t)idt_copy};
  __asm__ volatile("lgdt %0" : : "m"(g) : "memory");
  __asm__ volatile("lidt %0" : : "m"(i) : "memory");
  for (int n = 0; n < 4; ++n) write_dr(n, 0x00005C0DED000000ull + ((uint64_t)n << 12) + 0x10 * (uint64_t)(n + 1));
  __asm__ volatile("mov %0, %%cr2" : : "r"(CR2_CANARY));
  __asm__ volatile("mov %0, %%cr8" : : "r"((uint64_t)CR8_CANARY));
  load_segments(user_ds, user_ds);
  wrmsr(MSR_FS_BASE, bank ? SVMM_MMIO_CHIPSET_PUBLIC : FS_BASE_CANARY);
  wrmsr(MSR_GS_BASE, GS_BASE_CANARY);
  wrmsr(MSR_KERNEL_GS_BASE, KGS_BASE_CANARY);
}

static void env_leave(void) {
  wrmsr(MSR_KERNEL_GS_BASE, saved.kgs_base);
  load_segments(GUEST_SEL_DATA, 0);
  wrmsr(MSR_FS_BASE, saved.fs_base);
  wrmsr(MSR_GS_BASE, saved.gs_base);
  __asm__ volatile("mov %0, %%cr8" : : "r"(saved.cr8));
  __asm__ volatile("mov %0, %%cr2" : : "r"(saved.cr2));
  for (int n = 0; n < 4; ++n) write_dr(n, saved.dr[n]);
  __asm__ volatile("lidt %0" : : "m"(saved.idtr) : "memory");
  __asm__ volatile("lgdt %0" : : "m"(saved.gdtr) : "memory");
  write_cr3(saved.cr3);
}

/* ---- canaries ---- */

static uint64_t gpr_canary(unsigned i) { return 0x5C0DE00000000000ull | (uint64_t)i << 36 | (0x01010101ull * (i + 1)); }

static void prepare(bool bank, uint32_t fn, uint64_t report) {
  memset(&sc_ctl, 0, sizeof sc_ctl);
  for (unsigned i = 0; i < 16; ++i) sc_ctl.gpr_in[i] = gpr_canary(i);
  /* RSP: inside the spare stack, deliberately not 16-byte aligned. */
  sc_ctl.gpr_in[7] = (uint64_t)(uintptr_t)&sc_alt_stack[sizeof sc_alt_stack - 0x108];
  if (!bank) {
    sc_ctl.gpr_in[0] = (gpr_canary(0) & ~0xFFFFFFFFull) | fn; /* EAX = function */
    sc_ctl.gpr_in[1] = report;                                 /* RBX = report */
    sc_ctl.gpr_in[2] = 0;                                      /* RCX = flags */
    sc_ctl.gpr_in[3] = (gpr_canary(3) & ~0xFFFFull) | SVMM_PORT_HYPERCALL; /* DX = port */
  }
  sc_ctl.rflags_in = RFLAGS_CANARY;
  sc_ctl.user_rflags_in = RFLAGS_CANARY;
  sc_ctl.mxcsr_in = MXCSR_CANARY;
  sc_ctl.fcw_in = FCW_CANARY;
  sc_ctl.st0_in = ST0_CANARY;
  sc_ctl.use_avx = fpu_caps.avx;
  sc_ctl.bank_args[0] = report;
  sc_ctl.bank_args[1] = 0;
  sc_ctl.bank_args[2] = gpr_canary(4);
  sc_ctl.bank_args[3] = gpr_canary(5);
  sc_ctl.bank_fn = fn;
  for (unsigned r = 0; r < 16; ++r)
    for (unsigned b = 0; b < 32; ++b) sc_ctl.vec_in[r][b] = (uint8_t)(0x5A ^ (r * 16 + b) ^ (b >= 16 ? 0xC3 : 0));
  for (unsigned i = 0; i < MEM_CANARY_WORDS; ++i) mem_canary[i] = 0x4D454D0000000000ull | i;
}

static void check_vectors(void) {
  const unsigned bytes = sc_ctl.use_avx ? 32 : 16;
  for (unsigned r = 0; r < 16; ++r)
    for (unsigned b = 0; b < bytes; ++b)
      if (sc_ctl.vec_out[r][b] != sc_ctl.vec_in[r][b]) {
        uint64_t in[4], out[4];
        memcpy(in, sc_ctl.vec_in[r], sizeof in);
        memcpy(out, sc_ctl.vec_out[r], sizeof out);
        test_fail("%s%u byte %u changed: %016lx%016lx%016lx%016lx -> %016lx%016lx%016lx%016lx",
                  sc_ctl.use_avx ? "YMM" : "XMM", r, b, in[3], in[2], in[1], in[0], out[3], out[2],
                  out[1], out[0]);
      }
  kprintf("state-check: %s0-15 unchanged (%u bytes each)\n", sc_ctl.use_avx ? "YMM" : "XMM", bytes);
}

void scenario_state_check(void) {
  const enum transport_sel sel = transport_parse(SEL_PORT);
  if (sel == SEL_BOTH) test_fail("state-check takes transport=port or transport=bank");
  const bool bank = sel == SEL_BANK;
  const bool dry = cmdline_u64("dry", 0) != 0;
  const bool with_report = cmdline_u64("report", 1) != 0;
  struct secure_cfg cfg;
  secure_cfg_parse(&cfg, 1);
  user_init();
  idt_set_gate(GUEST_VECTOR_STATE_CHECK, (uint64_t)(uintptr_t)sc_kernel_port_entry, GUEST_RPL_USER);
  const uint64_t teardowns = cs_pub(SVMM_CS_TEARDOWN_COUNT);
  if (!dry) {
    if (cfg.vms == 0) test_fail("state-check needs vms=N >= 1 (or dry=1)");
    secure_launch(HC_PORT, SVMM_HC_LAUNCH_ALL, 0);
    secure_check_secure_mode();
    secure_wait_bits(ready_mask(cfg.vms), "every trusted VM ready");
  }
  const uint32_t fn = dry ? SVMM_HC_VERSION : SVMM_HC_TEARDOWN;
  const uint64_t report = with_report ? (uint64_t)(uintptr_t)&secure_report : 0;
  kprintf("state-check: %s through the %s from CPL %u%s, vector state %s\n", hc_name(fn),
          bank ? "bank" : "port", bank ? 3u : 0u, dry ? " (dry run)" : "",
          fpu_caps.avx ? "YMM0-15" : "XMM0-15 (no AVX here)");
  prepare(bank, fn, report);
  report_poison();
  const uint64_t xcr0_before = fpu_caps.xsetbv ? user_call(simd_xgetbv0, 0) : 0;

  struct sys_state before, after;
  env_enter(bank);
  read_sys(&before);
  user_call(bank ? sc_user_bank : sc_user_port, 0);
  read_sys(&after);
  env_leave();
  const uint64_t xcr0_after = fpu_caps.xsetbv ? user_call(simd_xgetbv0, 0) : 0;

  compare_sys(&before, &after);
  note("XCR0 (read at CPL 3)", xcr0_before, xcr0_after);
  if (mismatch[0]) test_fail("%s", mismatch);

  for (unsigned i = 0; i < 16; ++i) {
    uint64_t want = sc_ctl.gpr_in[i];
    if (i == 0 && !bank) want = dry ? sc_ctl.gpr_out[0] : 0; /* the result */
    kprintf("state-check: %-4s in 0x%016lx out 0x%016lx%s\n", gpr_names[i], sc_ctl.gpr_in[i],
            sc_ctl.gpr_out[i], sc_ctl.gpr_out[i] == want ? "" : "  MISMATCH");
    if (sc_ctl.gpr_out[i] != want)
      test_fail("%s after the call: 0x%lx, expected 0x%lx", gpr_names[i], sc_ctl.gpr_out[i], want);
  }
  kprintf("state-check: RFLAGS loaded 0x%lx, kept 0x%lx, after the call 0x%lx\n", sc_ctl.rflags_in,
          sc_ctl.rflags_seen, sc_ctl.rflags_out);
  if ((sc_ctl.rflags_seen & RFLAGS_COMPARED) != (RFLAGS_CANARY & RFLAGS_COMPARED))
    test_fail("POPF did not load the RFLAGS canary (0x%lx)", sc_ctl.rflags_seen);
  if (sc_ctl.rflags_out != sc_ctl.rflags_seen)
    test_fail("RFLAGS changed from 0x%lx to 0x%lx", sc_ctl.rflags_seen, sc_ctl.rflags_out);
  if (!bank) {
    kprintf("state-check: CPL 3 RFLAGS 0x%lx before int $%u, 0x%lx after\n", sc_ctl.user_rflags_seen,
            GUEST_VECTOR_STATE_CHECK, sc_ctl.user_rflags_out);
    if (sc_ctl.user_rflags_out != sc_ctl.user_rflags_seen || !(sc_ctl.user_rflags_out & 0x400))
      test_fail("CPL 3 RFLAGS changed from 0x%lx to 0x%lx (DF must stay set)", sc_ctl.user_rflags_seen,
                sc_ctl.user_rflags_out);
  }
  kprintf("state-check: MXCSR 0x%lx -> 0x%lx, FCW 0x%lx -> 0x%lx, ST0 0x%lx -> 0x%lx\n",
          sc_ctl.mxcsr_in, sc_ctl.mxcsr_out, sc_ctl.fcw_in, sc_ctl.fcw_out, (uint64_t)sc_ctl.st0_in,
          (uint64_t)sc_ctl.st0_out);
  if (sc_ctl.mxcsr_out != sc_ctl.mxcsr_in) test_fail("MXCSR changed to 0x%lx", sc_ctl.mxcsr_out);
  if ((sc_ctl.fcw_out & FCW_DEFINED) != (sc_ctl.fcw_in & FCW_DEFINED))
    test_fail("x87 control word changed to 0x%lx", sc_ctl.fcw_out);
  if (sc_ctl.st0_out != sc_ctl.st0_in) test_fail("ST0 changed to 0x%lx", (uint64_t)sc_ctl.st0_out);
  check_vectors();
  for (unsigned i = 0; i < MEM_CANARY_WORDS; ++i)
    if (mem_canary[i] != (0x4D454D0000000000ull | i)) test_fail("guest memory changed at %p", (void*)&mem_canary[i]);

  if (bank) {
    kprintf("state-check: HC.RESULT = %s\n", hc_result_name((int64_t)sc_ctl.bank_result));
    if (!dry && sc_ctl.bank_result != 0) test_fail("TEARDOWN through the bank returned %s", hc_result_name((int64_t)sc_ctl.bank_result));
  } else if (!dry) {
    kprintf("state-check: RAX after the OUT = %s\n", hc_result_name((int64_t)sc_ctl.gpr_out[0]));
  }
  if (dry) {
    kprintf("state-check: dry run, no teardown checks\n");
    return;
  }
  if (with_report)
    report_check(&secure_report, &cfg, SVMM_TRIGGER_GUEST_REQUEST);
  else if (!report_is_poisoned())
    test_fail("TEARDOWN without a report address wrote to the report buffer");
  secure_check_after_teardown(teardowns + 1);
}
