/* The token (spec/token.md) as the guest OS sees it:
 *   token-basic [token=0] [fresh=0] [pcr16=HEX]   registers, the TIS protocol byte by byte,
 *                                                 TPM2 commands at locality 0
 *   token-localities                              localities 1-4 refused to the guest OS
 *   token-launch pcr17=HEX pcr18=HEX cap17=HEX cap18=HEX [vms=N] [vm=I] [cycles=K] [fail=1]
 *                                                 PCRs 17/18 before, after a launch, after teardown
 *   token-trusted [vms=N] [open1=1] [held=1] [closed2=1]   beside trusted VMs running
 *                                                 trusted-token (scenarios/token_trusted.c)
 *   token-nv [define=1] [write=V] [writes=N] [expect=V] [missing=1]   an NV index
 *   token-bench op=pcr-read|get-random|sts count=N   N commands through the TIS (or N 1-byte
 *                                                 reads of STS in a tight loop), for the benchmark
 * Every TPM command goes through kernel/tis.c, one byte per FIFO access as Linux does. */
#include "scenarios/token.h"

#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/report.h"
#include "kernel/string.h"
#include "protocol/cpuid.h"
#include "scenarios/scenarios.h"
#include "scenarios/secure.h"

#define TOKEN_STS_NORMAL (SVMM_TOKEN_STS_PRESENT | 1ull << 8 | 1ull << 12)
#define PCR_CAPPED_BITS ((1ull << 17) | (1ull << 18))

static void expect_u64(const char* what, uint64_t got, uint64_t want) {
  kprintf("token: %-44s 0x%lx\n", what, got);
  if (got != want) test_fail("%s is 0x%lx, expected 0x%lx", what, got, want);
}

static void expect_no_aborts(uint64_t before, const char* what) {
  if (cs_abort_count() != before)
    test_fail("%s: %lu aborted accesses, expected none", what, cs_abort_count() - before);
}

/* ---- token-basic ---- */

/* The TIS protocol step by step, as QEMU's tests/qtest/tpm-tis-util.c checks it:
 * TPM2_GetRandom(16) one byte at a time with STS checked after every byte. */
