/* user-mode: the CPL 3 infrastructure on this host: running a function at CPL 3 and back,
 * exceptions raised at CPL 3 (OUT faults with #GP), SSE/AVX at CPL 3, memory fills at CPL 3,
 * RDRAND, MMIO from CPL 3 (the chipset's public window), the local APIC timer. */
#include <stdint.h>

#include "boot/layout.h"
#include "kernel/console.h"
#include "kernel/idle.h"
#include "kernel/idt.h"
#include "kernel/report.h"
#include "kernel/svmm.h"
#include "kernel/timer.h"
#include "kernel/usermode.h"
#include "kernel/x86.h"
#include "scenarios/scenarios.h"
#include "simd/simd.h"

#define VECTOR_GP 13
#define OUT_DX_EAX_LENGTH 1 /* ef */
/* Free low RAM (below the EBDA, above the AP trampoline and the spin counters): the kernel
 * image stays small enough for a 2 MiB trusted VM. */
#define FILL_BUFFER_GPA 0x50000ull
#define FILL_BUFFER_SIZE (256u * 1024u)

static uint64_t user_cpl_and_arg(uint64_t arg) {
  uint16_t cs;
  __asm__ volatile("mov %%cs, %0" : "=r"(cs));
  return (arg << 8) | (cs & 3u);
}

static uint64_t user_out(uint64_t arg) {
  __asm__ volatile("outl %%eax, %%dx" : : "a"((uint32_t)arg), "d"((uint16_t)SVMM_PORT_HYPERCALL) : "memory");
  return 0x600D;
}

static uint64_t user_bank_version(uint64_t arg) {
  (void)arg;
  return (uint64_t)hc_bank(SVMM_HC_VERSION, 0, 0, 0, 0);
}

static uint64_t user_read_didvid(uint64_t arg) {
  (void)arg;
  return cs_pub(SVMM_CS_DIDVID);
}

static void fill_test(bool avx2) {
  phys_write8(FILL_BUFFER_GPA, 0);
  phys_write8(FILL_BUFFER_GPA + FILL_BUFFER_SIZE - 1, 0);
  struct simd_fill_args a = {
      .base = FILL_BUFFER_GPA + 3, /* unaligned head and tail on purpose */
      .len = FILL_BUFFER_SIZE - 7,
      .marker = {0x0706050403020100ull, 0x0F0E0D0C0B0A0908ull},
      .use_avx2 = avx2,
      .mismatch_at = 0,
  };
  const uint64_t t0 = rdtsc();
  user_call(simd_fill, (uint64_t)(uintptr_t)&a);
  const uint64_t t1 = rdtsc();
  const uint64_t bad = user_call(simd_verify, (uint64_t)(uintptr_t)&a);
  const uint64_t t2 = rdtsc();
  kprintf("user-mode: %s fill of %lu bytes took %lu TSC cycles, verify %lu\n",
          avx2 ? "AVX2" : "SSE2", a.len, t1 - t0, t2 - t1);
  if (bad) test_fail("%s fill: mismatch at 0x%lx", avx2 ? "AVX2" : "SSE2", a.mismatch_at);
  for (uint64_t p = a.base; p < a.base + a.len; p += 4099) {
    const uint8_t want = (uint8_t)(p & 15);
    if (phys_read8(p) != want) test_fail("byte at 0x%lx is 0x%x, expected 0x%x", p, phys_read8(p), want);
  }
  if (phys_read8(FILL_BUFFER_GPA) != 0 || phys_read8(FILL_BUFFER_GPA + FILL_BUFFER_SIZE - 1) != 0)
    test_fail("the fill wrote outside its range");
}

void scenario_user_mode(void) {
  user_init();
  const uint64_t r = user_call(user_cpl_and_arg, 0xABCDEF);
  kprintf("user-mode: user function returned 0x%lx (CPL %lu)\n", r, r & 3);
  if (r != ((0xABCDEFull << 8) | 3)) test_fail("user function returned 0x%lx, expected CPL 3 and the argument", r);

  idt_expect(VECTOR_GP, OUT_DX_EAX_LENGTH);
  const uint64_t o = user_call(user_out, SVMM_HC_VERSION);
  const struct trap_record t = idt_take_record();
  idt_expect_cancel();
  kprintf("user-mode: OUT at CPL 3: %s (vector %lu, cs 0x%lx), function returned 0x%lx\n",
          t.seen ? "faulted" : "did not fault", t.vector, t.cs, o);
  if (!t.seen || (t.cs & 3) != 3 || o != 0x600D) test_fail("OUT at CPL 3 did not raise #GP at CPL 3");

  const uint64_t v = user_call(user_bank_version, 0);
  kprintf("user-mode: VERSION through the bank from CPL 3 = %s\n", hc_result_name((int64_t)v));
  kprintf("user-mode: DIDVID from CPL 3 = 0x%lx\n", user_call(user_read_didvid, 0));

  if (fpu_caps.rdrand) {
    const uint64_t a = user_call(simd_rdrand, 0), b = user_call(simd_rdrand, 0);
    kprintf("user-mode: RDRAND at CPL 3: 0x%lx 0x%lx\n", a, b);
    if (a == b) test_fail("RDRAND returned the same value twice");
  }
  fill_test(false);
  if (fpu_caps.avx2) fill_test(true);

  const bool timer = idle_init();
  const uint64_t t0 = rdtsc();
  idle_wait_ms(20);
  kprintf("user-mode: idle_wait_ms(20) took %lu TSC cycles (timer %s, %lu ticks)\n", rdtsc() - t0,
          timer ? "on" : "off", idle_ticks());
}
