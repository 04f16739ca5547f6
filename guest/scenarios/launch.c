/* The guest OS's secure launch and teardown (spec/guest-abi.md sections 5-6, chipset.md
 * section 3), with trusted VMs running this kernel (scenarios/trusted.c):
 *   launch-teardown vms=N [mem=M1,...] [transport=port|bank|both]
 *   launch-cycles count=K vms=N [mem=...] [transport=port|bank|both]
 *   launch-await-teardown [vms=N] [ready=0|1] [timeout_ms=T] [trigger=C]
 *   spin-secure [vms=N] [cpus=N]   (scenarios/smp_spin.c does the spinning) */
#include <stdint.h>

#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/idle.h"
#include "kernel/report.h"
#include "kernel/string.h"
#include "kernel/timer.h"
#include "scenarios/scenarios.h"
#include "scenarios/secure.h"

#define MISALIGNED_OFFSET 4
#define OUTSIDE_RAM 0xD0000000ull
#define CYCLES_PROGRESS_EVERY 20

static uint64_t report_gpa(void) { return (uint64_t)(uintptr_t)&secure_report; }

/* One SECURE_LAUNCH .. TEARDOWN with every check. Returns PUBLIC.KEY's first word. */
static uint64_t launch_teardown_once(enum hc_transport t, const struct secure_cfg* cfg) {
  kprintf("launch-teardown: --- launch and teardown through the %s ---\n", hc_transport_name(t));
  hc_both("before launch", SVMM_HC_STATE, 0, 0, 0, 0, 0);
  const uint64_t teardowns = cs_pub(SVMM_CS_TEARDOWN_COUNT);

  secure_launch(t, SVMM_HC_LAUNCH_ALL, 0);
  hc_both("after launch", SVMM_HC_STATE, 0, 0, 0, 0, 1);
  const uint64_t key = secure_check_secure_mode();
  hc_both("second launch", SVMM_HC_SECURE_LAUNCH, SVMM_HC_LAUNCH_ALL, 0, 0, 0, -SVMM_EBUSY);
  hc_both("second launch of VM 0", SVMM_HC_SECURE_LAUNCH, 0, 0, 0, 0, -SVMM_EBUSY);
  secure_wait_bits(ready_mask(cfg->vms), "every trusted VM ready");

  /* Refused teardowns change nothing (checked before anything is torn down). */
  report_poison();
  const uint64_t chipset_area = memmap_chipset_area(), ram_end = memmap_high_ram_end();
  hc_both("teardown, misaligned report", SVMM_HC_TEARDOWN, report_gpa() + MISALIGNED_OFFSET, 0, 0,
          0, -SVMM_EFAULT);
  hc_both("teardown, report outside RAM", SVMM_HC_TEARDOWN, OUTSIDE_RAM, 0, 0, 0, -SVMM_EFAULT);
  hc_both("teardown, report in the reserved area at 0x9fc00", SVMM_HC_TEARDOWN,
          SVMM_E820_LOW_RAM_END, 0, 0, 0, -SVMM_EFAULT);
  hc_both("teardown, report straddling 0x9fc00", SVMM_HC_TEARDOWN, SVMM_E820_LOW_RAM_END - 32, 0,
          0, 0, -SVMM_EFAULT);
  if (chipset_area)
    hc_both("teardown, report in the chipset area", SVMM_HC_TEARDOWN, chipset_area, 0, 0, 0,
            -SVMM_EFAULT);
  if (ram_end)
    hc_both("teardown, report straddling the end of RAM", SVMM_HC_TEARDOWN, ram_end - 32, 0, 0, 0,
            -SVMM_EFAULT);
  hc_both("teardown, report at 2^63", SVMM_HC_TEARDOWN, 1ull << 63, 0, 0, 0, -SVMM_EFAULT);
  hc_both("teardown, flags 1", SVMM_HC_TEARDOWN, report_gpa(), 1, 0, 0, -SVMM_EINVAL);
  hc_both("teardown, flags 1 and a misaligned report", SVMM_HC_TEARDOWN,
          report_gpa() + MISALIGNED_OFFSET, 1, 0, 0, -SVMM_EINVAL);
  if (!report_is_poisoned()) test_fail("a refused TEARDOWN wrote to the report buffer");
  hc_both("after refused teardowns", SVMM_HC_STATE, 0, 0, 0, 0, 1);
  if (cs_pub(SVMM_CS_STATE) != 1) test_fail("SVMM.STATE left secure mode after refused teardowns");

  report_poison();
  const uint64_t t0 = rdtsc();
  hc_expect(t, "teardown", SVMM_HC_TEARDOWN, report_gpa(), 0, 0, 0, 0);
  kprintf("launch-teardown: TEARDOWN took %lu TSC cycles\n", rdtsc() - t0);
  report_check(&secure_report, cfg, SVMM_TRIGGER_GUEST_REQUEST);
  secure_check_after_teardown(teardowns + 1);
  uint64_t after[4];
  public_key_read(after);
  if (after[0] != key) test_fail("PUBLIC.KEY changed at teardown (0x%lx -> 0x%lx)", key, after[0]);
  report_poison();
  hc_both("second teardown", SVMM_HC_TEARDOWN, report_gpa(), 0, 0, 0, -SVMM_EINVAL);
  if (!report_is_poisoned()) test_fail("a refused TEARDOWN wrote to the report buffer");
  return key;
}

