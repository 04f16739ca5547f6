/* Scenarios that end the VM other than by PASS/FAIL: exit, reset, triple-fault. */
#include <stdint.h>

#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/idt.h"
#include "kernel/report.h"
#include "kernel/timer.h"
#include "kernel/svmm.h"
#include "kernel/x86.h"
#include "protocol/hypercall.h"
#include "protocol/ports.h"
#include "scenarios/scenarios.h"

#define RESET_WAIT_MS 1000

/* exit code=N: debug exit with N, so the host sees status (N << 1) | 1. */
void scenario_exit(void) {
  uint64_t code = cmdline_u64("code", 0);
  if (code > UINT32_MAX) test_fail("code=%lu does not fit the 4-byte debug-exit write", code);
  kprintf("exit: writing %lu to the debug-exit port\n", code);
  debug_exit((uint32_t)code);
}

/* reset [launch=1]: i8042 reset request; svmm ends the VM (status 0). With launch=1 the request
 * comes in secure mode (after SECURE_LAUNCH of all trusted VMs): the poweroff trigger. */
void scenario_reset(void) {
  if (cmdline_u64("launch", 0)) {
    ready_clear();
    const int64_t r = hc_call(HC_PORT, SVMM_HC_SECURE_LAUNCH, SVMM_HC_LAUNCH_ALL, 0, 0, 0);
    if (r != 0) test_fail("SECURE_LAUNCH returned %ld", r);
    kprintf("reset: in secure mode\n");
  }
  kprintf("reset: writing 0x%x to port 0x%x\n", SVMM_I8042_CMD_RESET, SVMM_PORT_I8042_CMD);
  outb(SVMM_PORT_I8042_CMD, SVMM_I8042_CMD_RESET);
  delay_ms(RESET_WAIT_MS);
  test_fail("still running %u ms after the reset request", RESET_WAIT_MS);
}

/* triple-fault: with an IDT of limit 0, #UD cannot be delivered (#GP), nor can #GP (#DF),
 * nor #DF: the CPU shuts down, which svmm reports as a guest crash (status 6). */
void scenario_triple_fault(void) {
  /* launch=1: crash in secure mode (the guest-crash teardown runs before svmm exits 6). */
  if (cmdline_u64("launch", 0)) {
    const int64_t r = hc_call(HC_PORT, SVMM_HC_SECURE_LAUNCH, SVMM_HC_LAUNCH_ALL, 0, 0, 0);
    if (r != 0) test_fail("SECURE_LAUNCH returned %ld", r);
    kprintf("triple-fault: in secure mode\n");
  }
  kprintf("triple-fault: loading an empty IDT and executing ud2\n");
  idt_load_empty();
  __asm__ volatile("ud2");
  idt_load();
  test_fail("survived ud2 with an empty IDT");
}
