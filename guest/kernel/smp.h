/* Application processor start-up: INIT-SIPI-SIPI through the local APIC into the real-mode
 * trampoline (boot/ap_trampoline.S), which enters long mode and calls the work function on a
 * per-CPU stack. */
#ifndef SVMM_GUEST_KERNEL_SMP_H
#define SVMM_GUEST_KERNEL_SMP_H

#include <stdint.h>

#include "kernel/mptable.h"

/* Runs on each AP once it is in long mode; if it returns, the AP halts. `cpu` is the boot
 * index (BSP 0, APs 1, 2, ... in MP table order). */
typedef void (*ap_work_fn)(uint32_t cpu, uint32_t apic_id);

/* The processors of this VM, from the MP table. Without an MP table, falls back to
 * `fallback_count` processors with APIC IDs 0..n-1 if that is non-zero (and says so on the
 * console); otherwise ends the test with FAIL. */
void smp_discover(struct mp_cpus* cpus, uint64_t fallback_count);

/* Starts every processor in `cpus` except this one, one after the other. Returns how many
 * started. An AP that does not start within the timeout is reported on the console and ends
 * the start-up (later APs are not started). */
uint32_t smp_start_aps(const struct mp_cpus* cpus, ap_work_fn work);

#endif
