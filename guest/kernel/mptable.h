/* Finds the processors in the Intel MultiProcessor Specification 1.4 table, which svmm places
 * in 0xF0000-0xFFFFF (spec/guest-abi.md section 1). */
#ifndef SVMM_GUEST_KERNEL_MPTABLE_H
#define SVMM_GUEST_KERNEL_MPTABLE_H

#include <stdint.h>

#include "boot/layout.h"

struct mp_cpus {
  uint32_t count; /* enabled processor entries */
  uint8_t apic_ids[GUEST_MAX_CPUS];
  uint32_t bsp_apic_id; /* the entry flagged BSP, 0xFFFFFFFF if none */
  uint64_t floating_pointer;
  uint64_t config_table;
};

/* Returns 0 and fills `out`; or a negative value with `*why` set to the reason:
 * -1 no floating pointer structure (or none with a good checksum), -2 a bad configuration
 * table (signature, length, checksum or entry), -3 more than GUEST_MAX_CPUS processors. */
int mptable_find_cpus(struct mp_cpus* out, const char** why);

#endif
