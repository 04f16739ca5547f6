/* How a scenario ends (guest/test_abi.h): a console line, then the debug-exit port, or, in a
 * trusted VM, the TRUSTED_EXIT hypercall with the same value as its status. */
#ifndef SVMM_GUEST_KERNEL_REPORT_H
#define SVMM_GUEST_KERNEL_REPORT_H

#include <stdint.h>

/* Writes v (4 bytes) to the debug-exit port: the VM ends with status (v << 1) | 1. If the
 * port does not end the VM (no such device), halts forever. */
_Noreturn void debug_exit(uint32_t v);
/* Ends the test with value v: TRUSTED_EXIT(v) in a trusted VM (CPUID says so), else (or if
 * the hypercall returns) debug_exit(v). Runs the before-exit hook first. */
_Noreturn void test_exit(uint32_t v);
/* "svmm-test: PASS", then test_exit(SVMM_TEST_EXIT_PASS). */
_Noreturn void test_pass(void);
/* "svmm-test: FAIL <reason>", then test_exit(SVMM_TEST_EXIT_FAIL). */
_Noreturn void test_fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
/* Called once by test_exit before the VM ends (e.g. a trusted VM signals readiness so that the
 * guest OS does not wait for it). */
void report_set_before_exit(void (*fn)(uint32_t v));

#endif
