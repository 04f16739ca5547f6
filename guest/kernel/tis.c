#include "kernel/tis.h"

#include "kernel/timer.h"

uint64_t tis_mmio_accesses;

/* Linux: TIS_SHORT_TIMEOUT 750 ms for locality and status waits, TIS_LONG_TIMEOUT 2 s for
 * commands; doubled here for the emulated CPL 0 of kvm_pvm. */
#define TIS_TIMEOUT_MS 4000u
#define TIS_RETRIES 3u
#define TPM_HEADER_SIZE 10u

const char* tis_error_name(int e) {
  switch (e) {
    case TIS_E_LOCALITY:
      return "locality not granted";
    case TIS_E_TIMEOUT:
      return "status timeout";
    case TIS_E_EXPECT:
      return "Expect wrong";
    case TIS_E_SIZE:
      return "bad response size";
    case TIS_E_LEFTOVER:
      return "data left over";
    case TIS_E_BURST:
      return "burstCount 0";
    default:
      return "?";
  }
}

uint8_t tis_status(unsigned l) {
  const uint8_t s = tis_read8(l, SVMM_TIS_STS);
  return (s & SVMM_TIS_STS_READ_ZERO) ? 0 : s;
}

bool tis_check_locality(unsigned l) {
  const uint8_t a = tis_read8(l, SVMM_TIS_ACCESS);
  const uint8_t mask =
      SVMM_TIS_ACCESS_ACTIVE_LOCALITY | SVMM_TIS_ACCESS_REG_VALID_STS | SVMM_TIS_ACCESS_REQUEST_USE;
  return (a & mask) == (SVMM_TIS_ACCESS_ACTIVE_LOCALITY | SVMM_TIS_ACCESS_REG_VALID_STS);
}

int tis_request_locality(unsigned l, uint64_t timeout_ms) {
  if (tis_check_locality(l)) return 0;
  tis_write8(l, SVMM_TIS_ACCESS, SVMM_TIS_ACCESS_REQUEST_USE);
  const struct deadline d = deadline_after_ms(timeout_ms);
  do {
    if (tis_check_locality(l)) return 0;
    cpu_relax();
  } while (!deadline_passed(d));
  return TIS_E_LOCALITY;
}

void tis_relinquish_locality(unsigned l) {
  tis_write8(l, SVMM_TIS_ACCESS, SVMM_TIS_ACCESS_ACTIVE_LOCALITY);
}

/* Linux wait_for_tpm_stat() without interrupts: poll until every bit of `mask` is set. */
static bool wait_stat(unsigned l, uint8_t mask) {
  if ((tis_status(l) & mask) == mask) return true;
  const struct deadline d = deadline_after_ms(TIS_TIMEOUT_MS);
  do {
    if ((tis_status(l) & mask) == mask) return true;
    cpu_relax();
  } while (!deadline_passed(d));
  return false;
}

/* Linux get_burstcount(): a 32-bit STS read, bits 8-23. */
static int burstcount(unsigned l) {
  const struct deadline d = deadline_after_ms(TIS_TIMEOUT_MS);
  do {
    const int b = (int)((tis_read32(l, SVMM_TIS_STS) >> SVMM_TIS_STS_BURST_SHIFT) & 0xFFFFu);
    if (b) return b;
    cpu_relax();
  } while (!deadline_passed(d));
  return TIS_E_BURST;
}

static void tis_ready(unsigned l) { tis_write8(l, SVMM_TIS_STS, SVMM_TIS_STS_COMMAND_READY); }

