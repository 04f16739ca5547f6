/* cpl3-kernel-only [kernel_only=0|1]: hypercalls from CPL 3. Through the bank, VERSION returns
 * -EPERM (an aborted access, reason 7) when svmm runs with hypercall.kernel_only (say
 * kernel_only=1), the version otherwise. An OUT to the hypercall port at CPL 3 raises #GP
 * (IOPL 0 and no I/O bitmap; kvm_pvm faults OUT at CPL 3 in any case). From CPL 0 both
 * transports keep working. */
#include <stdint.h>

#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/idt.h"
#include "kernel/report.h"
#include "kernel/usermode.h"
#include "scenarios/scenarios.h"
#include "scenarios/secure.h"

#define VECTOR_GP 13
#define OUT_DX_EAX_LENGTH 1 /* ef */

static uint64_t user_bank_call(uint64_t fn) { return (uint64_t)hc_bank((uint32_t)fn, 0, 0, 0, 0); }

static uint64_t user_port_call(uint64_t fn) {
  uint64_t rax = fn;
  __asm__ volatile("outl %%eax, %%dx" : "+a"(rax) : "d"((uint16_t)SVMM_PORT_HYPERCALL) : "memory");
  return rax;
}

static void bank_from_cpl3(uint32_t fn, int64_t expected, bool refused) {
  const uint64_t before = cs_abort_count();
  const int64_t r = (int64_t)user_call(user_bank_call, fn);
  kprintf("cpl3: %s through the bank at CPL 3 = %s (expected %s)\n", hc_name(fn), hc_result_name(r),
          hc_result_name(expected));
  if (r != expected) test_fail("%s at CPL 3 returned %s, expected %s", hc_name(fn), hc_result_name(r), hc_result_name(expected));
  cs_expect_aborts(hc_name(fn), before, refused ? 1 : 0);
  if (refused) {
    cs_abort_print("cpl3", cs_pub(SVMM_CS_LAST_ABORT));
    cs_expect_last_abort("refused CPL 3 hypercall", fn, false, true, true, 0, 0, 0);
  }
}

void scenario_cpl3_kernel_only(void) {
  const bool kernel_only = cmdline_u64("kernel_only", 0) != 0;
  user_init();
  kprintf("cpl3: expecting hypercall.kernel_only %s\n", kernel_only ? "true" : "false");
  bank_from_cpl3(SVMM_HC_VERSION, kernel_only ? -SVMM_EPERM : (int64_t)SVMM_HC_VERSION_VALUE, kernel_only);
  bank_from_cpl3(SVMM_HC_STATE, kernel_only ? -SVMM_EPERM : 0, kernel_only);
  bank_from_cpl3(0x53564DFFu, kernel_only ? -SVMM_EPERM : -SVMM_ENOSYS, kernel_only);

  idt_expect(VECTOR_GP, OUT_DX_EAX_LENGTH);
  const uint64_t rax = user_call(user_port_call, SVMM_HC_VERSION);
  const struct trap_record t = idt_take_record();
  idt_expect_cancel();
  kprintf("cpl3: OUT to 0x%x at CPL 3: %s (vector %lu, cs 0x%lx), RAX afterwards 0x%lx\n",
          SVMM_PORT_HYPERCALL, t.seen ? "faulted" : "did not fault", t.vector, t.cs, rax);
  if (!t.seen || (t.cs & 3) != 3) test_fail("OUT to the hypercall port at CPL 3 did not raise #GP");
  if (rax != SVMM_HC_VERSION) test_fail("the faulting OUT changed RAX to 0x%lx", rax);

  hc_both("from CPL 0", SVMM_HC_VERSION, 0, 0, 0, 0, SVMM_HC_VERSION_VALUE);
}
