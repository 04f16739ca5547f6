#include "kernel/smp.h"

#include "boot/layout.h"
#include "guest/test_abi.h"
#include "kernel/console.h"
#include "kernel/idt.h"
#include "kernel/lapic.h"
#include "kernel/report.h"
#include "kernel/string.h"
#include "kernel/timer.h"

_Static_assert(GUEST_AP_TRAMPOLINE == SVMM_TEST_AP_TRAMPOLINE_GPA, "boot/layout.h vs test_abi.h");
_Static_assert(GUEST_MAX_CPUS == SVMM_TEST_MAX_CPUS, "boot/layout.h vs test_abi.h");
_Static_assert((GUEST_AP_TRAMPOLINE & 0xFFF) == 0 && GUEST_AP_TRAMPOLINE < 0x100000,
               "a SIPI vector addresses a page below 1 MiB");

#define SIPI_VECTOR ((uint8_t)(GUEST_AP_TRAMPOLINE >> 12))
/* Intel's INIT-SIPI-SIPI recipe waits 10 ms after INIT; a second SIPI is only sent if the AP
 * has not shown up after the first. */
#define INIT_DELAY_MS 10
#define FIRST_SIPI_WAIT_MS 10
#define AP_START_TIMEOUT_MS 2000

extern const char ap_trampoline_start[], ap_trampoline_end[]; /* boot/ap_trampoline.S */
extern char ap_stacks[GUEST_MAX_CPUS][GUEST_AP_STACK_SIZE];

/* Handed to the AP being started (read by ap_long_entry and ap_main). */
uint64_t ap_boot_stack_top;
static volatile uint32_t ap_boot_index;
static ap_work_fn volatile ap_work;
/* The AP sets this to its boot index once it no longer needs the variables above. */
static volatile uint32_t ap_started_index;

void ap_main(void);
void ap_main(void) {
  idt_load();
  uint32_t index = ap_boot_index;
  uint32_t apic_id = lapic_id();
  ap_work_fn work = ap_work;
  __atomic_store_n(&ap_started_index, index, __ATOMIC_RELEASE);
  work(index, apic_id);
  halt_forever();
}

void smp_discover(struct mp_cpus* cpus, uint64_t fallback_count) {
  const char* why = "";
  int r = mptable_find_cpus(cpus, &why);
  if (r == 0) {
    kprintf("smp: MP table at 0x%lx (config 0x%lx) lists %u cpus\n", cpus->floating_pointer,
            cpus->config_table, cpus->count);
    return;
  }
  if (r != -1 || fallback_count == 0) test_fail("MP table: %s", why);
  if (fallback_count > GUEST_MAX_CPUS) test_fail("cpus=%lu is more than supported", fallback_count);
  kprintf("smp: %s; falling back to cpus=%lu with APIC IDs 0..%lu\n", why, fallback_count,
          fallback_count - 1);
  cpus->count = (uint32_t)fallback_count;
  for (uint32_t i = 0; i < cpus->count; ++i) cpus->apic_ids[i] = (uint8_t)i;
  cpus->bsp_apic_id = 0;
}

static bool wait_started(uint32_t index, uint64_t ms) {
  struct deadline d = deadline_after_ms(ms);
  while (__atomic_load_n(&ap_started_index, __ATOMIC_ACQUIRE) != index) {
    if (deadline_passed(d)) return false;
    cpu_relax();
  }
  return true;
}

uint32_t smp_start_aps(const struct mp_cpus* cpus, ap_work_fn work) {
  const uint32_t self = lapic_id();
  lapic_enable();
  memcpy((void*)(uintptr_t)GUEST_AP_TRAMPOLINE, ap_trampoline_start,
         (size_t)(ap_trampoline_end - ap_trampoline_start));
  ap_work = work;
  uint32_t started = 0, index = 0;
  for (uint32_t i = 0; i < cpus->count; ++i) {
    const uint32_t apic_id = cpus->apic_ids[i];
    if (apic_id == self) continue;
    if (++index >= GUEST_MAX_CPUS) {
      kprintf("smp: no AP stack left for apic %u\n", apic_id);
      break;
    }
    ap_boot_index = index;
    ap_boot_stack_top = (uint64_t)(uintptr_t)&ap_stacks[index][GUEST_AP_STACK_SIZE];
    if (!lapic_send_init(apic_id)) {
      kprintf("smp: INIT to apic %u not delivered\n", apic_id);
      break;
    }
    delay_ms(INIT_DELAY_MS);
    bool ok = lapic_send_sipi(apic_id, SIPI_VECTOR) && wait_started(index, FIRST_SIPI_WAIT_MS);
    if (!ok) ok = lapic_send_sipi(apic_id, SIPI_VECTOR) && wait_started(index, AP_START_TIMEOUT_MS);
    if (!ok) {
      /* Stop here: if it started late it would take the boot variables of the next AP. */
      kprintf("smp: cpu %u (apic %u) did not start\n", index, apic_id);
      break;
    }
    ++started;
  }
  return started;
}
