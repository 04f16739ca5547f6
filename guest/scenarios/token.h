/* Helpers of the token scenarios (scenarios/token*.c): TPM 2.0 commands built by hand (TCG
 * TPM 2.0 Library Part 3 layouts, password sessions with empty passwords), sent through the
 * kernel's TIS driver (kernel/tis.h), and checks of token window accesses. */
#ifndef SVMM_GUEST_SCENARIOS_TOKEN_H
#define SVMM_GUEST_SCENARIOS_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/tis.h"

#define TPM_ST_NO_SESSIONS 0x8001u
#define TPM_ST_SESSIONS 0x8002u
#define TPM_RC_SUCCESS 0x000u
#define TPM_RC_LOCALITY 0x907u
#define TPM_RC_NV_DEFINED 0x14Cu
#define TPM_RH_OWNER 0x40000001u
#define TPM_RH_LOCKOUT 0x4000000Au
#define TPM_RH_PLATFORM 0x4000000Cu
#define TOKEN_TEST_NV_INDEX 0x01500016u /* an owner-defined ordinary NV index */

struct tpm_cmd {
  uint8_t b[256];
  uint32_t n;
};
void tpmc_begin(struct tpm_cmd* c, uint16_t tag, uint32_t code);
void tpmc_u8(struct tpm_cmd* c, uint8_t v);
void tpmc_u16(struct tpm_cmd* c, uint16_t v);
void tpmc_u32(struct tpm_cmd* c, uint32_t v);
void tpmc_bytes(struct tpm_cmd* c, const uint8_t* p, uint32_t n);
void tpmc_password_session(struct tpm_cmd* c); /* authorization area: TPM_RS_PW, empty */
void tpmc_end(struct tpm_cmd* c);              /* patches commandSize */

/* The last response (tpm_run). */
extern uint8_t tpm_resp[SVMM_TIS_BUFFER_SIZE];
extern int tpm_resp_len;
/* Sends `c` at locality `l` with tis_transmit(); FAIL on a driver error. Returns the TPM's
 * response code. */
uint32_t tpm_run(unsigned l, const struct tpm_cmd* c, const char* what);

uint32_t tpm_pcr_read(unsigned l, unsigned pcr, uint8_t out[32]);
uint32_t tpm_pcr_extend(unsigned l, unsigned pcr, const uint8_t digest[32]);
uint32_t tpm_get_random(unsigned l, uint16_t n, uint8_t* out);
uint32_t tpm_nv_define(unsigned l, uint32_t index, uint16_t size);
uint32_t tpm_nv_write(unsigned l, uint32_t index, const uint8_t* data, uint16_t n);
uint32_t tpm_nv_read(unsigned l, uint32_t index, uint8_t* out, uint16_t n);
void tpm_build_get_random(struct tpm_cmd* c, uint16_t n);
void tpm_build_pcr_read(struct tpm_cmd* c, unsigned pcr);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void hex_of(const uint8_t* p, unsigned n, char* out);
/* cmdline key holding 64 hex digits: true and the 32 bytes; false if absent; FAIL if bad. */
bool cmdline_hex32(const char* key, uint8_t out[32]);
bool all_bytes(const uint8_t* p, unsigned n, uint8_t v);
/* PCR `pcr` read at locality `l` must equal want (FAIL otherwise); prints it. */
void expect_pcr(unsigned l, unsigned pcr, const uint8_t want[32], const char* what);
/* Prints and returns PCR `pcr` read at locality `l` (FAIL if the read fails). */
void read_pcr(unsigned l, unsigned pcr, uint8_t out[32], const char* what);
/* FAIL unless `rc` is `want`. */
void expect_rc(uint32_t rc, uint32_t want, const char* what);

/* One access to the token window that the requester may not make: reads all ones (writes are
 * dropped), exactly one abort, LAST-ABORT = token window, offset, width, direction, requester,
 * vCPU 0; for the guest OS (requester 0) also ICH.TOKEN-FORWARDS unchanged. Call it when no
 * other VM aborts (or, for the guest OS, uses the token) at the same time. */
void token_expect_aborted(unsigned l, uint32_t reg, unsigned width, bool write, unsigned requester);

#endif
