/* Coarse timeouts from the TSC. The kernel does not calibrate the TSC: it assumes 3 GHz, so
 * a timeout of T ms lasts T ms on a 3 GHz host, 2T at 1.5 GHz, T/2 at 6 GHz. Timeouts only
 * bound waits that normally end much earlier. */
#ifndef SVMM_GUEST_KERNEL_TIMER_H
#define SVMM_GUEST_KERNEL_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/x86.h"

#define TSC_ASSUMED_CYCLES_PER_MS 3000000ull

struct deadline {
  uint64_t end;
};

static inline struct deadline deadline_after_ms(uint64_t ms) {
  return (struct deadline){rdtsc() + ms * TSC_ASSUMED_CYCLES_PER_MS};
}

static inline bool deadline_passed(struct deadline d) { return (int64_t)(rdtsc() - d.end) >= 0; }

/* Busy-waits about `ms` milliseconds. */
static inline void delay_ms(uint64_t ms) {
  struct deadline d = deadline_after_ms(ms);
  while (!deadline_passed(d)) cpu_relax();
}

#endif
