/* smp cpus=N and spin: start every processor the MP table lists. */
#include <stdbool.h>
#include <stdint.h>

#include "guest/test_abi.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/lapic.h"
#include "kernel/report.h"
#include "kernel/smp.h"
#include "kernel/string.h"
#include "kernel/timer.h"
#include "kernel/x86.h"
#include "scenarios/scenarios.h"

/* How long the BSP waits for every started AP to report (they print one line each). */
#define REPORT_TIMEOUT_MS 10000
#define SPIN_COUNTER_STRIDE 64

static volatile uint32_t cpus_reported;

static void report_cpu(uint32_t cpu, uint32_t apic_id) {
  kprintf("smp: cpu %u apic %u\n", cpu, apic_id);
  __atomic_add_fetch(&cpus_reported, 1, __ATOMIC_RELEASE);
}

static bool wait_reported(uint32_t count, uint64_t ms) {
  struct deadline d = deadline_after_ms(ms);
  while (__atomic_load_n(&cpus_reported, __ATOMIC_ACQUIRE) < count) {
    if (deadline_passed(d)) return false;
    cpu_relax();
  }
  return true;
}

void scenario_smp(void) {
  const uint64_t want = cmdline_u64("cpus", 0);
  struct mp_cpus cpus;
  smp_discover(&cpus, want);
  report_cpu(0, lapic_id());
  const uint32_t running = 1 + smp_start_aps(&cpus, report_cpu);
  if (!wait_reported(running, REPORT_TIMEOUT_MS))
    test_fail("timeout: %u of %u cpus reported", __atomic_load_n(&cpus_reported, __ATOMIC_ACQUIRE),
              cpus.count);
  if (running != cpus.count) test_fail("only %u of %u cpus started", running, cpus.count);
  if (want && cpus.count != want)
    test_fail("MP table lists %u cpus, expected cpus=%lu", cpus.count, want);
  if (!want) kprintf("smp: no cpus=N given, count not checked\n");
}

/* spin: vCPU n increments the counter at SVMM_TEST_SPIN_COUNTERS_GPA + 64 * n forever, with
 * nothing in the loop that exits to the VMM. n is the APIC ID, which is the vCPU index in
 * svmm (and in KVM's default numbering). */
static _Noreturn void spin_forever(uint32_t apic_id) {
  volatile uint64_t* counter =
      (volatile uint64_t*)(uintptr_t)(SVMM_TEST_SPIN_COUNTERS_GPA +
                                      (uint64_t)apic_id * SPIN_COUNTER_STRIDE);
  for (;;) *counter = *counter + 1;
}

static void spin_cpu(uint32_t cpu, uint32_t apic_id) {
  (void)cpu;
  __atomic_add_fetch(&cpus_reported, 1, __ATOMIC_RELEASE);
  spin_forever(apic_id);
}

/* Starts every AP of the MP table spinning on its counter (the BSP returns); the number of
 * APs spinning. Used by scenarios whose other vCPUs must keep writing memory meanwhile. */
uint32_t spin_start_aps(void) {
  struct mp_cpus cpus;
  smp_discover(&cpus, 1);
  for (uint32_t i = 0; i < cpus.count; ++i)
    if (cpus.apic_ids[i] >= SVMM_TEST_MAX_CPUS)
      test_fail("apic id %u has no spin counter", cpus.apic_ids[i]);
  memset((void*)(uintptr_t)SVMM_TEST_SPIN_COUNTERS_GPA, 0,
         SVMM_TEST_MAX_CPUS * SPIN_COUNTER_STRIDE);
  cpus_reported = 1;
  const uint32_t started = cpus.count > 1 ? smp_start_aps(&cpus, spin_cpu) : 0;
  if (!wait_reported(1 + started, REPORT_TIMEOUT_MS)) test_fail("spinning APs did not report");
  return started;
}

uint64_t spin_counter(uint32_t apic_id) {
  return *(volatile uint64_t*)(uintptr_t)(SVMM_TEST_SPIN_COUNTERS_GPA +
                                          (uint64_t)apic_id * SPIN_COUNTER_STRIDE);
}

void scenario_spin(void) {
  struct mp_cpus cpus;
  smp_discover(&cpus, cmdline_u64("cpus", 1));
  const uint32_t self = lapic_id();
  for (uint32_t i = 0; i < cpus.count; ++i)
    if (cpus.apic_ids[i] >= SVMM_TEST_MAX_CPUS)
      test_fail("apic id %u has no spin counter", cpus.apic_ids[i]);
  if (self >= SVMM_TEST_MAX_CPUS) test_fail("apic id %u has no spin counter", self);
  memset((void*)(uintptr_t)SVMM_TEST_SPIN_COUNTERS_GPA, 0,
         SVMM_TEST_MAX_CPUS * SPIN_COUNTER_STRIDE);

  cpus_reported = 1; /* this CPU */
  const uint32_t running = cpus.count > 1 ? 1 + smp_start_aps(&cpus, spin_cpu) : 1;
  if (!wait_reported(running, REPORT_TIMEOUT_MS))
    test_fail("timeout: %u of %u cpus spinning", __atomic_load_n(&cpus_reported, __ATOMIC_ACQUIRE),
              cpus.count);
  if (running != cpus.count) test_fail("only %u of %u cpus started", running, cpus.count);
  kprintf("spin: running\n");
  spin_forever(self);
}
