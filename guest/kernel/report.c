#include "kernel/report.h"

#include <stdarg.h>

#include "guest/test_abi.h"
#include "kernel/console.h"
#include "kernel/svmm.h"
#include "kernel/x86.h"
#include "protocol/ports.h"

static void (*volatile before_exit)(uint32_t v);

void report_set_before_exit(void (*fn)(uint32_t v)) { before_exit = fn; }

_Noreturn void debug_exit(uint32_t v) {
  outl(SVMM_PORT_DEBUG_EXIT, v);
  halt_forever();
}

_Noreturn void test_exit(uint32_t v) {
  void (*fn)(uint32_t) = __atomic_exchange_n(&before_exit, NULL, __ATOMIC_ACQ_REL);
  if (fn) fn(v);
  if (whoami()->trusted) {
    const int64_t r = hc_port(SVMM_HC_TRUSTED_EXIT, v, 0, 0, 0);
    kprintf_emergency("svmm-test: TRUSTED_EXIT(%u) returned %ld; using the debug-exit port\n", v, r);
  }
  debug_exit(v);
}

_Noreturn void test_pass(void) {
  kprintf(SVMM_TEST_LINE_PASS "\n");
  test_exit(SVMM_TEST_EXIT_PASS);
}

_Noreturn void test_fail(const char* fmt, ...) {
  char reason[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf_k(reason, sizeof reason, fmt, ap);
  va_end(ap);
  kprintf(SVMM_TEST_LINE_FAIL "%s\n", reason);
  test_exit(SVMM_TEST_EXIT_FAIL);
}
