/* TPM 2.0 commands for the token scenarios (scenarios/token.h). */
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/report.h"
#include "kernel/string.h"
#include "kernel/svmm.h"
#include "scenarios/token.h"

#define TPM_CC_NV_DEFINE_SPACE 0x0000012Au
#define TPM_CC_NV_WRITE 0x00000137u
#define TPM_CC_NV_READ 0x0000014Eu
#define TPM_CC_GET_RANDOM 0x0000017Bu
#define TPM_CC_PCR_READ 0x0000017Eu
#define TPM_CC_PCR_EXTEND 0x00000182u
#define TPM_RS_PW 0x40000009u
#define TPM_ALG_SHA256 0x000Bu
/* TPMA_NV: OWNERWRITE | AUTHWRITE | OWNERREAD | AUTHREAD | NO_DA, ordinary index. */
#define TOKEN_TEST_NV_ATTRIBUTES 0x02060006u

uint8_t tpm_resp[SVMM_TIS_BUFFER_SIZE];
int tpm_resp_len;

void tpmc_begin(struct tpm_cmd* c, uint16_t tag, uint32_t code) {
  c->n = 0;
  tpmc_u16(c, tag);
  tpmc_u32(c, 0);
  tpmc_u32(c, code);
}
void tpmc_u8(struct tpm_cmd* c, uint8_t v) {
  if (c->n >= sizeof c->b) test_fail("TPM command too long");
  c->b[c->n++] = v;
}
void tpmc_u16(struct tpm_cmd* c, uint16_t v) {
  tpmc_u8(c, (uint8_t)(v >> 8));
  tpmc_u8(c, (uint8_t)v);
}
void tpmc_u32(struct tpm_cmd* c, uint32_t v) {
  tpmc_u16(c, (uint16_t)(v >> 16));
  tpmc_u16(c, (uint16_t)v);
}
void tpmc_bytes(struct tpm_cmd* c, const uint8_t* p, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) tpmc_u8(c, p[i]);
}
void tpmc_password_session(struct tpm_cmd* c) {
  tpmc_u32(c, 9); /* authorizationSize */
  tpmc_u32(c, TPM_RS_PW);
  tpmc_u16(c, 0); /* nonce */
  tpmc_u8(c, 0);  /* sessionAttributes */
  tpmc_u16(c, 0); /* hmac (the password) */
}
void tpmc_end(struct tpm_cmd* c) {
  c->b[2] = (uint8_t)(c->n >> 24);
  c->b[3] = (uint8_t)(c->n >> 16);
  c->b[4] = (uint8_t)(c->n >> 8);
  c->b[5] = (uint8_t)c->n;
}

uint32_t tpm_run(unsigned l, const struct tpm_cmd* c, const char* what) {
  tpm_resp_len = tis_transmit(l, c->b, c->n, tpm_resp, sizeof tpm_resp);
  if (tpm_resp_len < 0)
    test_fail("%s at locality %u: TIS error %d (%s)", what, l, tpm_resp_len,
              tis_error_name(tpm_resp_len));
  return tpm_rc(tpm_resp, tpm_resp_len);
}

static uint16_t be16(const uint8_t* p) { return (uint16_t)((p[0] << 8) | p[1]); }

void tpm_build_pcr_read(struct tpm_cmd* c, unsigned pcr) {
  tpmc_begin(c, TPM_ST_NO_SESSIONS, TPM_CC_PCR_READ);
  tpmc_u32(c, 1); /* TPML_PCR_SELECTION.count */
  tpmc_u16(c, TPM_ALG_SHA256);
  tpmc_u8(c, 3);
  for (unsigned i = 0; i < 3; ++i) tpmc_u8(c, i == pcr / 8 ? (uint8_t)(1u << (pcr % 8)) : 0);
  tpmc_end(c);
}

uint32_t tpm_pcr_read(unsigned l, unsigned pcr, uint8_t out[32]) {
  struct tpm_cmd c;
  tpm_build_pcr_read(&c, pcr);
  const uint32_t rc = tpm_run(l, &c, "TPM2_PCR_Read");
  if (rc != TPM_RC_SUCCESS) return rc;
  /* header 10, pcrUpdateCounter 4, selection 10, digest count 4, size 2, 32 bytes */
  if (tpm_resp_len != 62 || be16(tpm_resp + 28) != 32)
    test_fail("TPM2_PCR_Read: unexpected response of %d bytes", tpm_resp_len);
  memcpy(out, tpm_resp + 30, 32);
  return rc;
}

