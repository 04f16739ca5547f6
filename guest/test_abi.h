/* Conventions shared by the tiny test kernel (guest/) and the host-side tests.
 * Not part of svmm's ABI: only the test kernel and its tests rely on them. */
#ifndef SVMM_GUEST_TEST_ABI_H
#define SVMM_GUEST_TEST_ABI_H

/* The kernel ends through the debug-exit port (kvm-unit-tests convention):
 * svmm's exit status is (v << 1) | 1. */
#define SVMM_TEST_EXIT_PASS 0u      /* status 1 */
#define SVMM_TEST_EXIT_FAIL 1u      /* status 3 */
#define SVMM_TEST_EXIT_EXCEPTION 2u /* status 5: an unexpected CPU exception */

/* Console lines the tests look for (each ends with '\n'). */
#define SVMM_TEST_LINE_START "svmm-test: start "  /* followed by the scenario name */
#define SVMM_TEST_LINE_PASS "svmm-test: PASS"
#define SVMM_TEST_LINE_FAIL "svmm-test: FAIL "   /* followed by the reason */
#define SVMM_TEST_LINE_EXCEPTION "svmm-test: EXCEPTION "

/* svmm places its boot structures (start info, memmap, command line, GDT, page tables) in
 * [0x1000, 0x20000) and the MP table in 0xF0000-0xFFFFF; the test kernel's own fixed low-memory
 * areas stay out of those. */
#define SVMM_TEST_AP_TRAMPOLINE_GPA 0x30000ull /* SIPI vector 0x30 */
/* The `spin` scenario: vCPU n increments the 64-bit counter at this address + 64 * n. */
#define SVMM_TEST_SPIN_COUNTERS_GPA 0x40000ull
#define SVMM_TEST_MAX_CPUS 64u

#endif