static void qemu_style_transmit(void) {
  const unsigned l = 0;
  tis_write8(l, SVMM_TIS_ACCESS, SVMM_TIS_ACCESS_REQUEST_USE);
  const uint8_t access = tis_read8(l, SVMM_TIS_ACCESS);
  if (!(access & SVMM_TIS_ACCESS_ACTIVE_LOCALITY))
    test_fail("locality 0 not granted (ACCESS 0x%x)", access);
  uint32_t sts = tis_read32(l, SVMM_TIS_STS);
  expect_u64("STS after the locality request (low byte)", sts & 0xFF, 0);
  expect_u64("STS family (bits 26-27)", sts & SVMM_TIS_STS_FAMILY_MASK, SVMM_TIS_STS_FAMILY_TPM2);
  uint32_t burst = (sts >> 8) & 0xFFFF;
  if (burst < 128) test_fail("burstCount %u < 128 when idle", burst);
  tis_write32(l, SVMM_TIS_STS, SVMM_TIS_STS_COMMAND_READY);
  sts = tis_read32(l, SVMM_TIS_STS);
  expect_u64("STS after commandReady", sts & 0xFF, SVMM_TIS_STS_COMMAND_READY);
  burst = (sts >> 8) & 0xFFFF;
  struct tpm_cmd c;
  tpm_build_get_random(&c, 16);
  for (uint32_t i = 0; i < c.n; ++i) {
    tis_write8(l, SVMM_TIS_DATA_FIFO, c.b[i]);
    sts = tis_read32(l, SVMM_TIS_STS);
    const uint32_t want =
        i + 1 < c.n ? SVMM_TIS_STS_EXPECT | SVMM_TIS_STS_VALID : SVMM_TIS_STS_VALID;
    if ((sts & 0xFF) != want)
      test_fail("STS 0x%x after command byte %u, expected 0x%x", sts, i, want);
    if (((sts >> 8) & 0xFFFF) != --burst)
      test_fail("burstCount %u after byte %u, expected %u", (sts >> 8) & 0xFFFF, i, burst);
  }
  /* The response can only be read after tpmGo. */
  if (tis_read8(l, SVMM_TIS_DATA_FIFO) != SVMM_TIS_NO_DATA_BYTE)
    test_fail("FIFO read before tpmGo gave data");
  tis_write8(l, SVMM_TIS_STS, SVMM_TIS_STS_GO);
  sts = tis_read32(l, SVMM_TIS_STS);
  expect_u64("STS after tpmGo", sts & 0xFF, SVMM_TIS_STS_VALID | SVMM_TIS_STS_DATA_AVAIL);
  burst = (sts >> 8) & 0xFFFF;
  expect_u64("burstCount of the response", burst, 28);
  uint8_t resp[28], again[28];
  for (unsigned i = 0; i < sizeof resp; ++i) {
    resp[i] = tis_read8(l, SVMM_TIS_DATA_FIFO);
    sts = tis_read32(l, SVMM_TIS_STS);
    if (i + 1 < sizeof resp && ((sts >> 8) & 0xFFFF) != --burst)
      test_fail("burstCount wrong while reading");
  }
  expect_u64("STS after the response", sts & 0xFF, SVMM_TIS_STS_VALID);
  expect_u64("TPM2_GetRandom response code", tpm_rc(resp, sizeof resp), 0);
  expect_u64("FIFO read past the response", tis_read8(l, SVMM_TIS_DATA_FIFO),
             SVMM_TIS_NO_DATA_BYTE);
  /* responseRetry: the same response again from its first byte. */
  tis_write8(l, SVMM_TIS_STS, SVMM_TIS_STS_RESPONSE_RETRY);
  sts = tis_read32(l, SVMM_TIS_STS);
  expect_u64("STS after responseRetry", sts & 0xFF, SVMM_TIS_STS_VALID | SVMM_TIS_STS_DATA_AVAIL);
  for (unsigned i = 0; i < sizeof again; ++i)
    again[i] = tis_read8(l, SVMM_TIS_XDATA_FIFO + (i & 0x3F));
  if (memcmp(resp, again, sizeof resp) != 0) test_fail("responseRetry gave another response");
  /* commandReady in completion: ready again, no data. */
  tis_write8(l, SVMM_TIS_STS, SVMM_TIS_STS_COMMAND_READY);
  expect_u64("STS after commandReady in completion", tis_read8(l, SVMM_TIS_STS),
             SVMM_TIS_STS_COMMAND_READY);
  expect_u64("FIFO read when ready", tis_read8(l, SVMM_TIS_DATA_FIFO), SVMM_TIS_NO_DATA_BYTE);
  /* commandReady in reception aborts the command. */
  for (unsigned i = 0; i < 5; ++i) tis_write8(l, SVMM_TIS_DATA_FIFO, c.b[i]);
  expect_u64("STS in reception", tis_read8(l, SVMM_TIS_STS),
             SVMM_TIS_STS_EXPECT | SVMM_TIS_STS_VALID);
  tis_write8(l, SVMM_TIS_STS, SVMM_TIS_STS_GO); /* ignored: Expect is set */
  expect_u64("STS after an early tpmGo", tis_read8(l, SVMM_TIS_STS),
             SVMM_TIS_STS_EXPECT | SVMM_TIS_STS_VALID);
  tis_write8(l, SVMM_TIS_STS, SVMM_TIS_STS_COMMAND_READY);
  expect_u64("STS after aborting the command", tis_read8(l, SVMM_TIS_STS),
             SVMM_TIS_STS_COMMAND_READY);
  /* And a whole command still works after the abort (Linux style). */
  uint8_t r[64];
  const int n = tis_send_recv(l, c.b, c.n, r, sizeof r);
  if (n != 28 || tpm_rc(r, n) != 0)
    test_fail("command after an abort: %d bytes, TPM_RC 0x%x", n, tpm_rc(r, n));
  tis_relinquish_locality(l);
  expect_u64("ACCESS after relinquishing",
             tis_read8(l, SVMM_TIS_ACCESS) & ~SVMM_TIS_ACCESS_ESTABLISHMENT,
             SVMM_TIS_ACCESS_REG_VALID_STS);
  expect_u64("STS when not active", tis_read32(l, SVMM_TIS_STS), 0xFFFFFFFFu);
}

