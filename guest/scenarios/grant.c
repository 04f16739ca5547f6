/* The private-window grant (SVMM.CMD.GRANT-PRIVATE, spec/chipset.md sections 1-2) as the guest
 * OS sees it, with a trusted VM running `trusted-grant` (guest/test_abi.h: readiness and go):
 *   grant [vms=N] [tvm=K] [close=trusted|teardown]
 *   owner-scratch [vms=N] [tvm=K] [cpus=2]   (needs 2 vCPUs) */
#include <stdint.h>

#include "guest/test_abi.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/lapic.h"
#include "kernel/report.h"
#include "kernel/smp.h"
#include "kernel/string.h"
#include "kernel/timer.h"
#include "scenarios/scenarios.h"
#include "scenarios/secure.h"

#define AP_TIMEOUT_MS 10000
#define OWNER_VALUE_0 0x0123456789ABCDEFull
#define OWNER_VALUE_1 0xFEDCBA9876543210ull

static uint64_t report_gpa(void) { return (uint64_t)(uintptr_t)&secure_report; }

/* Launch, then wait until every trusted VM is ready and VM `tvm` has granted. */
static uint32_t grant_setup(struct secure_cfg* cfg) {
  secure_cfg_parse(cfg, 1);
  if (cfg->vms == 0) test_fail("needs vms=N >= 1 (trusted VM K running trusted-grant)");
  const uint64_t tvm = cmdline_u64("tvm", 0);
  if (tvm >= cfg->vms) test_fail("tvm=%lu but vms=%u", tvm, cfg->vms);
  /* Normal mode: no grant, the private window is aborted. */
  uint64_t before = cs_abort_count();
  (void)cs_priv(SVMM_CS_STS);
  cs_expect_aborts("private read before the launch", before, 1);
  secure_launch(HC_PORT, SVMM_HC_LAUNCH_ALL, 0);
  secure_check_secure_mode();
  secure_wait_bits(ready_mask(cfg->vms) | 1ull << (SVMM_TEST_SCRATCH_GRANTED_SHIFT + tvm),
                   "every trusted VM ready and the grant issued");
  return (uint32_t)tvm;
}

/* With the grant: reads of every register, writes of rw registers, no commands. */
static void check_granted(void) {
  uint64_t before = cs_abort_count();
  for (unsigned i = 0; i < cs_reg_count; ++i) {
    const struct cs_reg* r = &cs_regs[i];
    const uint64_t priv = cs_priv(r->offset), pub = cs_pub(r->offset);
    kprintf("grant: %-24s private=0x%016lx public=0x%016lx\n", r->name, priv, pub);
    if (r->priv == CS_R && r->pub == CS_R && r->offset != SVMM_CS_ABORT_COUNT &&
        r->offset != SVMM_CS_LAST_ABORT && r->offset != SVMM_CS_ICH_TOKEN_FORWARDS && priv != pub)
      test_fail("%s reads 0x%lx privately but 0x%lx publicly", r->name, priv, pub);
  }
  cs_expect_aborts("private reads with the grant", before, 0);

  /* rw registers: MLE.JOIN (no effect), ERRORCODE, HC.ARG0 (banked), ESTS (w1c, writing 0). */
  const uint64_t mle = cs_pub(SVMM_CS_MLE_JOIN);
  cs_priv_write(SVMM_CS_MLE_JOIN, 0x4D4C454A4F494E31ull);
  kprintf("grant: MLE.JOIN written privately, reads 0x%lx publicly\n", cs_pub(SVMM_CS_MLE_JOIN));
  if (cs_pub(SVMM_CS_MLE_JOIN) != 0x4D4C454A4F494E31ull) test_fail("private MLE.JOIN write did not take");
  cs_priv_write(SVMM_CS_MLE_JOIN, mle);
  cs_priv_write(SVMM_CS_ERRORCODE, 0);
  cs_priv_write(SVMM_CS_HC_ARG0, 0x55AA55AA55AA55AAull);
  if (cs_pub(SVMM_CS_HC_ARG0) != 0x55AA55AA55AA55AAull) test_fail("private HC.ARG0 write did not take");
  cs_priv_write(SVMM_CS_ESTS, 0);
  cs_write(CS_PRIVATE, SVMM_CS_MLE_JOIN + 2, 2, 0x1234);
  if (cs_pub(SVMM_CS_MLE_JOIN) != ((mle & ~0xFFFF0000ull) | 0x12340000ull))
    test_fail("2-byte private MLE.JOIN write: reads 0x%lx", cs_pub(SVMM_CS_MLE_JOIN));
  cs_priv_write(SVMM_CS_MLE_JOIN, mle);
  cs_expect_aborts("private rw writes with the grant", before, 0);

  /* Still aborted: writes to read-only registers (reason 2), to locked ones (reason 4), every
   * command (reason 3), including the hypercall bank's CALL and the protected-only grant. */
  const uint64_t sts = cs_pub(SVMM_CS_STS), sinit = cs_pub(SVMM_CS_SINIT_BASE);
  struct {
    uint32_t offset;
    uint64_t value;
    const char* what;
  } refused[] = {
      {SVMM_CS_STS, 0, "private STS write"},
      {SVMM_CS_DIDVID, 0, "private DIDVID write"},
      {SVMM_CS_SINIT_BASE, sinit ^ 0x100000, "private SINIT.BASE write (locked)"},
      {SVMM_CS_CMD_OPEN_LOCALITY1, 1, "private CMD.OPEN-LOCALITY1"},
      {SVMM_CS_CMD_SECRETS, 1, "private CMD.SECRETS"},
      {SVMM_CS_CMD_NO_SECRETS, 1, "private CMD.NO-SECRETS"},
      {SVMM_CS_CMD_UNLOCK_MEM_CONFIG, 1, "private CMD.UNLOCK-MEM-CONFIG"},
      {SVMM_CS_CMD_CLOSE_PRIVATE, 1, "private CMD.CLOSE-PRIVATE"},
      {SVMM_CS_CMD_GRANT_PRIVATE, 1, "private SVMM.CMD.GRANT-PRIVATE"},
      {SVMM_CS_HC_CALL, SVMM_HC_VERSION, "private SVMM.HC.CALL"},
  };
  for (unsigned i = 0; i < sizeof refused / sizeof refused[0]; ++i) {
    before = cs_abort_count();
    cs_priv_write(refused[i].offset, refused[i].value);
    cs_expect_aborts(refused[i].what, before, 1);
    cs_expect_last_abort(refused[i].what, refused[i].offset, true, true, false, 8, 0, 0);
    kprintf("grant: %s aborted\n", refused[i].what);
  }
  if (cs_pub(SVMM_CS_STS) != sts) test_fail("STS changed from 0x%lx to 0x%lx", sts, cs_pub(SVMM_CS_STS));
  if (cs_pub(SVMM_CS_SINIT_BASE) != sinit) test_fail("SINIT.BASE changed");
  if (!(cs_pub(SVMM_CS_E2STS) & SVMM_E2STS_SECRETS)) test_fail("E2STS.SECRETS was cleared");
}

