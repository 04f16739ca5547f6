/* Hypercall ABI (spec/guest-abi.md section 5). */
#ifndef SVMM_PROTOCOL_HYPERCALL_H
#define SVMM_PROTOCOL_HYPERCALL_H

#include <stdint.h>

#define SVMM_HC_VERSION 0x53564D00u
#define SVMM_HC_STATE 0x53564D01u
#define SVMM_HC_SECURE_LAUNCH 0x53564D02u
#define SVMM_HC_TEARDOWN 0x53564D03u
#define SVMM_HC_TRUSTED_EXIT 0x53564D04u

#define SVMM_HC_VERSION_VALUE ((1u << 16) | 0u)
#define SVMM_HC_LAUNCH_ALL 0xFFFFFFFFull

/* Results are -errno as 64-bit two's complement. */
#define SVMM_EPERM 1
#define SVMM_ENOENT 2
#define SVMM_EIO 5
#define SVMM_EFAULT 14
#define SVMM_EBUSY 16
#define SVMM_EINVAL 22
#define SVMM_ENOSYS 38

#define SVMM_TEARDOWN_REPORT_MAGIC 0x52545653u /* "SVTR" */
#define SVMM_TEARDOWN_REPORT_VERSION 1u

/* Teardown trigger codes (spec/guest-abi.md section 6). */
#define SVMM_TRIGGER_GUEST_REQUEST 1u
#define SVMM_TRIGGER_BREACH 2u
#define SVMM_TRIGGER_POWEROFF 3u
#define SVMM_TRIGGER_SLEEP 4u
#define SVMM_TRIGGER_CONTROL 5u
#define SVMM_TRIGGER_SIGNAL 6u
#define SVMM_TRIGGER_TRUSTED_FAULT 7u
#define SVMM_TRIGGER_GUEST_CRASH 8u

struct svmm_teardown_report {
  uint32_t magic;
  uint32_t version;
  uint32_t trigger;
  uint32_t trusted_vms;
  uint64_t bytes_scrubbed;
  uint64_t duration_ns;
  uint64_t pcrs_capped;
  uint8_t reserved[24];
};

#ifdef __cplusplus
static_assert(sizeof(struct svmm_teardown_report) == 64, "report is 64 bytes");
#else
_Static_assert(sizeof(struct svmm_teardown_report) == 64, "report is 64 bytes");
#endif

#endif
