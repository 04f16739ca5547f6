/* How a scenario ends (guest/test_abi.h): a console line, then the debug-exit port. */
#ifndef SVMM_GUEST_KERNEL_REPORT_H
#define SVMM_GUEST_KERNEL_REPORT_H

#include <stdint.h>

/* Writes v (4 bytes) to the debug-exit port: the VM ends with status (v << 1) | 1. If the
 * port does not end the VM (no such device), halts forever. */
_Noreturn void debug_exit(uint32_t v);
/* "svmm-test: PASS", then debug exit SVMM_TEST_EXIT_PASS. */
_Noreturn void test_pass(void);
/* "svmm-test: FAIL <reason>", then debug exit SVMM_TEST_EXIT_FAIL. */
_Noreturn void test_fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
