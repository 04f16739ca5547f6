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
 * [0x1000, 0x20000), the ACPI tables from 0xE0000 and the MP table in 0xF0000-0xFFFFF; the test
 * kernel's own fixed low-memory areas stay out of those. */
#define SVMM_TEST_AP_TRAMPOLINE_GPA 0x30000ull /* SIPI vector 0x30 */
/* The `spin` scenario: vCPU n increments the 64-bit counter at this address + 64 * n. */
#define SVMM_TEST_SPIN_COUNTERS_GPA 0x40000ull
#define SVMM_TEST_MAX_CPUS 64u

/* ---- Secure-core scenarios (guest OS and trusted VMs running this same kernel) ---- */

/* A trusted VM's kernel ends through TRUSTED_EXIT (hypercall) with these statuses instead of the
 * debug-exit port: 0 PASS, 1 FAIL, 2 EXCEPTION (the same values as above). */

/* Readiness protocol, through SVMM.SCRATCH (public window, offset 0xA00), one register shared
 * by every VM:
 * - before each SECURE_LAUNCH the guest OS writes SCRATCH = 0;
 * - trusted VM n (CPUID 0x40000101 EDX = 1 + n) sets bit READY + n with a read-modify-write
 *   once it has done its set-up (for trusted-secret: after filling its memory), and further
 *   bits as its scenario progresses (GRANTED + n, CLOSED + n for trusted-grant);
 * - trusted VMs race on that read-modify-write, so every trusted VM that idles re-asserts all
 *   of its bits every SVMM_TEST_READY_REASSERT_MS;
 * - the guest OS waits until bits READY + 0 .. READY + N-1 are all set (at most
 *   SVMM_TEST_READY_TIMEOUT_MS), and never writes SCRATCH while trusted VMs run. */
#define SVMM_TEST_SCRATCH_READY_SHIFT 0u    /* bit n: trusted VM n is ready */
#define SVMM_TEST_SCRATCH_GRANTED_SHIFT 16u /* bit 16 + n: trusted VM n issued GRANT-PRIVATE */
#define SVMM_TEST_SCRATCH_CLOSED_SHIFT 32u  /* bit 32 + n: trusted VM n issued CLOSE-PRIVATE */
#define SVMM_TEST_MAX_TRUSTED_VMS 16u
#define SVMM_TEST_READY_REASSERT_MS 10u
#define SVMM_TEST_READY_TIMEOUT_MS 30000u

/* Go protocol of `grant`/`owner-scratch` with `trusted-grant`: once the guest OS has seen
 * GRANTED + n and finished its checks through the granted private window, it writes this value
 * to SVMM.OWNER-SCRATCH (0xA88) through the private window from vCPU 0 (itself a check that
 * the grant allows rw registers); trusted-grant polls OWNER-SCRATCH through the public window,
 * then issues CMD.CLOSE-PRIVATE and sets CLOSED + n. */
#define SVMM_TEST_GO_VALUE 0x4F47212154534554ull /* "TEST!!GO" */

/* trusted-secret prints "secret: " + 32 lower-case hex digits (its 16-byte marker, in memory
 * order) on its console, then fills its RAM with the marker repeated: the byte at guest-physical
 * address a is marker[a % 16]. */
#define SVMM_TEST_LINE_SECRET "secret: "
#define SVMM_TEST_SECRET_SIZE 16u

/* abort-policy interrupt: the default vector (chipset.abort_vector's default). */
#define SVMM_TEST_DEFAULT_ABORT_VECTOR 242u

#endif
