#include "kernel/lapic.h"

#include "kernel/timer.h"
#include "kernel/x86.h"
#include "protocol/memory_map.h"

#define LAPIC_ID 0x020
#define LAPIC_SVR 0x0F0
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310

#define LAPIC_SVR_ENABLE (1u << 8)
#define LAPIC_SPURIOUS_VECTOR 0xFFu
#define ICR_DELIVERY_INIT (5u << 8)
#define ICR_DELIVERY_STARTUP (6u << 8)
#define ICR_SEND_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ICR_IDLE_TIMEOUT_MS 100

static uint32_t lapic_read(uint32_t reg) { return phys_read32(SVMM_MMIO_LAPIC + reg); }
static void lapic_write(uint32_t reg, uint32_t v) { phys_write32(SVMM_MMIO_LAPIC + reg, v); }

void lapic_enable(void) { lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR); }

uint32_t lapic_id(void) { return lapic_read(LAPIC_ID) >> 24; }

static bool wait_icr_idle(void) {
  struct deadline d = deadline_after_ms(ICR_IDLE_TIMEOUT_MS);
  while (lapic_read(LAPIC_ICR_LOW) & ICR_SEND_PENDING)
    if (deadline_passed(d)) return false;
  return true;
}

static bool send_ipi(uint32_t apic_id, uint32_t low) {
  lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
  lapic_write(LAPIC_ICR_LOW, low); /* the write of the low half sends the IPI */
  return wait_icr_idle();
}

bool lapic_send_init(uint32_t apic_id) {
  if (!send_ipi(apic_id, ICR_DELIVERY_INIT | ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL)) return false;
  return send_ipi(apic_id, ICR_DELIVERY_INIT | ICR_TRIGGER_LEVEL);
}

bool lapic_send_sipi(uint32_t apic_id, uint8_t vector) {
  return send_ipi(apic_id, ICR_DELIVERY_STARTUP | vector);
}
