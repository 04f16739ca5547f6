/* Waiting without burning a host core, where the VM allows it: the local APIC timer wakes the
 * CPU from HLT. kvm_pvm emulates every CPL 0 instruction, so a busy-wait at CPL 0 costs a host
 * core; HLT costs nothing. The timer is probed once (does its interrupt arrive?); without a
 * working timer (e.g. a VM without an in-kernel local APIC, where HLT would never wake up)
 * waits fall back to busy-waiting on the TSC. Also: the local APIC's EOI, and the 8259 PICs
 * masked so that enabling interrupts lets through only what we asked for. */
#ifndef SVMM_GUEST_KERNEL_IDLE_H
#define SVMM_GUEST_KERNEL_IDLE_H

#include <stdbool.h>
#include <stdint.h>

/* Masks both PICs, enables this CPU's local APIC, installs the timer handler and probes the
 * timer (first call only; later calls on other CPUs enable their local APIC). Returns whether
 * the timer works. */
bool idle_init(void);
/* Waits about `ms` milliseconds (TSC-bounded), halting between timer interrupts if the timer
 * works. Interrupts are disabled again on return. */
void idle_wait_ms(uint64_t ms);
/* End of interrupt to this CPU's local APIC. */
void lapic_eoi(void);
/* Timer interrupts seen by all CPUs so far. */
uint64_t idle_ticks(void);

#endif