uint32_t tpm_pcr_extend(unsigned l, unsigned pcr, const uint8_t digest[32]) {
  struct tpm_cmd c;
  tpmc_begin(&c, TPM_ST_SESSIONS, TPM_CC_PCR_EXTEND);
  tpmc_u32(&c, pcr);
  tpmc_password_session(&c);
  tpmc_u32(&c, 1); /* TPML_DIGEST_VALUES.count */
  tpmc_u16(&c, TPM_ALG_SHA256);
  tpmc_bytes(&c, digest, 32);
  tpmc_end(&c);
  return tpm_run(l, &c, "TPM2_PCR_Extend");
}

void tpm_build_get_random(struct tpm_cmd* c, uint16_t n) {
  tpmc_begin(c, TPM_ST_NO_SESSIONS, TPM_CC_GET_RANDOM);
  tpmc_u16(c, n);
  tpmc_end(c);
}

uint32_t tpm_get_random(unsigned l, uint16_t n, uint8_t* out) {
  struct tpm_cmd c;
  tpm_build_get_random(&c, n);
  const uint32_t rc = tpm_run(l, &c, "TPM2_GetRandom");
  if (rc != TPM_RC_SUCCESS) return rc;
  if (tpm_resp_len != 12 + n || be16(tpm_resp + 10) != n)
    test_fail("TPM2_GetRandom(%u): unexpected response of %d bytes", n, tpm_resp_len);
  memcpy(out, tpm_resp + 12, n);
  return rc;
}

uint32_t tpm_nv_define(unsigned l, uint32_t index, uint16_t size) {
  struct tpm_cmd c;
  tpmc_begin(&c, TPM_ST_SESSIONS, TPM_CC_NV_DEFINE_SPACE);
  tpmc_u32(&c, TPM_RH_OWNER);
  tpmc_password_session(&c);
  tpmc_u16(&c, 0);     /* auth: empty */
  tpmc_u16(&c, 14);    /* TPM2B_NV_PUBLIC.size */
  tpmc_u32(&c, index); /* nvIndex */
  tpmc_u16(&c, TPM_ALG_SHA256);
  tpmc_u32(&c, TOKEN_TEST_NV_ATTRIBUTES);
  tpmc_u16(&c, 0);    /* authPolicy: empty */
  tpmc_u16(&c, size); /* dataSize */
  tpmc_end(&c);
  return tpm_run(l, &c, "TPM2_NV_DefineSpace");
}

uint32_t tpm_nv_write(unsigned l, uint32_t index, const uint8_t* data, uint16_t n) {
  struct tpm_cmd c;
  tpmc_begin(&c, TPM_ST_SESSIONS, TPM_CC_NV_WRITE);
  tpmc_u32(&c, index); /* authHandle: the index itself, empty authValue */
  tpmc_u32(&c, index);
  tpmc_password_session(&c);
  tpmc_u16(&c, n);
  tpmc_bytes(&c, data, n);
  tpmc_u16(&c, 0); /* offset */
  tpmc_end(&c);
  return tpm_run(l, &c, "TPM2_NV_Write");
}

uint32_t tpm_nv_read(unsigned l, uint32_t index, uint8_t* out, uint16_t n) {
  struct tpm_cmd c;
  tpmc_begin(&c, TPM_ST_SESSIONS, TPM_CC_NV_READ);
  tpmc_u32(&c, index);
  tpmc_u32(&c, index);
  tpmc_password_session(&c);
  tpmc_u16(&c, n);
  tpmc_u16(&c, 0);
  tpmc_end(&c);
  const uint32_t rc = tpm_run(l, &c, "TPM2_NV_Read");
  if (rc != TPM_RC_SUCCESS) return rc;
  /* header 10, parameterSize 4, TPM2B_MAX_NV_BUFFER, then the response session */
  if (tpm_resp_len < 16 + n || be16(tpm_resp + 14) != n)
    test_fail("TPM2_NV_Read: unexpected response of %d bytes", tpm_resp_len);
  memcpy(out, tpm_resp + 16, n);
  return rc;
}

