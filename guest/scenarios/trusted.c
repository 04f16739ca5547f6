/* Scenarios for this kernel booted as a trusted VM (CPUID 0x40000101 EBX bit 3, EDX = 1 + n):
 *   trusted-secret                fill RAM with a fresh 16-byte marker, signal ready, idle
 *   trusted-grant [go_ms=T]       ready, GRANT-PRIVATE, wait for the guest OS's go,
 *                                 CLOSE-PRIVATE, idle
 *   trusted-chipset               the access matrix of a protected requester; PASS/FAIL, then
 *                                 ready and TRUSTED_EXIT(0 or 1)
 *   trusted-exit code=N [ready=1] TRUSTED_EXIT(N)
 *   trusted-fault [ready=1] [after_ms=T]  triple fault
 * Readiness and go protocols: guest/test_abi.h. */
#include <stdint.h>

#include "guest/test_abi.h"
#include "kernel/bootinfo.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/idle.h"
#include "kernel/idt.h"
#include "kernel/paging.h"
#include "kernel/report.h"
#include "kernel/timer.h"
#include "kernel/usermode.h"
#include "scenarios/scenarios.h"
#include "scenarios/secure.h"
#include "simd/simd.h"

#define GIB (1ull << 30)
#define SAMPLE_STRIDE (1ull << 20)

extern char __kernel_start[], __kernel_end[]; /* linker.ld */

static uint32_t my_index;

static uint64_t ready_bit(void) { return 1ull << (SVMM_TEST_SCRATCH_READY_SHIFT + my_index); }

/* ---- trusted-secret ---- */