/* Without the grant (after CLOSE-PRIVATE or teardown): private accesses aborted again. */
static void check_not_granted(const char* when) {
  const uint64_t before = cs_abort_count();
  const uint64_t v = cs_priv(SVMM_CS_STS);
  cs_priv_write(SVMM_CS_MLE_JOIN, 0x1111);
  cs_expect_aborts(when, before, 2);
  kprintf("grant: %s: private read = 0x%lx, read and write aborted\n", when, v);
  if (v != ~0ull) test_fail("%s: private read gave 0x%lx", when, v);
  if (cs_pub(SVMM_CS_MLE_JOIN) == 0x1111) test_fail("%s: a private write took", when);
}

/* Go: OWNER-SCRATCH = GO through the private window (vCPU 0), then wait for CLOSED. */
static void grant_go_and_wait_closed(uint32_t tvm) {
  cs_priv_write(SVMM_CS_OWNER_SCRATCH, SVMM_TEST_GO_VALUE);
  kprintf("grant: go written, OWNER-SCRATCH reads 0x%lx\n", cs_pub(SVMM_CS_OWNER_SCRATCH));
  if (cs_pub(SVMM_CS_OWNER_SCRATCH) != SVMM_TEST_GO_VALUE) test_fail("the go write did not take");
  secure_wait_bits(1ull << (SVMM_TEST_SCRATCH_CLOSED_SHIFT + tvm), "trusted VM closed the private window");
  const uint64_t sts = cs_pub(SVMM_CS_STS);
  kprintf("grant: after CLOSE-PRIVATE STS=0x%lx\n", sts);
  if (sts & (SVMM_STS_PRIVATE_OPEN | SVMM_STS_LOCALITY1_OPEN | SVMM_STS_LOCALITY2_OPEN))
    test_fail("STS 0x%lx still has PRIVATE-OPEN or a locality open after CLOSE-PRIVATE", sts);
}

static void grant_teardown(const struct secure_cfg* cfg, uint64_t teardowns) {
  report_poison();
  hc_expect(HC_PORT, "teardown", SVMM_HC_TEARDOWN, report_gpa(), 0, 0, 0, 0);
  report_check(&secure_report, cfg, SVMM_TRIGGER_GUEST_REQUEST);
  secure_check_after_teardown(teardowns + 1);
}

