/* Helpers shared by the secure-core scenarios (guest OS side and trusted VM side). */
#ifndef SVMM_GUEST_SCENARIOS_SECURE_H
#define SVMM_GUEST_SCENARIOS_SECURE_H

#include <stdbool.h>
#include <stdint.h>

#include "guest/test_abi.h"
#include "kernel/svmm.h"

/* vms=N and mem=M1,M2,... (MiB, config order) from the command line. */
struct secure_cfg {
  uint32_t vms;
  bool mem_given;
  uint32_t mem_count;
  uint64_t mem_mib[SVMM_TEST_MAX_TRUSTED_VMS];
  uint64_t mem_total_mib;
};
/* Parses vms= (default `default_vms`) and mem=; FAIL on malformed values or if mem= lists a
 * different number of VMs than vms=. With mem= but no vms=, vms is the length of the list. */
void secure_cfg_parse(struct secure_cfg* c, uint32_t default_vms);

/* transport=port|bank|both. */
enum transport_sel { SEL_PORT, SEL_BANK, SEL_BOTH };
enum transport_sel transport_parse(enum transport_sel fallback);

/* The guest OS's teardown report buffer (in .bss, 64-byte aligned). */
extern struct svmm_teardown_report secure_report;
/* Fills the report buffer with 0xA5 bytes (so that fields svmm did not write show). */
void report_poison(void);
bool report_is_poisoned(void);
void report_print(const struct svmm_teardown_report* r);
/* Checks a guest-request report: magic, version, trigger, trusted_vms = c->vms,
 * bytes_scrubbed = sum(mem) << 20 (if mem= was given), reserved zero, duration_ns > 0. */
void report_check(const struct svmm_teardown_report* r, const struct secure_cfg* c,
                  uint32_t trigger);

/* Guest OS: SCRATCH = 0, SECURE_LAUNCH(index) through `t`, expecting `expected`. */
void secure_launch(enum hc_transport t, uint64_t index, int64_t expected);
/* Guest OS: waits (SVMM_TEST_READY_TIMEOUT_MS, or ready_ms=) until `mask` is set in SCRATCH;
 * FAIL otherwise. */
void secure_wait_bits(uint64_t mask, const char* what);
/* Guest OS: the secure-mode register picture after a launch (STS, E2STS, SVMM.STATE,
 * PUBLIC.KEY != 0); returns PUBLIC.KEY's first 8 bytes. */
uint64_t secure_check_secure_mode(void);
/* Guest OS: the normal-mode picture after a teardown: STATE 0 (both transports), SVMM.STATE
 * 0, STS = SEXIT.DONE exactly, E2STS.SECRETS clear, TEARDOWN-COUNT = `teardowns`. */
void secure_check_after_teardown(uint64_t teardowns);
/* Reads PUBLIC.KEY (32 bytes) into out[4]. */
void public_key_read(uint64_t out[4]);

/* Trusted VM: this VM's index n (CPUID EDX - 1); FAIL if not a trusted VM unless `lenient`,
 * in which case 0 is returned after a warning. */
uint32_t trusted_index(bool lenient);
/* Trusted VM: re-asserts `bits` in SCRATCH every SVMM_TEST_READY_REASSERT_MS, forever. */
_Noreturn void trusted_idle(uint64_t bits);
/* Trusted VM: waits `ms` while keeping `bits` asserted. */
void trusted_wait_ms(uint64_t bits, uint64_t ms);

/* Base of the reserved area at the end of low RAM (the chipset's SINIT/HEAP area), from the
 * memory map; 0 if none. And the end of the RAM range that starts at 1 MiB. */
uint64_t memmap_chipset_area(void);
uint64_t memmap_high_ram_end(void);

#endif
