/* A small polled TPM TIS 1.3 FIFO driver, doing what Linux's tpm_tis_core.c does with
 * interrupts off (tpm_tis.interrupts=0): request the locality and wait for activeLocality,
 * commandReady (and wait for it), the command one byte at a time to DATA_FIFO in bursts of at
 * most burstCount with stsValid/Expect checked after each burst (Expect must stay set until the
 * last byte and be clear after it), tpmGo, poll dataAvail|stsValid, read the 10-byte header
 * then the rest one byte at a time, check that no data is left, responseRetry on a transfer
 * error, commandReady, relinquish. spec/token.md, protocol/token.h. */
#ifndef SVMM_GUEST_KERNEL_TIS_H
#define SVMM_GUEST_KERNEL_TIS_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/x86.h"
#include "protocol/memory_map.h"
#include "protocol/token.h"

#define TIS_REG(l, reg) (SVMM_MMIO_TOKEN + (uint64_t)(l)*SVMM_TOKEN_LOCALITY_STRIDE + (reg))

/* Every MMIO access the driver makes (one VM exit each), for the benchmark. */
extern uint64_t tis_mmio_accesses;

static inline uint8_t tis_read8(unsigned l, uint32_t reg) {
  ++tis_mmio_accesses;
  return phys_read8(TIS_REG(l, reg));
}
static inline uint32_t tis_read32(unsigned l, uint32_t reg) {
  ++tis_mmio_accesses;
  return phys_read32(TIS_REG(l, reg));
}
static inline void tis_write8(unsigned l, uint32_t reg, uint8_t v) {
  ++tis_mmio_accesses;
  phys_write8(TIS_REG(l, reg), v);
}
static inline void tis_write32(unsigned l, uint32_t reg, uint32_t v) {
  ++tis_mmio_accesses;
  phys_write32(TIS_REG(l, reg), v);
}

enum tis_error {
  TIS_E_LOCALITY = -1, /* the locality did not become active */
  TIS_E_TIMEOUT = -2,  /* a status bit never came */
  TIS_E_EXPECT = -3,   /* Expect wrong while sending */
  TIS_E_SIZE = -4,     /* response size field out of range / buffer too small */
  TIS_E_LEFTOVER = -5, /* dataAvail still set after the whole response */
  TIS_E_BURST = -6,    /* burstCount stayed 0 */
};
const char* tis_error_name(int e);

/* STS's low byte as Linux's tpm_tis_status() returns it: 0 if a must-be-zero bit is set (e.g.
 * all ones from a locality that is not active). */
uint8_t tis_status(unsigned l);
/* Linux check_locality(): ACCESS shows activeLocality and tpmRegValidSts, no requestUse. */
bool tis_check_locality(unsigned l);
/* Linux __tpm_tis_request_locality(): 0, or TIS_E_LOCALITY after `timeout_ms`. */
int tis_request_locality(unsigned l, uint64_t timeout_ms);
void tis_relinquish_locality(unsigned l);

/* One command at locality `l` (which must be active): send, tpmGo, receive into `resp`.
 * Returns the response length or a tis_error. Ends with commandReady, as Linux does. */
int tis_send_recv(unsigned l, const uint8_t* cmd, uint32_t len, uint8_t* resp, uint32_t cap);
/* Request, tis_send_recv, relinquish. */
int tis_transmit(unsigned l, const uint8_t* cmd, uint32_t len, uint8_t* resp, uint32_t cap);

/* The response code of a response (0xFFFFFFFF if shorter than a header). */
uint32_t tpm_rc(const uint8_t* resp, int len);

#endif
