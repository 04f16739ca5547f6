/* exception: a #UD the handler expects; it records vector and RIP and resumes after the
 * 2-byte ud2. unexpected-exception: the fatal path. */
#include <stdint.h>

#include "kernel/console.h"
#include "kernel/idt.h"
#include "kernel/report.h"
#include "scenarios/scenarios.h"

#define VECTOR_UD 6
#define UD2_LENGTH 2

void scenario_exception(void) {
  uint64_t ud2_address;
  idt_expect(VECTOR_UD, UD2_LENGTH);
  /* The lea takes the address of the ud2 right after it. */
  __asm__ volatile(
      "lea 1f(%%rip), %0\n\t"
      "1: ud2"
      : "=r"(ud2_address)
      :
      : "memory");
  struct trap_record r = idt_take_record();
  if (!r.seen) test_fail("no exception recorded after ud2");
  kprintf("exception: vector %lu at rip=0x%lx, ud2 at 0x%lx\n", r.vector, r.rip, ud2_address);
  if (r.vector != VECTOR_UD) test_fail("vector %lu, expected %u", r.vector, VECTOR_UD);
  if (r.rip != ud2_address) test_fail("rip 0x%lx, expected 0x%lx", r.rip, ud2_address);
}

/* unexpected-exception: a #UD nobody expects, so the exception handler reports it and ends
 * the VM with SVMM_TEST_EXIT_EXCEPTION (status 5). */
void scenario_unexpected_exception(void) {
  kprintf("unexpected-exception: executing ud2\n");
  __asm__ volatile("ud2" ::: "memory");
  test_fail("survived an unexpected ud2");
}