static void token_absent(void) {
  const struct whoami* w = whoami();
  if (w->features & SVMM_CPUID_FEATURE_TOKEN)
    test_fail("CPUID feature bit 2 (token) set without a token");
  expect_u64("ICH.TOKEN-STS", cs_pub(SVMM_CS_ICH_TOKEN_STS), 0);
  const uint64_t aborts = cs_abort_count();
  for (unsigned l = 0; l < SVMM_TOKEN_LOCALITIES; ++l) {
    if (phys_read8(TIS_REG(l, SVMM_TIS_ACCESS)) != 0xFF ||
        phys_read32(TIS_REG(l, SVMM_TIS_STS)) != 0xFFFFFFFFu ||
        phys_read32(TIS_REG(l, SVMM_TIS_DID_VID)) != 0xFFFFFFFFu)
      test_fail("the token window of locality %u does not read all ones without a token", l);
    phys_write8(TIS_REG(l, SVMM_TIS_ACCESS), SVMM_TIS_ACCESS_REQUEST_USE);
  }
  expect_no_aborts(aborts, "unassigned token window");
  expect_u64("ICH.TOKEN-FORWARDS", cs_pub(SVMM_CS_ICH_TOKEN_FORWARDS), 0);
  kprintf("token: no token: the window is unassigned MMIO\n");
}