void hex_of(const uint8_t* p, unsigned n, char* out) {
  for (unsigned i = 0; i < n; ++i) {
    out[2 * i] = "0123456789abcdef"[p[i] >> 4];
    out[2 * i + 1] = "0123456789abcdef"[p[i] & 15];
  }
  out[2 * n] = '\0';
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool cmdline_hex32(const char* key, uint8_t out[32]) {
  const char* s = cmdline_get(key);
  if (!s) return false;
  if (strlen(s) != 64) test_fail("%s=%s: expected 64 hex digits", key, s);
  for (unsigned i = 0; i < 32; ++i) {
    const int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) test_fail("%s=%s: expected 64 hex digits", key, s);
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return true;
}

bool all_bytes(const uint8_t* p, unsigned n, uint8_t v) {
  for (unsigned i = 0; i < n; ++i)
    if (p[i] != v) return false;
  return true;
}

void expect_rc(uint32_t rc, uint32_t want, const char* what) {
  kprintf("token: %s: TPM_RC 0x%x (expected 0x%x)\n", what, rc, want);
  if (rc != want) test_fail("%s: TPM_RC 0x%x, expected 0x%x", what, rc, want);
}

void read_pcr(unsigned l, unsigned pcr, uint8_t out[32], const char* what) {
  const uint32_t rc = tpm_pcr_read(l, pcr, out);
  if (rc != TPM_RC_SUCCESS)
    test_fail("%s: TPM2_PCR_Read(%u) at locality %u: TPM_RC 0x%x", what, pcr, l, rc);
  char hex[65];
  hex_of(out, 32, hex);
  kprintf("token: %s: PCR %u = %s\n", what, pcr, hex);
}

void expect_pcr(unsigned l, unsigned pcr, const uint8_t want[32], const char* what) {
  uint8_t v[32];
  read_pcr(l, pcr, v, what);
  if (memcmp(v, want, 32) != 0) {
    char hex[65];
    hex_of(want, 32, hex);
    test_fail("%s: PCR %u is not %s", what, pcr, hex);
  }
}

void token_expect_aborted(unsigned l, uint32_t reg, unsigned width, bool write,
                          unsigned requester) {
  const uint64_t aborts = cs_abort_count(), forwards = cs_pub(SVMM_CS_ICH_TOKEN_FORWARDS);
  const uint64_t at = TIS_REG(l, reg);
  uint64_t v = 0, ones = width == 8 ? ~0ull : (1ull << (8 * width)) - 1;
  if (write) {
    switch (width) {
      case 1:
        phys_write8(at, SVMM_TIS_ACCESS_REQUEST_USE);
        break;
      case 2:
        phys_write16(at, 0xFFFF);
        break;
      case 4:
        phys_write32(at, SVMM_TIS_STS_COMMAND_READY);
        break;
      default:
        phys_write64(at, 0);
        break;
    }
  } else {
    switch (width) {
      case 1:
        v = phys_read8(at);
        break;
      case 2:
        v = phys_read16(at);
        break;
      case 4:
        v = phys_read32(at);
        break;
      default:
        v = phys_read64(at);
        break;
    }
    if (v != ones)
      test_fail("aborted %u-byte read of locality %u register 0x%x gave 0x%lx, not all ones", width,
                l, reg, v);
  }
  const uint64_t after = cs_abort_count();
  if (after != aborts + 1)
    test_fail("%s of locality %u register 0x%x: ABORT-COUNT %lu -> %lu, expected +1",
              write ? "write" : "read", l, reg, aborts, after);
  const uint64_t raw = cs_pub(SVMM_CS_LAST_ABORT);
  const struct cs_abort a = cs_abort_decode(raw);
  if (!a.token || a.private_window || a.hypercall || a.write != write || a.width != width ||
      a.offset != l * SVMM_TOKEN_LOCALITY_STRIDE + reg || a.requester != requester || a.vcpu != 0) {
    cs_abort_print("token", raw);
    test_fail("LAST-ABORT 0x%lx does not name the %s of locality %u register 0x%x by requester %u",
              raw, write ? "write" : "read", l, reg, requester);
  }
  /* ICH.TOKEN-FORWARDS counts everyone's accesses: only the guest OS checks it, at times when
   * no trusted VM uses the token. */
  if (requester == 0 && cs_pub(SVMM_CS_ICH_TOKEN_FORWARDS) != forwards)
    test_fail("an aborted token access was counted in ICH.TOKEN-FORWARDS");
  kprintf("token: %u-byte %s of locality %u register 0x%03x by requester %u: aborted%s\n", width,
          write ? "write" : "read", l, reg, requester, write ? "" : ", all ones");
}
