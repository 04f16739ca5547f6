/* demo: what `scripts/demo.sh` shows. Greets, shows what the guest learns of svmm (CPUID
 * leaves), starts every processor of the MP table, then asks for a reset (svmm exits 0). */
#include "kernel/console.h"
#include "kernel/x86.h"
#include "protocol/ports.h"
#include "scenarios/scenarios.h"

void scenario_demo(void) {
  scenario_hello();
  scenario_cpuid();
  scenario_smp();
  kprintf("demo: done, requesting a reset through the i8042 (svmm exits 0)\n");
  outb(SVMM_PORT_I8042_CMD, SVMM_I8042_CMD_RESET);
  for (;;) __asm__ volatile("hlt");
}
