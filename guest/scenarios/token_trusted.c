/* The token from a trusted VM (spec/token.md section 2: locality 2 while LOCALITY2 is open):
 *   trusted-token [pcr21=1] [open1=1] [hold=1] [close2=1]
 * Checks that localities 0, 1, 3 and 4 are refused to it, then uses locality 2 (PCR reads,
 * GetRandom, PCR 16 and 23 extends; `pcr21=1` also extends PCR 21, which only locality 2 may
 * extend, and checks that locality 0 cannot); `open1=1` opens locality 1 for the guest OS
 * (CMD.OPEN-LOCALITY1); `hold=1` keeps locality 2 active instead of relinquishing it;
 * `close2=1` closes locality 2 (CMD.CLOSE-LOCALITY2), after which it is refused too. Then
 * PASS: READY is set and the VM ends with TRUSTED_EXIT(0) (or FAIL, TRUSTED_EXIT(1)). */
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/report.h"
#include "kernel/string.h"
#include "protocol/cpuid.h"
#include "scenarios/scenarios.h"
#include "scenarios/secure.h"
#include "scenarios/token.h"

static uint32_t my_index;

static void set_ready(uint32_t v) {
  (void)v;
  ready_assert(1ull << (SVMM_TEST_SCRATCH_READY_SHIFT + my_index));
}

void scenario_trusted_token(void) {
  my_index = trusted_index(false);
  report_set_before_exit(set_ready);
  const unsigned me = 1 + my_index;
  if (!(whoami()->features & SVMM_CPUID_FEATURE_TOKEN))
    test_fail("CPUID feature bit 2 (token) clear");
  const uint64_t tsts = cs_pub(SVMM_CS_ICH_TOKEN_STS);
  kprintf("trusted-token: ICH.TOKEN-STS 0x%lx\n", tsts);
  if (!(tsts & (1ull << 10))) test_fail("locality 2 is not open in secure mode");

  /* Only locality 2 is a trusted VM's. */
  token_expect_aborted(0, SVMM_TIS_ACCESS, 1, false, me);
  token_expect_aborted(0, SVMM_TIS_ACCESS, 1, true, me);
  token_expect_aborted(1, SVMM_TIS_STS, 4, false, me);
  token_expect_aborted(3, SVMM_TIS_ACCESS, 1, false, me);
  token_expect_aborted(4, SVMM_TIS_DID_VID, 4, false, me);

  const uint64_t aborts = cs_abort_count();
  if (tis_read32(2, SVMM_TIS_DID_VID) != SVMM_TIS_DID_VID_VALUE) test_fail("DID_VID at locality 2");
  uint8_t v[32], r[16], digest[32];
  for (unsigned i = 0; i < 32; ++i) digest[i] = (uint8_t)(0x30 + i);
  read_pcr(2, 17, v, "trusted VM, locality 2");
  read_pcr(2, 18, v, "trusted VM, locality 2");
  expect_rc(tpm_get_random(2, sizeof r, r), 0, "TPM2_GetRandom at locality 2");
  expect_rc(tpm_pcr_extend(2, 16, digest), 0, "TPM2_PCR_Extend(16) at locality 2");
  expect_rc(tpm_pcr_extend(2, 23, digest), 0, "TPM2_PCR_Extend(23) at locality 2");
  if (cmdline_u64("pcr21", 0)) {
    expect_rc(tpm_pcr_extend(2, 21, digest), 0, "TPM2_PCR_Extend(21) at locality 2");
    read_pcr(2, 21, v, "after the extend at locality 2");
    if (all_bytes(v, 32, 0)) test_fail("PCR 21 did not change");
  }
  if (cs_abort_count() != aborts) test_fail("locality 2 accesses were aborted");

  if (cmdline_u64("open1", 0)) {
    cs_priv_write(SVMM_CS_CMD_OPEN_LOCALITY1, 1);
    if (!(cs_pub(SVMM_CS_STS) & SVMM_STS_LOCALITY1_OPEN))
      test_fail("OPEN-LOCALITY1 did not open it");
    kprintf("trusted-token: locality 1 opened for the guest OS\n");
  }
  if (cmdline_u64("hold", 0)) {
    if (tis_request_locality(2, 1000) != 0) test_fail("locality 2 not granted");
    kprintf("trusted-token: holding locality 2\n");
  }
  if (cmdline_u64("close2", 0)) {
    cs_priv_write(SVMM_CS_CMD_CLOSE_LOCALITY2, 1);
    if (cs_pub(SVMM_CS_ICH_TOKEN_STS) & (1ull << 10))
      test_fail("CLOSE-LOCALITY2 left locality 2 open");
    token_expect_aborted(2, SVMM_TIS_ACCESS, 1, false, me);
    token_expect_aborted(2, SVMM_TIS_DATA_FIFO, 1, true, me);
    kprintf("trusted-token: locality 2 closed\n");
  }
}
