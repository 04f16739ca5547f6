/* The kernel's C entry on the BSP: keep what the start info says, set up the console and
 * exceptions, then run the scenario the command line names (guest/test_abi.h). */
#include <stdint.h>

#include "guest/test_abi.h"
#include "kernel/bootinfo.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/idt.h"
#include "kernel/report.h"
#include "kernel/serial.h"
#include "kernel/svmm.h"
#include "scenarios/scenarios.h"

void kmain(uint32_t start_info_gpa);
void kmain(uint32_t start_info_gpa) {
  /* First, before any fixed low-memory area is used: svmm's boot structures live there. */
  int have_start_info = bootinfo_copy(start_info_gpa) == 0;
  serial_init();
  idt_init();
  /* CPUID at CPL 0, where svmm answers its leaves; cached for CPL 3 and for test_exit. */
  const struct whoami* me = whoami();
  if (!have_start_info) {
    kprintf(SVMM_TEST_LINE_START "\n");
    test_fail("no hvm_start_info at 0x%x (magic 0x%x)", start_info_gpa, bootinfo.magic);
  }
  cmdline_parse(bootinfo.cmdline);
  const char* name = cmdline_scenario();
  kprintf(SVMM_TEST_LINE_START "%s\n", name);
  if (me->trusted) kprintf("svmm-test: trusted VM %u (CPUID VM index %u)\n", me->vm_index - 1, me->vm_index);
  const struct scenario* s = scenario_find(name);
  if (!s) test_fail("unknown scenario '%s'", name);
  s->run();
  test_pass();
}