void scenario_token_basic(void) {
  if (cmdline_u64("token", 1) == 0) {
    token_absent();
    return;
  }
  const bool fresh = cmdline_u64("fresh", 1) != 0;
  if (!(whoami()->features & SVMM_CPUID_FEATURE_TOKEN))
    test_fail("CPUID feature bit 2 (token) clear");
  expect_u64("ICH.TOKEN-STS", cs_pub(SVMM_CS_ICH_TOKEN_STS), TOKEN_STS_NORMAL);
  const uint64_t aborts = cs_abort_count();

  /* Registers of locality 0; each access is one forward. */
  uint64_t fw = cs_pub(SVMM_CS_ICH_TOKEN_FORWARDS);
  const uint8_t access = tis_read8(0, SVMM_TIS_ACCESS);
  expect_u64("ACCESS (valid, no locality active)", access & ~SVMM_TIS_ACCESS_ESTABLISHMENT,
             SVMM_TIS_ACCESS_REG_VALID_STS);
  if (fresh)
    expect_u64("ACCESS.tpmEstablishment (no DRTM yet)", access & SVMM_TIS_ACCESS_ESTABLISHMENT, 1);
  expect_u64("INTF_CAPABILITY", tis_read32(0, SVMM_TIS_INTF_CAPABILITY),
             SVMM_TIS_INTF_CAPABILITY_VALUE);
  expect_u64("INTF_CAPABILITY interrupt bits", tis_read32(0, SVMM_TIS_INTF_CAPABILITY) & 0xFF, 0);
  expect_u64("INTERFACE_ID", tis_read32(0, SVMM_TIS_INTERFACE_ID), SVMM_TIS_IFACE_ID_VALUE);
  expect_u64("DID_VID", tis_read32(0, SVMM_TIS_DID_VID), SVMM_TIS_DID_VID_VALUE);
  expect_u64("RID", tis_read8(0, SVMM_TIS_RID), SVMM_TIS_RID_VALUE);
  expect_u64("INT_VECTOR", tis_read8(0, SVMM_TIS_INT_VECTOR), 0);
  expect_u64("INT_STATUS", tis_read32(0, SVMM_TIS_INT_STATUS), 0);
  expect_u64("ICH.TOKEN-FORWARDS delta (8 accesses)", cs_pub(SVMM_CS_ICH_TOKEN_FORWARDS) - fw, 8);

  qemu_style_transmit();

  /* Linux-style commands at locality 0. */
  uint8_t r1[16], r2[16], v[32];
  expect_rc(tpm_get_random(0, sizeof r1, r1), 0, "TPM2_GetRandom(16)");
  expect_rc(tpm_get_random(0, sizeof r2, r2), 0, "TPM2_GetRandom(16) again");
  if (memcmp(r1, r2, sizeof r1) == 0) test_fail("two TPM2_GetRandom gave the same bytes");
  read_pcr(0, 0, v, "locality 0");
  if (fresh) {
    read_pcr(0, 16, v, "locality 0");
    if (!all_bytes(v, 32, 0)) test_fail("PCR 16 is not zero at start");
    for (unsigned pcr = 17; pcr <= 22; ++pcr) {
      read_pcr(0, pcr, v, "before any launch");
      if (!all_bytes(v, 32, 0xFF)) test_fail("PCR %u does not read all ones before a launch", pcr);
    }
  }
  uint8_t digest[32], before16[32];
  for (unsigned i = 0; i < 32; ++i) digest[i] = (uint8_t)(i * 7 + 1);
  read_pcr(0, 16, before16, "before the extend");
  expect_rc(tpm_pcr_extend(0, 16, digest), 0, "TPM2_PCR_Extend(16) at locality 0");
  read_pcr(0, 16, v, "after the extend");
  if (memcmp(v, before16, 32) == 0) test_fail("PCR 16 did not change");
  uint8_t want16[32];
  if (cmdline_hex32("pcr16", want16) && memcmp(v, want16, 32) != 0)
    test_fail("PCR 16 is not SHA-256(old || digest)");
  /* PCR 17 can only be extended from localities 2-4 (PC client: extendLocality 0x1C). */
  expect_rc(tpm_pcr_extend(0, 17, digest), TPM_RC_LOCALITY, "TPM2_PCR_Extend(17) at locality 0");
  /* The platform hierarchy is closed: TPM2_Clear is disabled and platformAuth unknown. */
  struct tpm_cmd c;
  tpmc_begin(&c, TPM_ST_SESSIONS, 0x00000126u); /* TPM2_Clear(TPM_RH_LOCKOUT) */
  tpmc_u32(&c, TPM_RH_LOCKOUT);
  tpmc_password_session(&c);
  tpmc_end(&c);
  const uint32_t clear_rc = tpm_run(0, &c, "TPM2_Clear");
  kprintf("token: TPM2_Clear(lockout): TPM_RC 0x%x\n", clear_rc);
  if (clear_rc == 0) test_fail("TPM2_Clear succeeded from the guest OS");
  tpmc_begin(&c, TPM_ST_SESSIONS, 0x00000129u); /* TPM2_HierarchyChangeAuth(TPM_RH_PLATFORM) */
  tpmc_u32(&c, TPM_RH_PLATFORM);
  tpmc_password_session(&c);
  tpmc_u16(&c, 0);
  tpmc_end(&c);
  const uint32_t auth_rc = tpm_run(0, &c, "TPM2_HierarchyChangeAuth");
  kprintf("token: TPM2_HierarchyChangeAuth(platform) with an empty password: TPM_RC 0x%x\n",
          auth_rc);
  if (auth_rc == 0) test_fail("the guest OS could use the platform hierarchy");
  expect_no_aborts(aborts, "locality 0");
}

/* ---- token-localities ---- */

