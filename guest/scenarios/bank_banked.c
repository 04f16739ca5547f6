/* bank-banked [count=N] [cpus=2] [cpl=3|0]: two vCPUs use the hypercall bank at the same time
 * (spec/chipset.md: HC.ARG0-3 and HC.RESULT are banked per vCPU). Each loops N times (default
 * 5000): writes its own ARG0-3, calls VERSION or STATE through HC.CALL, checks HC.RESULT and
 * that ARG0-3 still hold its own values. The loops run at CPL 3 (native on kvm_pvm) unless
 * cpl=0. */
#include <stdint.h>

#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/report.h"
#include "kernel/smp.h"
#include "kernel/timer.h"
#include "kernel/usermode.h"
#include "scenarios/scenarios.h"
#include "scenarios/secure.h"

#define START_TIMEOUT_MS 10000
#define FINISH_TIMEOUT_MS 600000

struct bank_loop {
  uint64_t cpu, count, state;
  uint64_t done, fail_iter, fail_what, got, want;
  uint64_t tsc_start, tsc_end;
};
static struct bank_loop loops[2];
static volatile uint32_t ap_ready, go, ap_finished;
static volatile uint64_t use_user;

/* Runs at CPL 3 (or 0): integer code and MMIO only. */
static uint64_t bank_loop(uint64_t arg) {
  struct bank_loop* b = (struct bank_loop*)(uintptr_t)arg;
  const uint64_t w = SVMM_MMIO_CHIPSET_PUBLIC;
  b->tsc_start = rdtsc();
  for (uint64_t i = 0; i < b->count; ++i) {
    const uint64_t base = (b->cpu + 1) << 56 | (i << 8);
    for (uint64_t k = 0; k < 4; ++k) phys_write64(w + SVMM_CS_HC_ARG0 + 8 * k, base | k);
    const uint32_t fn = (i & 1) ? SVMM_HC_STATE : SVMM_HC_VERSION;
    const uint64_t want = (i & 1) ? b->state : SVMM_HC_VERSION_VALUE;
    phys_write64(w + SVMM_CS_HC_CALL, fn);
    const uint64_t got = phys_read64(w + SVMM_CS_HC_RESULT);
    if (got != want) {
      b->fail_iter = i, b->fail_what = 1, b->got = got, b->want = want;
      return 1;
    }
    for (uint64_t k = 0; k < 4; ++k) {
      const uint64_t a = phys_read64(w + SVMM_CS_HC_ARG0 + 8 * k);
      if (a != (base | k)) {
        b->fail_iter = i, b->fail_what = 2 + k, b->got = a, b->want = base | k;
        return 1;
      }
    }
    b->done = i + 1;
  }
  b->tsc_end = rdtsc();
  return 0;
}

static uint64_t run_loop(struct bank_loop* b) {
  return use_user ? user_call(bank_loop, (uint64_t)(uintptr_t)b) : bank_loop((uint64_t)(uintptr_t)b);
}

static void ap_work(uint32_t cpu, uint32_t apic_id) {
  (void)apic_id;
  if (use_user) user_init_cpu(cpu);
  __atomic_store_n(&ap_ready, 1, __ATOMIC_RELEASE);
  while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE)) cpu_relax();
  run_loop(&loops[1]);
  __atomic_store_n(&ap_finished, 1, __ATOMIC_RELEASE);
}

static void report_loop(const struct bank_loop* b) {
  static const char* what[] = {"", "HC.RESULT", "HC.ARG0", "HC.ARG1", "HC.ARG2", "HC.ARG3"};
  if (!b->fail_what)
    kprintf("bank-banked: vCPU %lu did %lu of %lu calls in %lu TSC cycles\n", b->cpu, b->done,
            b->count, b->tsc_end - b->tsc_start);
  else
    test_fail("vCPU %lu, iteration %lu: %s = 0x%lx, expected 0x%lx", b->cpu, b->fail_iter,
              what[b->fail_what], b->got, b->want);
}

void scenario_bank_banked(void) {
  const uint64_t count = cmdline_u64("count", 5000);
  use_user = cmdline_u64("cpl", 3) == 3;
  struct mp_cpus cpus;
  smp_discover(&cpus, cmdline_u64("cpus", 2));
  if (cpus.count < 2) test_fail("bank-banked needs 2 vCPUs, the MP table lists %u", cpus.count);
  if (use_user) user_init();
  const int64_t state = hc_port(SVMM_HC_STATE, 0, 0, 0, 0);
  kprintf("bank-banked: %lu calls per vCPU at CPL %u, STATE %ld\n", count, use_user ? 3u : 0u, state);
  for (unsigned i = 0; i < 2; ++i) loops[i] = (struct bank_loop){.cpu = i, .count = count, .state = (uint64_t)state};
  if (smp_start_aps(&cpus, ap_work) < 1) test_fail("vCPU 1 did not start");
  struct deadline d = deadline_after_ms(START_TIMEOUT_MS);
  while (!__atomic_load_n(&ap_ready, __ATOMIC_ACQUIRE))
    if (deadline_passed(d)) test_fail("vCPU 1 did not get ready");
  __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
  run_loop(&loops[0]);
  d = deadline_after_ms(FINISH_TIMEOUT_MS);
  while (!__atomic_load_n(&ap_finished, __ATOMIC_ACQUIRE))
    if (deadline_passed(d)) test_fail("vCPU 1 did not finish (%lu calls done)", loops[1].done);
  report_loop(&loops[0]);
  report_loop(&loops[1]);
  const bool overlap = loops[0].tsc_start < loops[1].tsc_end && loops[1].tsc_start < loops[0].tsc_end;
  kprintf("bank-banked: the two loops %s in time\n", overlap ? "overlapped" : "did NOT overlap");
  if (!overlap) test_fail("the two vCPUs' loops did not run at the same time");
}