void scenario_launch_teardown(void) {
  struct secure_cfg cfg;
  secure_cfg_parse(&cfg, 1);
  if (cfg.vms == 0) test_fail("launch-teardown needs vms=N >= 1");
  const enum transport_sel sel = transport_parse(SEL_BOTH);
  /* writers=1: the other vCPUs keep writing memory (their spin counters) during the calls. */
  const uint32_t writers = cmdline_u64("writers", 0) ? spin_start_aps() : 0;
  if (writers) kprintf("launch-teardown: %u other vCPU(s) writing memory\n", writers);
  uint64_t key1 = 0, key2 = 0;
  if (sel != SEL_BANK) key1 = launch_teardown_once(HC_PORT, &cfg);
  if (sel != SEL_PORT) key2 = launch_teardown_once(HC_BANK, &cfg);
  for (uint32_t apic = 1; apic <= writers; ++apic) {
    /* They run on after the teardowns. */
    const uint64_t before = spin_counter(apic);
    uint64_t spins = 0;
    while (spin_counter(apic) == before && ++spins < 100000000ull) __asm__ volatile("pause");
    if (spin_counter(apic) == before) test_fail("vCPU with APIC id %u stopped writing", apic);
    kprintf("launch-teardown: vCPU %u wrote on (%lu -> %lu)\n", apic, before, spin_counter(apic));
  }
  if (sel == SEL_BOTH && key1 != key2)
    test_fail("PUBLIC.KEY differs between two launches of the same VMs (0x%lx, 0x%lx)", key1, key2);
}

