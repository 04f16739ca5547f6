#include "kernel/usermode.h"

#include <stddef.h>

#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/idt.h"
#include "kernel/report.h"
#include "kernel/x86.h"
#include "simd/simd.h"

#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_NE (1ull << 5)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE (1ull << 18)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_AVX (1u << 28)
#define CPUID1_ECX_RDRAND (1u << 30)
#define CPUID7_EBX_AVX2 (1u << 5)
#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)
#define XCR0_WANTED (XCR0_X87 | XCR0_SSE | XCR0_AVX)
#define VECTOR_UD 6
#define VECTOR_GP 13
#define MOV_TO_CR4_LENGTH 3 /* 0f 22 e0 */
#define XSETBV_LENGTH 3     /* 0f 01 d1 */
#define TSS_ACCESS_AVAILABLE64 0x89 /* present, DPL 0, available 64-bit TSS */
#define MSR_FS_BASE 0xC0000100u

extern uint64_t boot_gdt[GUEST_GDT_SIZE / 8]; /* boot/entry32.S */
extern char user_stacks[GUEST_USER_CPUS][GUEST_USER_STACK_SIZE]; /* boot/user_entry.S */
extern void user_return_entry(void);
uint64_t user_call_asm(uint64_t fn, uint64_t arg, uint64_t user_rsp, uint64_t* tss_rsp0);

struct fpu_caps fpu_caps;
static struct tss64 tss[GUEST_USER_CPUS] __attribute__((aligned(64)));
static bool bsp_done;

struct tss64* user_tss(uint32_t cpu) { return &tss[cpu]; }

uint64_t user_stack_top(uint32_t cpu) {
  return (uint64_t)(uintptr_t)&user_stacks[cpu][GUEST_USER_STACK_SIZE];
}

static void load_tss(uint32_t cpu) {
  const uint64_t base = (uint64_t)(uintptr_t)&tss[cpu];
  const uint64_t limit = sizeof(struct tss64) - 1;
  tss[cpu].iomap_base = sizeof(struct tss64); /* beyond the limit: no I/O bitmap */
  const uint32_t slot = (GUEST_SEL_TSS0 + 16 * cpu) / 8;
  boot_gdt[slot] = (limit & 0xFFFF) | (base & 0xFFFFFF) << 16 |
                   (uint64_t)TSS_ACCESS_AVAILABLE64 << 40 | ((limit >> 16) & 0xF) << 48 |
                   ((base >> 24) & 0xFF) << 56;
  boot_gdt[slot + 1] = base >> 32;
  /* The trampoline's GDTR already covers the whole GDT; reload it anyway for the BSP, whose
   * GDTR came from boot_gdt_ptr (same limit). */
  const uint16_t sel = (uint16_t)(GUEST_SEL_TSS0 + 16 * cpu);
  __asm__ volatile("ltr %0" : : "r"(sel) : "memory");
}

/* CR0/CR4 for SSE (and OSXSAVE + XCR0 if the BSP found they work). */
static void enable_vector_state(bool report) {
  write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
  write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
  if (!fpu_caps.avx_tried) return;
  if (report) {
    /* First time (BSP): find out whether this host lets us. */
    idt_expect(VECTOR_GP, MOV_TO_CR4_LENGTH);
    write_cr4(read_cr4() | CR4_OSXSAVE);
    struct trap_record r = idt_take_record();
    idt_expect_cancel();
    fpu_caps.osxsave = !r.seen && (read_cr4() & CR4_OSXSAVE);
    if (!fpu_caps.osxsave) {
      kprintf("user: setting CR4.OSXSAVE %s; XMM only\n", r.seen ? "raised #GP" : "did not stick");
      return;
    }
    idt_expect(VECTOR_GP, XSETBV_LENGTH);
    __asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)XCR0_WANTED), "d"(0) : "memory");
    r = idt_take_record();
    idt_expect_cancel();
    /* XGETBV is not emulated at CPL 0 on kvm_pvm (KVM internal error): read XCR0 at CPL 3,
     * where XGETBV is allowed once CR4.OSXSAVE is set. */
    fpu_caps.xcr0 = user_call(simd_xgetbv0, 0);
    fpu_caps.xsetbv = !r.seen && (fpu_caps.xcr0 & XCR0_WANTED) == XCR0_WANTED;
    if (!fpu_caps.xsetbv) {
      kprintf("user: XSETBV(0, 0x%llx) %s (XCR0 reads 0x%lx); XMM only\n",
              (unsigned long long)XCR0_WANTED, r.seen ? "raised #GP" : "did not stick",
              fpu_caps.xcr0);
      write_cr4(read_cr4() & ~CR4_OSXSAVE);
    }
    return;
  }
  if (fpu_caps.xsetbv) {
    write_cr4(read_cr4() | CR4_OSXSAVE);
    __asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)XCR0_WANTED), "d"(0) : "memory");
  }
}