static uint64_t mix64(uint64_t x) { /* splitmix64's finaliser */
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

struct fill_stats {
  uint64_t bytes, ranges, samples;
};

/* Fills [from, to) (identity-mapped, below 4 GiB or mapped by the caller) at CPL 3. */
static void fill_range(const uint64_t marker[2], uint64_t from, uint64_t to, struct fill_stats* st) {
  if (from >= to) return;
  struct simd_fill_args a = {.base = from, .len = to - from, .marker = {marker[0], marker[1]},
                             .use_avx2 = fpu_caps.avx2, .mismatch_at = 0};
  user_call(simd_fill, (uint64_t)(uintptr_t)&a);
  if (user_call(simd_verify, (uint64_t)(uintptr_t)&a))
    test_fail("marker missing at 0x%lx after the fill of [0x%lx, 0x%lx)", a.mismatch_at, from, to);
  /* A CPL 0 sample: every MiB and the last 16 bytes. */
  for (uint64_t p = from; p < to; p += SAMPLE_STRIDE) {
    const uint8_t want = (uint8_t)(marker[(p >> 3) & 1] >> ((p & 7) * 8));
    if (phys_read8(p) != want) test_fail("sample at 0x%lx is 0x%x, expected 0x%x", p, phys_read8(p), want);
    ++st->samples;
  }
  const uint64_t last = (to - 16) & ~15ull;
  if (last >= from && (phys_read64(last) != marker[0] || phys_read64(last + 8) != marker[1]))
    test_fail("the marker is not at 0x%lx", last);
  st->bytes += to - from;
  ++st->ranges;
}

/* RAM range [a, b) minus the kernel image. */
static void fill_ram(const uint64_t marker[2], uint64_t a, uint64_t b, struct fill_stats* st) {
  const uint64_t ks = (uint64_t)(uintptr_t)__kernel_start, ke = (uint64_t)(uintptr_t)__kernel_end;
  if (b <= ks || a >= ke) {
    fill_range(marker, a, b, st);
    return;
  }
  fill_range(marker, a, ks > a ? ks : a, st);
  fill_range(marker, ke < b ? ke : b, b, st);
}

void scenario_trusted_secret(void) {
  my_index = trusted_index(true);
  user_init();
  uint64_t marker[2];
  for (unsigned i = 0; i < 2; ++i) {
    const uint64_t r = fpu_caps.rdrand ? user_call(simd_rdrand, 0) : 0;
    marker[i] = r ^ mix64(rdtsc() + i * 0x9E3779B97F4A7C15ull);
  }
  char hex[2 * SVMM_TEST_SECRET_SIZE + 1];
  for (unsigned i = 0; i < SVMM_TEST_SECRET_SIZE; ++i) {
    const uint8_t b = (uint8_t)(marker[i / 8] >> (8 * (i % 8)));
    hex[2 * i] = "0123456789abcdef"[b >> 4];
    hex[2 * i + 1] = "0123456789abcdef"[b & 15];
  }
  hex[2 * SVMM_TEST_SECRET_SIZE] = '\0';
  kprintf(SVMM_TEST_LINE_SECRET "%s\n", hex);
  kprintf("trusted-secret: marker from %s and the TSC\n", fpu_caps.rdrand ? "RDRAND" : "(no RDRAND)");

  struct fill_stats st = {0, 0, 0};
  const uint64_t t0 = rdtsc();
  for (uint32_t i = 0; i < bootinfo.memmap_entries; ++i) {
    const struct svmm_hvm_memmap_entry e = bootinfo.memmap[i];
    if (e.type != SVMM_E820_RAM) continue;
    for (uint64_t a = e.addr; a < e.addr + e.size;) {
      /* Above 4 GiB, one GiB at a time through paging.c's window. */
      uint64_t b = e.addr + e.size;
      if (a >= SVMM_HIGH_RAM_START) {
        const uint64_t gib_end = (a & ~(GIB - 1)) + GIB;
        if (b > gib_end) b = gib_end;
        if (!paging_ensure_mapped(a)) test_fail("cannot map RAM at 0x%lx", a);
      }
      fill_ram(marker, a, b, &st);
      a = b;
    }
  }
  kprintf("trusted-secret: filled %lu bytes in %lu ranges (kernel image [0x%lx, 0x%lx) kept) with %s in "
          "%lu TSC cycles, %lu CPL 0 samples checked\n",
          st.bytes, st.ranges, (uint64_t)(uintptr_t)__kernel_start, (uint64_t)(uintptr_t)__kernel_end,
          fpu_caps.avx2 ? "AVX2" : "SSE2", rdtsc() - t0, st.samples);
  trusted_idle(ready_bit());
}

/* ---- trusted-grant ---- */

void scenario_trusted_grant(void) {
  my_index = trusted_index(false);
  idle_init();
  const uint64_t granted = 1ull << (SVMM_TEST_SCRATCH_GRANTED_SHIFT + my_index);
  const uint64_t closed = 1ull << (SVMM_TEST_SCRATCH_CLOSED_SHIFT + my_index);
  ready_assert(ready_bit());
  uint64_t before = cs_abort_count();
  cs_priv_write(SVMM_CS_CMD_GRANT_PRIVATE, 1);
  kprintf("trusted-grant: GRANT-PRIVATE issued (%lu aborts)\n", cs_abort_count() - before);
  if (cs_abort_count() != before) test_fail("GRANT-PRIVATE from a trusted VM was aborted");
  uint64_t bits = ready_bit() | granted;
  ready_assert(bits);
  const uint64_t go_ms = cmdline_u64("go_ms", 120000);
  const struct deadline d = deadline_after_ms(go_ms);
  while (cs_pub(SVMM_CS_OWNER_SCRATCH) != SVMM_TEST_GO_VALUE) {
    if (deadline_passed(d)) {
      kprintf("trusted-grant: no go within %lu ms; keeping the grant\n", go_ms);
      trusted_idle(bits);
    }
    ready_assert(bits);
    idle_wait_ms(SVMM_TEST_READY_REASSERT_MS);
  }
  kprintf("trusted-grant: go seen, closing the private window\n");
  before = cs_abort_count();
  cs_priv_write(SVMM_CS_CMD_CLOSE_PRIVATE, 1);
  const uint64_t sts = cs_pub(SVMM_CS_STS);
  kprintf("trusted-grant: CLOSE-PRIVATE issued (%lu aborts), STS=0x%lx\n", cs_abort_count() - before, sts);
  if (cs_abort_count() != before) test_fail("CLOSE-PRIVATE from a trusted VM was aborted");
  if (sts & SVMM_STS_PRIVATE_OPEN) test_fail("STS 0x%lx still has PRIVATE-OPEN", sts);
  trusted_idle(bits | closed);
}

/* ---- trusted-chipset ---- */

static void signal_ready_before_exit(uint32_t v) {
  (void)v;
  ready_assert(ready_bit());
}

static void expect_no_abort(uint64_t before, const char* what) {
  if (cs_abort_count() != before)
    test_fail("%s: %lu aborts, expected none", what, cs_abort_count() - before);
  kprintf("trusted-chipset: %-40s ok\n", what);
}

static void expect_abort(uint64_t before, const char* what, uint32_t offset, bool priv) {
  cs_expect_aborts(what, before, 1);
  cs_expect_last_abort(what, offset, priv, true, false, 8, 1 + my_index, 0);
  kprintf("trusted-chipset: %-40s aborted\n", what);
}

static void expect_hc_refused(const char* what, uint32_t fn) {
  const uint64_t before = cs_abort_count();
  hc_both(what, fn, 0, 0, 0, 0, -SVMM_EPERM);
  cs_expect_aborts(what, before, 2);
  cs_expect_last_abort(what, fn, false, true, true, 0, 1 + my_index, 0);
}

void scenario_trusted_chipset(void) {
  my_index = trusted_index(false);
  report_set_before_exit(signal_ready_before_exit);
  const uint32_t me = 1 + my_index;

  /* Hypercalls: anyone may ask VERSION and STATE; launch and teardown are the guest OS's. */
  hc_both("version", SVMM_HC_VERSION, 0, 0, 0, 0, SVMM_HC_VERSION_VALUE);
  hc_both("state", SVMM_HC_STATE, 0, 0, 0, 0, 1);
  hc_both("unknown function", 0x53564DFFu, 0, 0, 0, 0, -SVMM_ENOSYS);
  expect_hc_refused("secure launch from a trusted VM", SVMM_HC_SECURE_LAUNCH);
  expect_hc_refused("teardown from a trusted VM", SVMM_HC_TEARDOWN);

  /* Reads of every register through both windows. */
  uint64_t before = cs_abort_count();
  kprintf("trusted-chipset: %-24s %-18s %s\n", "register", "private", "public");
  for (unsigned i = 0; i < cs_reg_count; ++i) {
    const struct cs_reg* r = &cs_regs[i];
    const uint64_t priv = cs_priv(r->offset), pub = cs_pub(r->offset);
    kprintf("trusted-chipset: %-24s 0x%016lx 0x%016lx\n", r->name, priv, pub);
    if (r->priv == CS_R && r->pub == CS_R && r->offset != SVMM_CS_ABORT_COUNT &&
        r->offset != SVMM_CS_LAST_ABORT && r->offset != SVMM_CS_ICH_TOKEN_FORWARDS && priv != pub)
      test_fail("%s reads 0x%lx privately but 0x%lx publicly", r->name, priv, pub);
  }
  expect_no_abort(before, "private reads of every register");
  if (cs_priv(SVMM_CS_STATE) != 1) test_fail("SVMM.STATE is not 1 in a trusted VM");

  /* Private writes of rw / w1c registers. */
  before = cs_abort_count();
  const uint64_t mle = cs_priv(SVMM_CS_MLE_JOIN);
  cs_priv_write(SVMM_CS_MLE_JOIN, 0x7472757374656421ull);
  if (cs_priv(SVMM_CS_MLE_JOIN) != 0x7472757374656421ull) test_fail("private MLE.JOIN write did not take");
  cs_priv_write(SVMM_CS_MLE_JOIN, mle);
  cs_priv_write(SVMM_CS_ERRORCODE, cs_priv(SVMM_CS_ERRORCODE));
  cs_priv_write(SVMM_CS_ESTS, 0);
  cs_priv_write(SVMM_CS_OWNER_SCRATCH, cs_priv(SVMM_CS_OWNER_SCRATCH)); /* vCPU 0 of this VM */
  cs_priv_write(SVMM_CS_HC_ARG0, 0x1234);
  if (cs_priv(SVMM_CS_HC_ARG0) != 0x1234) test_fail("private HC.ARG0 write did not take");
  expect_no_abort(before, "private writes of rw/w1c registers");

  /* Commands a protected requester may issue (harmless ones, each undone). */
  before = cs_abort_count();
  cs_priv_write(SVMM_CS_CMD_OPEN_LOCALITY1, 1);
  const uint64_t sts_open = cs_pub(SVMM_CS_STS);
  cs_priv_write(SVMM_CS_CMD_CLOSE_LOCALITY1, 1);
  const uint64_t sts_closed = cs_pub(SVMM_CS_STS);
  kprintf("trusted-chipset: OPEN-LOCALITY1 -> STS 0x%lx, CLOSE-LOCALITY1 -> STS 0x%lx\n", sts_open, sts_closed);
  if (!(sts_open & SVMM_STS_LOCALITY1_OPEN) || (sts_closed & SVMM_STS_LOCALITY1_OPEN))
    test_fail("locality 1 commands: STS 0x%lx then 0x%lx", sts_open, sts_closed);
  cs_priv_write(SVMM_CS_CMD_NO_SECRETS, 1);
  const uint64_t e2_off = cs_pub(SVMM_CS_E2STS);
  cs_priv_write(SVMM_CS_CMD_SECRETS, 1);
  const uint64_t e2_on = cs_pub(SVMM_CS_E2STS);
  kprintf("trusted-chipset: NO-SECRETS -> E2STS 0x%lx, SECRETS -> E2STS 0x%lx\n", e2_off, e2_on);
  if ((e2_off & SVMM_E2STS_SECRETS) || !(e2_on & SVMM_E2STS_SECRETS))
    test_fail("secrets commands: E2STS 0x%lx then 0x%lx", e2_off, e2_on);
  cs_priv_write(SVMM_CS_CMD_OPEN_LOCALITY2, 1);
  if (!(cs_pub(SVMM_CS_STS) & SVMM_STS_LOCALITY2_OPEN)) test_fail("locality 2 is not open");
  cs_priv_write(SVMM_CS_HC_CALL, SVMM_HC_VERSION);
  const uint64_t result = cs_priv(SVMM_CS_HC_RESULT);
  kprintf("trusted-chipset: VERSION through the private bank = %s\n", hc_result_name((int64_t)result));
  if (result != SVMM_HC_VERSION_VALUE) test_fail("private bank VERSION returned 0x%lx", result);
  expect_no_abort(before, "private commands");

  /* Refused even for a protected requester. */
  struct {
    uint32_t offset;
    uint64_t value;
    bool priv;
    const char* what;
  } refused[] = {
      {SVMM_CS_STS, 0, true, "private STS write (read-only)"},
      {SVMM_CS_DIDVID, 0, true, "private DIDVID write (read-only)"},
      {SVMM_CS_E2STS, 0, true, "private E2STS write (read-only)"},
      {SVMM_CS_STATE, 0, true, "private SVMM.STATE write (read-only)"},
      {SVMM_CS_PUBLIC_KEY, 0, true, "private PUBLIC.KEY write (read-only)"},
      {SVMM_CS_SINIT_BASE, 0, true, "private SINIT.BASE write (locked)"},
      {SVMM_CS_HEAP_SIZE, 0, true, "private HEAP.SIZE write (locked)"},
      {SVMM_CS_STS, 0, false, "public STS write"},
      {SVMM_CS_CMD_SECRETS, 1, false, "public CMD.SECRETS"},
      {SVMM_CS_CMD_GRANT_PRIVATE, 1, false, "public SVMM.CMD.GRANT-PRIVATE"},
      {SVMM_CS_OWNER_SCRATCH, 0, false, "public OWNER-SCRATCH write"},
  };
  for (unsigned i = 0; i < sizeof refused / sizeof refused[0]; ++i) {
    before = cs_abort_count();
    const uint64_t old = refused[i].priv ? cs_priv(refused[i].offset) : cs_pub(refused[i].offset);
    cs_write(refused[i].priv ? CS_PRIVATE : CS_PUBLIC, refused[i].offset, 8,
             refused[i].offset == SVMM_CS_SINIT_BASE ? old : refused[i].value);
    expect_abort(before, refused[i].what, refused[i].offset, refused[i].priv);
  }
  /* The public window as the guest OS sees it: SCRATCH and the bank are rw. */
  before = cs_abort_count();
  cs_pub_write(SVMM_CS_SCRATCH, cs_pub(SVMM_CS_SCRATCH) | ready_bit());
  hc_expect(HC_BANK, "public bank", SVMM_HC_STATE, 0, 0, 0, 0, 1);
  expect_no_abort(before, "public rw writes and the bank");
  kprintf("trusted-chipset: ICH.TOKEN-STS as trusted VM %u: 0x%lx\n", me - 1, cs_pub(SVMM_CS_ICH_TOKEN_STS));
}

/* ---- trusted-exit, trusted-fault ---- */

void scenario_trusted_exit(void) {
  my_index = trusted_index(false);
  const uint64_t code = cmdline_u64("code", 0);
  if (cmdline_u64("ready", 0)) ready_assert(ready_bit());
  kprintf("trusted-exit: TRUSTED_EXIT(%lu)\n", code);
  const int64_t r = hc_port(SVMM_HC_TRUSTED_EXIT, code, 0, 0, 0);
  test_fail("TRUSTED_EXIT returned %s", hc_result_name(r));
}

void scenario_trusted_fault(void) {
  my_index = trusted_index(false);
  if (cmdline_u64("ready", 0)) ready_assert(ready_bit());
  const uint64_t after = cmdline_u64("after_ms", 0);
  if (after) {
    idle_init();
    trusted_wait_ms(cmdline_u64("ready", 0) ? ready_bit() : 0, after);
  }
  kprintf("trusted-fault: loading an empty IDT and executing ud2 (triple fault)\n");
  idt_load_empty();
  __asm__ volatile("ud2");
  idt_load();
  test_fail("survived ud2 with an empty IDT");
}