void scenario_token_localities(void) {
  expect_u64("ICH.TOKEN-STS", cs_pub(SVMM_CS_ICH_TOKEN_STS), TOKEN_STS_NORMAL);
  static const uint32_t regs[] = {SVMM_TIS_ACCESS, SVMM_TIS_STS, SVMM_TIS_DATA_FIFO,
                                  SVMM_TIS_DID_VID, SVMM_TIS_XDATA_FIFO};
  for (unsigned l = 1; l < SVMM_TOKEN_LOCALITIES; ++l) {
    for (unsigned i = 0; i < sizeof regs / sizeof regs[0]; ++i) {
      const unsigned width = regs[i] == SVMM_TIS_ACCESS || regs[i] == SVMM_TIS_DATA_FIFO ? 1 : 4;
      token_expect_aborted(l, regs[i], width, false, 0);
    }
    token_expect_aborted(l, SVMM_TIS_ACCESS, 1, true, 0); /* requestUse: dropped */
    token_expect_aborted(l, SVMM_TIS_STS, 4, true, 0);    /* commandReady: dropped */
    token_expect_aborted(l, SVMM_TIS_DATA_FIFO, 8, false, 0);
  }
  /* An 8-byte read from 0xFFC: its first half is locality 0 (unassigned, all ones, forwarded),
   * its second half locality 1's ACCESS (aborted). */
  const uint64_t aborts = cs_abort_count(), fw = cs_pub(SVMM_CS_ICH_TOKEN_FORWARDS);
  expect_u64("8-byte read across localities 0 and 1", phys_read64(TIS_REG(0, 0xFFC)), ~0ull);
  expect_u64("aborts of it", cs_abort_count() - aborts, 1);
  expect_u64("forwards of it", cs_pub(SVMM_CS_ICH_TOKEN_FORWARDS) - fw, 1);
  /* The dropped requestUse writes left no pending request: locality 0 is granted at once. */
  tis_write8(0, SVMM_TIS_ACCESS, SVMM_TIS_ACCESS_REQUEST_USE);
  const uint8_t access = tis_read8(0, SVMM_TIS_ACCESS);
  expect_u64("locality 0 ACCESS after its request", access & ~SVMM_TIS_ACCESS_ESTABLISHMENT,
             SVMM_TIS_ACCESS_REG_VALID_STS | SVMM_TIS_ACCESS_ACTIVE_LOCALITY);
  tis_relinquish_locality(0);
  uint8_t v[32];
  read_pcr(0, 17, v, "locality 0 still works");
}

/* ---- token-launch ---- */

void scenario_token_launch(void) {
  uint8_t pcr17[32], pcr18[32], cap17[32], cap18[32], v[32];
  if (!cmdline_hex32("pcr17", pcr17) || !cmdline_hex32("pcr18", pcr18) ||
      !cmdline_hex32("cap17", cap17) || !cmdline_hex32("cap18", cap18))
    test_fail("token-launch needs pcr17=, pcr18=, cap17= and cap18=");
  struct secure_cfg cfg;
  secure_cfg_parse(&cfg, 1);
  const uint64_t cycles = cmdline_u64("cycles", 2);
  const bool fail = cmdline_u64("fail", 0) != 0;
  /* vm=I: SECURE_LAUNCH of trusted VM I alone (its manifest measures it alone). */
  const uint64_t vm = cmdline_u64("vm", SVMM_HC_LAUNCH_ALL);
  const uint64_t ready = vm == SVMM_HC_LAUNCH_ALL ? ready_mask(cfg.vms) : 1ull << vm;

  for (unsigned pcr = 17; pcr <= 18; ++pcr) {
    read_pcr(0, pcr, v, "before the launch");
    if (!all_bytes(v, 32, 0xFF)) test_fail("PCR %u does not read all ones before a launch", pcr);
  }
  expect_u64("ACCESS.tpmEstablishment before the launch", tis_read8(0, SVMM_TIS_ACCESS) & 1, 1);

  if (fail) {
    /* svmm runs with SVMM_TEST_FAIL_LAUNCH=after-measure: measured, then the launch fails. */
    secure_launch(HC_PORT, vm, -SVMM_EIO);
    hc_both("after the failed launch", SVMM_HC_STATE, 0, 0, 0, 0, 0);
    expect_pcr(0, 17, cap17, "after the failed launch");
    expect_pcr(0, 18, cap18, "after the failed launch");
    return;
  }
  for (uint64_t k = 1; k <= cycles; ++k) {
    kprintf("token-launch: --- cycle %lu ---\n", k);
    const uint64_t teardowns = cs_pub(SVMM_CS_TEARDOWN_COUNT);
    secure_launch(HC_PORT, vm, 0);
    expect_pcr(0, 17, pcr17, "after the launch");
    expect_pcr(0, 18, pcr18, "after the launch");
    for (unsigned pcr = 19; pcr <= 22; ++pcr) {
      read_pcr(0, pcr, v, "after the launch");
      if (!all_bytes(v, 32, 0)) test_fail("PCR %u is not zero after the DRTM sequence", pcr);
    }
    expect_u64("ACCESS.tpmEstablishment after the launch", tis_read8(0, SVMM_TIS_ACCESS) & 1, 0);
    expect_u64("ICH.TOKEN-STS in secure mode", cs_pub(SVMM_CS_ICH_TOKEN_STS),
               TOKEN_STS_NORMAL | 1ull << 10);
    secure_wait_bits(ready, "the launched trusted VMs ready");
    token_expect_aborted(2, SVMM_TIS_ACCESS, 1, false, 0); /* locality 2 is the trusted VMs' */
    report_poison();
    hc_expect(HC_PORT, "teardown", SVMM_HC_TEARDOWN, (uint64_t)(uintptr_t)&secure_report, 0, 0, 0,
              0);
    report_print(&secure_report);
    expect_u64("report pcrs_capped", secure_report.pcrs_capped, PCR_CAPPED_BITS);
    secure_check_after_teardown(teardowns + 1);
    expect_u64("ICH.TOKEN-STS after teardown", cs_pub(SVMM_CS_ICH_TOKEN_STS), TOKEN_STS_NORMAL);
    expect_pcr(0, 17, cap17, "after teardown (capped)");
    expect_pcr(0, 18, cap18, "after teardown (capped)");
    if (memcmp(cap17, pcr17, 32) == 0 || memcmp(cap18, pcr18, 32) == 0)
      test_fail("the capped values equal the launch values");
  }
}

