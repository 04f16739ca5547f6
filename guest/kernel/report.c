#include "kernel/report.h"

#include <stdarg.h>

#include "guest/test_abi.h"
#include "kernel/console.h"
#include "kernel/x86.h"
#include "protocol/ports.h"

_Noreturn void debug_exit(uint32_t v) {
  outl(SVMM_PORT_DEBUG_EXIT, v);
  halt_forever();
}

_Noreturn void test_pass(void) {
  kprintf(SVMM_TEST_LINE_PASS "\n");
  debug_exit(SVMM_TEST_EXIT_PASS);
}

_Noreturn void test_fail(const char* fmt, ...) {
  char reason[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf_k(reason, sizeof reason, fmt, ap);
  va_end(ap);
  kprintf(SVMM_TEST_LINE_FAIL "%s\n", reason);
  debug_exit(SVMM_TEST_EXIT_FAIL);
}