/* Linux tpm_tis_send_data(). */
static int send_data(unsigned l, const uint8_t* buf, uint32_t len) {
  if (!(tis_status(l) & SVMM_TIS_STS_COMMAND_READY)) {
    tis_ready(l);
    if (!wait_stat(l, SVMM_TIS_STS_COMMAND_READY)) return TIS_E_TIMEOUT;
  }
  uint32_t count = 0;
  while (count + 1 < len) {
    int burst = burstcount(l);
    if (burst < 0) return burst;
    if ((uint32_t)burst > len - count - 1) burst = (int)(len - count - 1);
    for (int i = 0; i < burst; ++i) tis_write8(l, SVMM_TIS_DATA_FIFO, buf[count++]);
    if (!wait_stat(l, SVMM_TIS_STS_VALID)) return TIS_E_TIMEOUT;
    if (!(tis_status(l) & SVMM_TIS_STS_EXPECT)) return TIS_E_EXPECT;
  }
  tis_write8(l, SVMM_TIS_DATA_FIFO, buf[count]); /* the last byte */
  if (!wait_stat(l, SVMM_TIS_STS_VALID)) return TIS_E_TIMEOUT;
  if (tis_status(l) & SVMM_TIS_STS_EXPECT) return TIS_E_EXPECT;
  return 0;
}

/* Linux recv_data(). */
static int recv_data(unsigned l, uint8_t* buf, uint32_t count) {
  uint32_t size = 0;
  while (size < count) {
    if (!wait_stat(l, SVMM_TIS_STS_DATA_AVAIL | SVMM_TIS_STS_VALID)) return TIS_E_TIMEOUT;
    int burst = burstcount(l);
    if (burst < 0) return burst;
    if ((uint32_t)burst > count - size) burst = (int)(count - size);
    for (int i = 0; i < burst; ++i) buf[size++] = tis_read8(l, SVMM_TIS_DATA_FIFO);
  }
  return (int)size;
}

/* Linux tpm_tis_try_recv(). */
static int try_recv(unsigned l, uint8_t* buf, uint32_t cap) {
  int size = recv_data(l, buf, TPM_HEADER_SIZE);
  if (size < 0) return size;
  const uint32_t expected =
      ((uint32_t)buf[2] << 24) | ((uint32_t)buf[3] << 16) | ((uint32_t)buf[4] << 8) | buf[5];
  if (expected > cap || expected < TPM_HEADER_SIZE) return TIS_E_SIZE;
  const int rest = recv_data(l, buf + TPM_HEADER_SIZE, expected - TPM_HEADER_SIZE);
  if (rest < 0) return rest;
  if (!wait_stat(l, SVMM_TIS_STS_VALID)) return TIS_E_TIMEOUT;
  if (tis_status(l) & SVMM_TIS_STS_DATA_AVAIL) return TIS_E_LEFTOVER;
  return (int)expected;
}

int tis_send_recv(unsigned l, const uint8_t* cmd, uint32_t len, uint8_t* resp, uint32_t cap) {
  if (len < 1 || cap < TPM_HEADER_SIZE) return TIS_E_SIZE;
  int rc = send_data(l, cmd, len);
  if (rc < 0) {
    tis_ready(l);
    return rc;
  }
  tis_write8(l, SVMM_TIS_STS, SVMM_TIS_STS_GO);
  for (unsigned t = 0; t < TIS_RETRIES; ++t) {
    rc = try_recv(l, resp, cap);
    if (rc != TIS_E_SIZE && rc != TIS_E_LEFTOVER) break;
    /* Linux tpm_tis_recv(): transfer errors are retried by re-reading the response. */
    tis_write8(l, SVMM_TIS_STS, SVMM_TIS_STS_RESPONSE_RETRY);
  }
  tis_ready(l);
  return rc;
}

int tis_transmit(unsigned l, const uint8_t* cmd, uint32_t len, uint8_t* resp, uint32_t cap) {
  int rc = tis_request_locality(l, TIS_TIMEOUT_MS);
  if (rc < 0) return rc;
  rc = tis_send_recv(l, cmd, len, resp, cap);
  tis_relinquish_locality(l);
  return rc;
}

uint32_t tpm_rc(const uint8_t* resp, int len) {
  if (len < (int)TPM_HEADER_SIZE) return 0xFFFFFFFFu;
  return ((uint32_t)resp[6] << 24) | ((uint32_t)resp[7] << 16) | ((uint32_t)resp[8] << 8) | resp[9];
}