/* ---- token-trusted ---- */

void scenario_token_trusted(void) {
  struct secure_cfg cfg;
  secure_cfg_parse(&cfg, 1);
  const bool open1 = cmdline_u64("open1", 0) != 0, held = cmdline_u64("held", 0) != 0,
             closed2 = cmdline_u64("closed2", 0) != 0;
  token_expect_aborted(1, SVMM_TIS_ACCESS, 1, false, 0);
  const uint64_t teardowns = cs_pub(SVMM_CS_TEARDOWN_COUNT);
  secure_launch(HC_PORT, SVMM_HC_LAUNCH_ALL, 0);
  secure_wait_bits(ready_mask(cfg.vms), "every trusted VM ready");
  uint64_t tsts = cs_pub(SVMM_CS_ICH_TOKEN_STS);
  kprintf("token-trusted: ICH.TOKEN-STS 0x%lx, STS 0x%lx\n", tsts, cs_pub(SVMM_CS_STS));
  if (((tsts >> 9) & 1) != (open1 ? 1u : 0u)) test_fail("ICH.TOKEN-STS locality 1 bit wrong");
  if (((tsts >> 10) & 1) != (closed2 ? 0u : 1u)) test_fail("ICH.TOKEN-STS locality 2 bit wrong");

  uint8_t digest[32], v[32];
  for (unsigned i = 0; i < 32; ++i) digest[i] = (uint8_t)(0xA0 + i);
  if (open1) {
    /* A trusted VM opened locality 1 for the guest OS (CMD.OPEN-LOCALITY1). */
    expect_rc(tpm_pcr_extend(1, 20, digest), 0, "TPM2_PCR_Extend(20) at locality 1");
    read_pcr(1, 20, v, "locality 1");
    expect_rc(tpm_pcr_extend(0, 20, digest), TPM_RC_LOCALITY, "TPM2_PCR_Extend(20) at locality 0");
  } else {
    token_expect_aborted(1, SVMM_TIS_ACCESS, 1, false, 0);
  }
  if (held && !closed2) {
    /* A trusted VM holds locality 2: the guest OS's request stays pending. */
    tis_write8(0, SVMM_TIS_ACCESS, SVMM_TIS_ACCESS_REQUEST_USE);
    const uint8_t a = tis_read8(0, SVMM_TIS_ACCESS);
    kprintf("token-trusted: locality 0 ACCESS while locality 2 is held: 0x%x\n", a);
    if (a & SVMM_TIS_ACCESS_ACTIVE_LOCALITY)
      test_fail("locality 0 granted while a trusted VM holds locality 2");
    if (!(a & SVMM_TIS_ACCESS_REQUEST_USE)) test_fail("the request of locality 0 is not pending");
    tis_relinquish_locality(0); /* withdraws the request */
  }
  if (!held || closed2) {
    /* Locality 2 free or closed (and then reset): locality 0 is granted. */
    read_pcr(0, 17, v, "locality 0 in secure mode");
  }
  report_poison();
  hc_expect(HC_PORT, "teardown", SVMM_HC_TEARDOWN, (uint64_t)(uintptr_t)&secure_report, 0, 0, 0, 0);
  expect_u64("report pcrs_capped", secure_report.pcrs_capped, PCR_CAPPED_BITS);
  secure_check_after_teardown(teardowns + 1);
  expect_u64("ICH.TOKEN-STS after teardown", cs_pub(SVMM_CS_ICH_TOKEN_STS), TOKEN_STS_NORMAL);
  token_expect_aborted(1, SVMM_TIS_ACCESS, 1, false, 0); /* CLOSE-PRIVATE closed locality 1 */
  token_expect_aborted(2, SVMM_TIS_ACCESS, 1, false, 0);
  /* Teardown reset localities 1 and 2: whatever a trusted VM held, locality 0 is free. */
  read_pcr(0, 17, v, "locality 0 after teardown");
}

