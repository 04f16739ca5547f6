/* abort-policy policy=NAME [vector=N] [vms=N]: the visible effect of chipset.abort_policy
 * (spec/chipset.md section 4) on aborted accesses of the guest OS:
 *   all-ones    a private-window read (no grant) reads all ones at every width
 *   all-zeros   ... reads zeros
 *   error-code  ... reads all ones; ERRORCODE = valid | external | (0x5356 << 16) | reason, for
 *               reasons 1 (private window), 2 (read-only register) and 7 (refused hypercall)
 *   interrupt   vector N (default 242) is delivered to this vCPU once per abort, never otherwise
 *   teardown    in normal mode nothing happens; after SECURE_LAUNCH (vms=N, default 1) an abort
 *               makes svmm tear down (trigger breach): STATE 0, TEARDOWN-COUNT + 1, this vCPU
 *               keeps running
 *   reset       svmm resets (ends) the machine, after a teardown if vms=N > 0 launched first:
 *               never reaches PASS */
#include <stdint.h>

#include "guest/test_abi.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/idle.h"
#include "kernel/idt.h"
#include "kernel/report.h"
#include "kernel/string.h"
#include "kernel/timer.h"
#include "scenarios/scenarios.h"
#include "scenarios/secure.h"

#define DELIVERY_WAIT_MS 1000
#define NO_DELIVERY_WAIT_MS 50
#define TEARDOWN_WAIT_MS 10000
#define RESET_WAIT_MS 3000

static volatile uint64_t deliveries;
static volatile uint64_t delivered_rip;

static void on_abort_vector(struct trap_frame* f) {
  deliveries = deliveries + 1;
  delivered_rip = f->rip;
  lapic_eoi();
}

/* A private-window read without a grant: one abort. Returns what it read. */
static uint64_t abort_private_read(unsigned width) {
  const uint64_t before = cs_abort_count();
  const uint64_t v = cs_read(CS_PRIVATE, SVMM_CS_STS, width);
  cs_expect_aborts("private read", before, 1);
  cs_expect_last_abort("private read", SVMM_CS_STS, true, false, false, width, 0, 0);
  return v;
}

static void check_reads(uint64_t fill) {
  for (unsigned w = 1; w <= 8; w *= 2) {
    const uint64_t want = w == 8 ? fill : fill & ((1ull << (8 * w)) - 1);
    const uint64_t v = abort_private_read(w);
    kprintf("abort-policy: %u-byte private read = 0x%lx (expected 0x%lx)\n", w, v, want);
    if (v != want) test_fail("%u-byte aborted read gave 0x%lx, expected 0x%lx", w, v, want);
  }
}

static void check_errorcode(uint32_t reason, const char* what) {
  const uint64_t want = SVMM_ERRORCODE_VALID | SVMM_ERRORCODE_EXTERNAL | SVMM_ERRORCODE_SVMM_TAG | reason;
  const uint64_t got = cs_pub(SVMM_CS_ERRORCODE);
  kprintf("abort-policy: after %s ERRORCODE = 0x%lx (expected 0x%lx)\n", what, got, want);
  if (got != want) test_fail("after %s ERRORCODE 0x%lx, expected 0x%lx", what, got, want);
}

static void policy_error_code(void) {
  check_reads(~0ull);
  check_errorcode(SVMM_ABORT_PRIVATE_NO_GRANT, "a private read");
  uint64_t before = cs_abort_count();
  cs_pub_write(SVMM_CS_STS, 0);
  cs_expect_aborts("public STS write", before, 1);
  check_errorcode(SVMM_ABORT_READ_ONLY, "a public write to STS");
  hc_expect(HC_PORT, "refused hypercall", SVMM_HC_TRUSTED_EXIT, 0, 0, 0, 0, -SVMM_EPERM);
  check_errorcode(SVMM_ABORT_HYPERCALL_REFUSED, "a refused TRUSTED_EXIT");
  before = cs_abort_count();
  cs_pub_write(SVMM_CS_CMD_SECRETS, 1);
  cs_expect_aborts("public command write", before, 1);
  kprintf("abort-policy: a public CMD.SECRETS write gives ERRORCODE 0x%lx (reason %lu)\n",
          cs_pub(SVMM_CS_ERRORCODE), cs_pub(SVMM_CS_ERRORCODE) & 0xFFFF);
  cs_priv_write(SVMM_CS_SCRATCH, 1);
  check_errorcode(SVMM_ABORT_PRIVATE_NO_GRANT, "a private write");
}

static void wait_deliveries(uint64_t want, uint64_t ms, const char* what) {
  irq_enable();
  const struct deadline d = deadline_after_ms(ms);
  while (deliveries < want && !deadline_passed(d)) cpu_relax();
  irq_disable();
  kprintf("abort-policy: %s: %lu deliveries (expected %lu)\n", what, deliveries, want);
  if (deliveries != want) test_fail("%s: %lu deliveries of the abort vector, expected %lu", what, deliveries, want);
}