void scenario_grant(void) {
  struct secure_cfg cfg;
  const uint64_t teardowns = cs_pub(SVMM_CS_TEARDOWN_COUNT);
  const char* close = cmdline_get("close");
  const bool by_teardown = close && strcmp(close, "teardown") == 0;
  if (close && !by_teardown && strcmp(close, "trusted") != 0) test_fail("close=%s: expected trusted or teardown", close);
  const uint32_t tvm = grant_setup(&cfg);
  check_granted();
  if (!by_teardown) {
    grant_go_and_wait_closed(tvm);
    check_not_granted("after CLOSE-PRIVATE");
  }
  grant_teardown(&cfg, teardowns);
  check_not_granted("after teardown");
}

/* ---- owner-scratch: vCPU 1 of the guest OS may not write OWNER-SCRATCH ---- */

static volatile uint32_t ap_state; /* 0 idle, 1 go, 2 done */
static volatile uint64_t ap_read, ap_aborts, ap_last_abort;

static void owner_ap(uint32_t cpu, uint32_t apic_id) {
  (void)cpu;
  (void)apic_id;
  while (__atomic_load_n(&ap_state, __ATOMIC_ACQUIRE) != 1) cpu_relax();
  const uint64_t before = cs_abort_count();
  ap_read = cs_priv(SVMM_CS_OWNER_SCRATCH); /* reads are open to every vCPU with the grant */
  cs_priv_write(SVMM_CS_OWNER_SCRATCH, OWNER_VALUE_1);
  ap_aborts = cs_abort_count() - before;
  ap_last_abort = cs_pub(SVMM_CS_LAST_ABORT);
  __atomic_store_n(&ap_state, 2, __ATOMIC_RELEASE);
}

void scenario_owner_scratch(void) {
  struct secure_cfg cfg;
  const uint64_t teardowns = cs_pub(SVMM_CS_TEARDOWN_COUNT);
  struct mp_cpus cpus;
  smp_discover(&cpus, cmdline_u64("cpus", 2));
  if (cpus.count < 2) test_fail("owner-scratch needs 2 vCPUs, the MP table lists %u", cpus.count);
  const uint32_t tvm = grant_setup(&cfg);

  uint64_t before = cs_abort_count();
  cs_priv_write(SVMM_CS_OWNER_SCRATCH, OWNER_VALUE_0);
  cs_expect_aborts("OWNER-SCRATCH write from vCPU 0", before, 0);
  kprintf("owner-scratch: vCPU 0 wrote 0x%lx, reads 0x%lx\n", (uint64_t)OWNER_VALUE_0, cs_pub(SVMM_CS_OWNER_SCRATCH));
  if (cs_pub(SVMM_CS_OWNER_SCRATCH) != OWNER_VALUE_0) test_fail("vCPU 0's OWNER-SCRATCH write did not take");

  if (smp_start_aps(&cpus, owner_ap) < 1) test_fail("vCPU 1 did not start");
  __atomic_store_n(&ap_state, 1, __ATOMIC_RELEASE);
  const struct deadline d = deadline_after_ms(AP_TIMEOUT_MS);
  while (__atomic_load_n(&ap_state, __ATOMIC_ACQUIRE) != 2)
    if (deadline_passed(d)) test_fail("vCPU 1 did not finish");
  kprintf("owner-scratch: vCPU 1 read 0x%lx, its write made %lu aborts\n", ap_read, ap_aborts);
  cs_abort_print("owner-scratch", ap_last_abort);
  if (ap_read != OWNER_VALUE_0) test_fail("vCPU 1 read OWNER-SCRATCH as 0x%lx", ap_read);
  if (ap_aborts != 1) test_fail("vCPU 1's OWNER-SCRATCH write made %lu aborts, expected 1", ap_aborts);
  const struct cs_abort a = cs_abort_decode(ap_last_abort);
  if (a.offset != SVMM_CS_OWNER_SCRATCH || !a.private_window || !a.write || a.width != 8 ||
      a.requester != 0 || a.vcpu != 1)
    test_fail("LAST-ABORT 0x%lx does not name vCPU 1's private 8-byte OWNER-SCRATCH write", ap_last_abort);
  if (cs_pub(SVMM_CS_OWNER_SCRATCH) != OWNER_VALUE_0)
    test_fail("OWNER-SCRATCH is 0x%lx after vCPU 1's aborted write", cs_pub(SVMM_CS_OWNER_SCRATCH));
  before = cs_abort_count();
  grant_go_and_wait_closed(tvm);
  grant_teardown(&cfg, teardowns);
}