void scenario_launch_cycles(void) {
  struct secure_cfg cfg;
  secure_cfg_parse(&cfg, 1);
  if (cfg.vms == 0) test_fail("launch-cycles needs vms=N >= 1");
  const uint64_t count = cmdline_u64("count", 200);
  const enum transport_sel sel = transport_parse(SEL_BOTH);
  const uint64_t teardowns = cs_pub(SVMM_CS_TEARDOWN_COUNT);
  const uint64_t start = rdtsc();
  idle_init();
  for (uint64_t i = 0; i < count; ++i) {
    const enum hc_transport t = sel == SEL_PORT ? HC_PORT : sel == SEL_BANK ? HC_BANK : (i & 1) ? HC_BANK : HC_PORT;
    ready_clear();
    int64_t r = hc_call(t, SVMM_HC_SECURE_LAUNCH, SVMM_HC_LAUNCH_ALL, 0, 0, 0);
    if (r != 0) test_fail("cycle %lu: SECURE_LAUNCH via %s = %s", i, hc_transport_name(t), hc_result_name(r));
    if (!ready_wait(ready_mask(cfg.vms), cmdline_u64("ready_ms", SVMM_TEST_READY_TIMEOUT_MS)))
      test_fail("cycle %lu: trusted VMs not ready", i);
    report_poison();
    r = hc_call(t, SVMM_HC_TEARDOWN, report_gpa(), 0, 0, 0);
    if (r != 0) test_fail("cycle %lu: TEARDOWN via %s = %s", i, hc_transport_name(t), hc_result_name(r));
    if (secure_report.magic != SVMM_TEARDOWN_REPORT_MAGIC || secure_report.trusted_vms != cfg.vms ||
        secure_report.trigger != SVMM_TRIGGER_GUEST_REQUEST ||
        (cfg.mem_given && secure_report.bytes_scrubbed != cfg.mem_total_mib << 20)) {
      report_print(&secure_report);
      test_fail("cycle %lu: bad teardown report", i);
    }
    const uint64_t state = cs_pub(SVMM_CS_STATE), done = cs_pub(SVMM_CS_TEARDOWN_COUNT);
    if (state != 0 || done != teardowns + i + 1)
      test_fail("cycle %lu: SVMM.STATE %lu, TEARDOWN-COUNT %lu (expected %lu)", i, state, done,
                teardowns + i + 1);
    if ((i + 1) % CYCLES_PROGRESS_EVERY == 0 || i + 1 == count) {
      kprintf("launch-cycles: %lu of %lu cycles done (%lu TSC cycles so far, last teardown %lu ns)\n",
              i + 1, count, rdtsc() - start, secure_report.duration_ns);
      /* pause_ms=T: stay in normal mode a while, so a host can sample svmm between cycles. */
      const uint64_t pause = cmdline_u64("pause_ms", 0);
      if (pause) idle_wait_ms(pause);
    }
  }
  secure_check_after_teardown(teardowns + count);
}

/* Launch, then wait for a teardown somebody else triggers (a trusted VM's fault or exit, an
 * abort under policy teardown, the control socket, a signal). */
void scenario_launch_await_teardown(void) {
  struct secure_cfg cfg;
  secure_cfg_parse(&cfg, 1);
  const uint64_t timeout = cmdline_u64("timeout_ms", 30000);
  const uint64_t teardowns = cs_pub(SVMM_CS_TEARDOWN_COUNT);
  secure_launch(HC_PORT, SVMM_HC_LAUNCH_ALL, 0);
  /* A trusted VM that exits or faults right away may have been torn down already. */
  if (cs_pub(SVMM_CS_TEARDOWN_COUNT) == teardowns) {
    kprintf("launch-await-teardown: SVMM.STATE %lu, STS 0x%lx after the launch\n",
            cs_pub(SVMM_CS_STATE), cs_pub(SVMM_CS_STS));
    if (cmdline_u64("ready", 0)) secure_wait_bits(ready_mask(cfg.vms), "every trusted VM ready");
  }
  kprintf("launch-await-teardown: waiting up to %lu ms for a teardown\n", timeout);
  idle_init();
  const struct deadline d = deadline_after_ms(timeout);
  while (cs_pub(SVMM_CS_STATE) != 0) {
    if (deadline_passed(d)) test_fail("still in secure mode after %lu ms", timeout);
    idle_wait_ms(5);
  }
  kprintf("launch-await-teardown: back in normal mode, this vCPU kept running\n");
  secure_check_after_teardown(teardowns + 1);
  hc_both("teardown after the teardown", SVMM_HC_TEARDOWN, 0, 0, 0, 0, -SVMM_EINVAL);
}

void scenario_spin_secure(void) {
  struct secure_cfg cfg;
  secure_cfg_parse(&cfg, 0);
  secure_launch(HC_PORT, SVMM_HC_LAUNCH_ALL, 0);
  secure_check_secure_mode();
  if (cfg.vms) secure_wait_bits(ready_mask(cfg.vms), "every trusted VM ready");
  scenario_spin();
}
