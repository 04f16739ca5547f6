/* The scenarios the command line can select. A scenario returns to pass; it fails through
 * test_fail() (kernel/report.h). Some never return (exit, reset, triple-fault, spin). */
#ifndef SVMM_GUEST_SCENARIOS_SCENARIOS_H
#define SVMM_GUEST_SCENARIOS_SCENARIOS_H

#include <stdint.h>

struct scenario {
  const char* name;
  void (*run)(void);
};

/* NULL if there is no scenario called `name`. */
const struct scenario* scenario_find(const char* name);

void scenario_hello(void);
void scenario_exit(void);
void scenario_reset(void);
void scenario_triple_fault(void);
void scenario_exception(void);
void scenario_unexpected_exception(void);
void scenario_cpuid(void);
void scenario_memmap(void);
void scenario_ports(void);
void scenario_smp(void);
void scenario_spin(void);
void scenario_pio_loop(void);
void scenario_mmio_loop(void);
void scenario_chipset_loop(void);
void scenario_demo(void);
/* The ACPI tables, fw_cfg, ACPI S5 and S3 (scenarios/acpi.c). */
void scenario_acpi(void);
void scenario_fw_cfg(void);
void scenario_poweroff(void);
void scenario_sleep(void);

/* Helpers shared by scenarios (scenarios/smp_spin.c). */
uint32_t spin_start_aps(void);
uint64_t spin_counter(uint32_t apic_id);
void scenario_user_mode(void);
void scenario_hc_basic(void);
void scenario_launch_teardown(void);
void scenario_launch_cycles(void);
void scenario_launch_await_teardown(void);
void scenario_spin_secure(void);
void scenario_chipset_guest(void);
void scenario_abort_policy(void);
void scenario_grant(void);
void scenario_owner_scratch(void);
void scenario_bank_banked(void);
void scenario_state_check(void);
void scenario_cpl3_kernel_only(void);
void scenario_trusted_secret(void);
void scenario_trusted_grant(void);
void scenario_trusted_chipset(void);
void scenario_trusted_exit(void);
void scenario_trusted_fault(void);
/* The token (scenarios/token.c, token_trusted.c). */
void scenario_token_basic(void);
void scenario_token_localities(void);
void scenario_token_launch(void);
void scenario_token_trusted(void);
void scenario_token_nv(void);
void scenario_token_bench(void);
void scenario_trusted_token(void);

#endif
