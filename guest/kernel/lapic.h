/* The local APIC in xAPIC mode at its default address (spec/guest-abi.md section 2), used to
 * read this CPU's APIC ID and to send INIT and start-up IPIs. */
#ifndef SVMM_GUEST_KERNEL_LAPIC_H
#define SVMM_GUEST_KERNEL_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* Software-enables this CPU's local APIC (spurious vector register). */
void lapic_enable(void);
uint32_t lapic_id(void);
/* INIT (assert, then the level de-assert older APICs need). */
bool lapic_send_init(uint32_t apic_id);
/* Start-up IPI: the AP starts in real mode at vector << 12. */
bool lapic_send_sipi(uint32_t apic_id, uint8_t vector);

#endif