static void policy_interrupt(void) {
  const uint64_t vector = cmdline_u64("vector", SVMM_TEST_DEFAULT_ABORT_VECTOR);
  if (vector < 32 || vector > 255) test_fail("vector=%lu: expected 32..255", vector);
  idt_set_handler((uint8_t)vector, on_abort_vector);
  idle_init(); /* PICs masked, local APIC enabled, TPR 0 */
  kprintf("abort-policy: expecting vector %lu per abort\n", vector);
  /* Interrupts enabled around the abort: the vector arrives when svmm injects it. */
  irq_enable();
  const uint64_t v = abort_private_read(8);
  irq_disable();
  if (v != ~0ull) test_fail("aborted read gave 0x%lx, expected all ones", v);
  wait_deliveries(1, DELIVERY_WAIT_MS, "after a private read");
  kprintf("abort-policy: delivered at rip 0x%lx\n", delivered_rip);
  /* Interrupts disabled during the abort: delivered as soon as they are enabled. */
  const uint64_t before = cs_abort_count();
  cs_pub_write(SVMM_CS_DIDVID, 0);
  cs_expect_aborts("public DIDVID write", before, 1);
  wait_deliveries(2, DELIVERY_WAIT_MS, "after a public write to DIDVID (IF=0 during the abort)");
  /* Accesses that are not aborted deliver nothing. */
  (void)cs_pub(SVMM_CS_STS);
  cs_pub_write(SVMM_CS_SCRATCH, cs_pub(SVMM_CS_SCRATCH));
  wait_deliveries(2, NO_DELIVERY_WAIT_MS, "after permitted accesses");
  hc_expect(HC_PORT, "refused hypercall", SVMM_HC_TRUSTED_EXIT, 0, 0, 0, 0, -SVMM_EPERM);
  wait_deliveries(3, DELIVERY_WAIT_MS, "after a refused hypercall");
}

static void policy_teardown(uint32_t vms) {
  /* Normal mode: nothing to tear down. */
  const uint64_t teardowns = cs_pub(SVMM_CS_TEARDOWN_COUNT);
  check_reads(~0ull);
  if (cs_pub(SVMM_CS_STATE) != 0 || cs_pub(SVMM_CS_TEARDOWN_COUNT) != teardowns)
    test_fail("aborts in normal mode changed STATE/TEARDOWN-COUNT");
  if (vms == 0) test_fail("policy=teardown needs vms=N >= 1");
  secure_launch(HC_PORT, SVMM_HC_LAUNCH_ALL, 0);
  secure_check_secure_mode();
  secure_wait_bits(ready_mask(vms), "every trusted VM ready");
  kprintf("abort-policy: aborting in secure mode (a private read)\n");
  const uint64_t v = cs_priv(SVMM_CS_STS);
  if (v != ~0ull) test_fail("aborted read gave 0x%lx, expected all ones", v);
  idle_init();
  const struct deadline d = deadline_after_ms(TEARDOWN_WAIT_MS);
  while (cs_pub(SVMM_CS_STATE) != 0) {
    if (deadline_passed(d)) test_fail("still in secure mode %u ms after the abort", TEARDOWN_WAIT_MS);
    idle_wait_ms(2);
  }
  kprintf("abort-policy: svmm tore down; this vCPU keeps running\n");
  secure_check_after_teardown(teardowns + 1);
  hc_both("teardown after the breach teardown", SVMM_HC_TEARDOWN, 0, 0, 0, 0, -SVMM_EINVAL);
}

static void policy_reset(uint32_t vms) {
  if (vms) {
    secure_launch(HC_PORT, SVMM_HC_LAUNCH_ALL, 0);
    secure_check_secure_mode();
    secure_wait_bits(ready_mask(vms), "every trusted VM ready");
  }
  kprintf("abort-policy: aborting now (a private read); svmm should reset the machine\n");
  (void)cs_priv(SVMM_CS_STS);
  delay_ms(RESET_WAIT_MS);
  test_fail("still running %u ms after an abort under policy reset", RESET_WAIT_MS);
}

void scenario_abort_policy(void) {
  const char* policy = cmdline_get("policy");
  if (!policy) test_fail("abort-policy needs policy=NAME");
  struct secure_cfg cfg;
  secure_cfg_parse(&cfg, strcmp(policy, "teardown") == 0 ? 1 : 0);
  kprintf("abort-policy: policy %s, ABORT-COUNT %lu\n", policy, cs_abort_count());
  if (strcmp(policy, "all-ones") == 0) {
    check_reads(~0ull);
  } else if (strcmp(policy, "all-zeros") == 0) {
    check_reads(0);
  } else if (strcmp(policy, "error-code") == 0) {
    policy_error_code();
  } else if (strcmp(policy, "interrupt") == 0) {
    policy_interrupt();
  } else if (strcmp(policy, "teardown") == 0) {
    policy_teardown(cfg.vms);
  } else if (strcmp(policy, "reset") == 0) {
    policy_reset(cfg.vms);
  } else {
    test_fail("unknown policy=%s", policy);
  }
}
