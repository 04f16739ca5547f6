#include "kernel/idle.h"

#include "boot/layout.h"
#include "kernel/console.h"
#include "kernel/idt.h"
#include "kernel/lapic.h"
#include "kernel/timer.h"
#include "kernel/x86.h"
#include "protocol/memory_map.h"

#define LAPIC_VERSION 0x030
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0B0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3E0
#define LAPIC_TIMER_DIVIDE_1 0xB
#define LAPIC_LVT_MASKED (1u << 16)
/* KVM's local APIC timer counts at 1 GHz (one tick per ns) with divide-by-1. Not calibrated: a
 * wrong guess only changes how often a waiting CPU wakes up; deadlines come from the TSC. */
#define LAPIC_TICKS_PER_MS 1000000ull
#define LAPIC_MAX_ONESHOT_MS 4000ull
#define PROBE_MS 1
#define PROBE_WAIT_MS 200
#define PIC1_DATA 0x21
#define PIC2_DATA 0xA1

static volatile uint64_t ticks;
static bool initialised, timer_works;

static uint32_t lapic_read(uint32_t reg) { return phys_read32(SVMM_MMIO_LAPIC + reg); }
static void lapic_write(uint32_t reg, uint32_t v) { phys_write32(SVMM_MMIO_LAPIC + reg, v); }

void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

uint64_t idle_ticks(void) { return __atomic_load_n(&ticks, __ATOMIC_RELAXED); }

static void on_timer(struct trap_frame* f) {
  (void)f;
  __atomic_add_fetch(&ticks, 1, __ATOMIC_RELAXED);
  lapic_eoi();
}

static void arm_oneshot(uint64_t ms) {
  if (ms > LAPIC_MAX_ONESHOT_MS) ms = LAPIC_MAX_ONESHOT_MS;
  if (ms == 0) ms = 1;
  lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_TIMER_DIVIDE_1);
  lapic_write(LAPIC_LVT_TIMER, GUEST_VECTOR_TIMER); /* one-shot, unmasked */
  lapic_write(LAPIC_TIMER_INITIAL, (uint32_t)(ms * LAPIC_TICKS_PER_MS));
}

static void disarm(void) {
  lapic_write(LAPIC_TIMER_INITIAL, 0);
  lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | GUEST_VECTOR_TIMER);
}

bool idle_init(void) {
  if (initialised) {
    lapic_enable();
    lapic_write(LAPIC_TPR, 0);
    return timer_works;
  }
  initialised = true;
  outb(PIC1_DATA, 0xFF);
  outb(PIC2_DATA, 0xFF);
  const uint32_t version = lapic_read(LAPIC_VERSION);
  if (version == 0xFFFFFFFFu || version == 0) {
    kprintf("idle: no local APIC (version register 0x%x); waits busy-wait\n", version);
    return false;
  }
  idt_set_handler(GUEST_VECTOR_TIMER, on_timer);
  idt_set_handler(GUEST_VECTOR_SPURIOUS, NULL); /* ignored by exception_dispatch */
  lapic_enable();
  lapic_write(LAPIC_TPR, 0);
  const uint64_t before = idle_ticks();
  arm_oneshot(PROBE_MS);
  irq_enable();
  const struct deadline d = deadline_after_ms(PROBE_WAIT_MS);
  while (idle_ticks() == before && !deadline_passed(d)) cpu_relax();
  irq_disable();
  timer_works = idle_ticks() != before;
  if (!timer_works) disarm();
  kprintf("idle: local APIC timer %s\n", timer_works ? "works: waits halt" : "silent: waits busy-wait");
  return timer_works;
}

void idle_wait_ms(uint64_t ms) {
  const struct deadline d = deadline_after_ms(ms);
  if (!timer_works) {
    while (!deadline_passed(d)) cpu_relax();
    return;
  }
  while (!deadline_passed(d)) {
    /* Arm for what is left (the timer and the TSC need not agree on a millisecond). */
    arm_oneshot((d.end - rdtsc()) / TSC_ASSUMED_CYCLES_PER_MS + 1);
    /* STI's one-instruction shadow: the interrupt cannot slip in between STI and HLT. */
    __asm__ volatile("sti; hlt; cli" ::: "memory");
  }
  lapic_write(LAPIC_TIMER_INITIAL, 0);
}