void user_init_cpu(uint32_t cpu) {
  if (cpu >= GUEST_USER_CPUS) test_fail("cpu %u cannot run user code (max %u)", cpu, GUEST_USER_CPUS);
  load_tss(cpu);
  enable_vector_state(false);
}

/* Runs a CPL 3 probe (simd/probe.S); a #UD resumes it at simd_probe_fault_landing (-> 0). */
static uint64_t probe(user_fn fn, struct trap_record* t) {
  idt_expect_resume(VECTOR_UD, (uint64_t)(uintptr_t)simd_probe_fault_landing);
  const uint64_t r = user_call(fn, 0);
  *t = idt_take_record();
  idt_expect_cancel();
  return r;
}

void user_init(void) {
  if (bsp_done) return;
  bsp_done = true;
  idt_set_gate(GUEST_VECTOR_USER_RETURN, (uint64_t)(uintptr_t)user_return_entry, GUEST_RPL_USER);
  load_tss(0);

  const struct cpuid_regs l1 = cpuid(1, 0);
  const struct cpuid_regs l7 = cpuid(0, 0).eax >= 7 ? cpuid(7, 0) : (struct cpuid_regs){0, 0, 0, 0};
  fpu_caps.rdrand = (l1.ecx & CPUID1_ECX_RDRAND) != 0;
  const bool cpuid_avx = (l1.ecx & CPUID1_ECX_XSAVE) && (l1.ecx & CPUID1_ECX_AVX);
  fpu_caps.avx_tried = cpuid_avx && cmdline_u64("avx", 1) != 0;
  if (!cpuid_avx) kprintf("user: CPUID offers no XSAVE+AVX; XMM only\n");
  else if (!fpu_caps.avx_tried) kprintf("user: avx=0 given; XMM only\n");
  enable_vector_state(true);

  struct trap_record t;
  if (probe(simd_probe_sse, &t) != SIMD_PROBE_OK)
    test_fail("SSE does not work at CPL 3 (%s)", t.seen ? "#UD" : "wrong values");
  if (fpu_caps.xsetbv) {
    fpu_caps.avx = probe(simd_probe_avx, &t) == SIMD_PROBE_OK;
    if (!fpu_caps.avx)
      kprintf("user: YMM probe at CPL 3 %s; XMM only\n",
              t.seen ? "raised #UD" : "lost the upper halves");
  }
  fpu_caps.avx2 = fpu_caps.avx && (l7.ebx & CPUID7_EBX_AVX2);
  kprintf("user: CPL 3 ready; SSE yes, XSETBV %s (XCR0 0x%lx), AVX %s, AVX2 %s, RDRAND %s\n",
          fpu_caps.xsetbv ? "yes" : "no", fpu_caps.xsetbv ? fpu_caps.xcr0 : 0ul,
          fpu_caps.avx ? "yes" : "no", fpu_caps.avx2 ? "yes" : "no",
          fpu_caps.rdrand ? "yes" : "no");
}

uint32_t user_cpu_index(void) {
  uint16_t sel;
  __asm__ volatile("str %0" : "=r"(sel));
  if (sel < GUEST_SEL_TSS0 || sel >= GUEST_GDT_SIZE)
    test_fail("this CPU has no kernel TSS (TR 0x%x): user_init_cpu was not called", sel);
  return (uint32_t)(sel - GUEST_SEL_TSS0) / 16;
}

uint64_t user_call(user_fn fn, uint64_t arg) {
  const uint32_t cpu = user_cpu_index();
  /* RSP0 sits at offset 4 of the TSS: architecturally unaligned. */
  uint64_t* rsp0 = (uint64_t*)((uintptr_t)&tss[cpu] + offsetof(struct tss64, rsp0));
  return user_call_asm((uint64_t)(uintptr_t)fn, arg, user_stack_top(cpu), rsp0);
}

uint64_t user_call_fs(user_fn fn, uint64_t arg, uint64_t fs_base) {
  const uint16_t sel = GUEST_SEL_USER_DATA | GUEST_RPL_USER;
  __asm__ volatile("mov %0, %%fs" : : "r"(sel) : "memory");
  wrmsr(MSR_FS_BASE, fs_base);
  const uint64_t r = user_call(fn, arg);
  __asm__ volatile("mov %0, %%fs" : : "r"((uint16_t)0) : "memory");
  return r;
}