/* ---- token-nv ---- */

static void put_be64(uint8_t* p, uint64_t v) {
  for (unsigned i = 0; i < 8; ++i) p[i] = (uint8_t)(v >> (56 - 8 * i));
}
static uint64_t get_be64(const uint8_t* p) {
  uint64_t v = 0;
  for (unsigned i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

void scenario_token_nv(void) {
  uint8_t b[8];
  if (cmdline_u64("define", 0))
    expect_rc(tpm_nv_define(0, TOKEN_TEST_NV_INDEX, 8), 0, "TPM2_NV_DefineSpace");
  if (cmdline_has("write")) {
    put_be64(b, cmdline_u64("write", 0));
    expect_rc(tpm_nv_write(0, TOKEN_TEST_NV_INDEX, b, 8), 0, "TPM2_NV_Write");
  }
  const uint64_t writes = cmdline_u64("writes", 0);
  for (uint64_t i = 1; i <= writes; ++i) {
    put_be64(b, i);
    const uint32_t rc = tpm_nv_write(0, TOKEN_TEST_NV_INDEX, b, 8);
    if (rc != 0) test_fail("TPM2_NV_Write %lu: TPM_RC 0x%x", i, rc);
    kprintf("token-nv: wrote %lu\n", i);
  }
  const uint32_t rc = tpm_nv_read(0, TOKEN_TEST_NV_INDEX, b, 8);
  if (cmdline_u64("missing", 0)) {
    kprintf("token-nv: TPM2_NV_Read: TPM_RC 0x%x\n", rc);
    if (rc == 0) test_fail("the NV index exists");
    return;
  }
  if (rc != 0) test_fail("TPM2_NV_Read: TPM_RC 0x%x", rc);
  const uint64_t value = get_be64(b);
  kprintf("token-nv: value %lu\n", value);
  if (cmdline_has("expect") && value != cmdline_u64("expect", 0))
    test_fail("the NV index holds %lu, expected %lu", value, cmdline_u64("expect", 0));
}

/* ---- token-bench ---- */

void scenario_token_bench(void) {
  const char* op = cmdline_get("op");
  const uint64_t count = cmdline_u64("count", 100);
  if (op && strcmp(op, "sts") == 0) {
    /* As `mmio-loop`, but each read is a token register (bus, ICH route, TIS). */
    if (tis_request_locality(0, 1000) != 0) test_fail("locality 0 not granted");
    for (uint64_t i = 0; i < count; ++i) (void)phys_read8(TIS_REG(0, SVMM_TIS_STS));
    tis_relinquish_locality(0);
    return;
  }
  struct tpm_cmd c;
  if (op && strcmp(op, "get-random") == 0)
    tpm_build_get_random(&c, 32);
  else
    tpm_build_pcr_read(&c, 17);
  const uint64_t before = tis_mmio_accesses;
  for (uint64_t i = 0; i < count; ++i) {
    const int n = tis_transmit(0, c.b, c.n, tpm_resp, sizeof tpm_resp);
    if (n < 0 || tpm_rc(tpm_resp, n) != 0) test_fail("command %lu failed (%d)", i, n);
  }
  kprintf("token-bench: %lu commands, %lu MMIO accesses\n", count, tis_mmio_accesses - before);
}
