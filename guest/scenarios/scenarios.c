#include "scenarios/scenarios.h"

#include <stddef.h>

#include "kernel/string.h"

/* clang-format off: one scenario per line */
static const struct scenario scenarios[] = {
    {"hello", scenario_hello},         {"exit", scenario_exit},
    {"reset", scenario_reset},         {"triple-fault", scenario_triple_fault},
    {"exception", scenario_exception}, {"unexpected-exception", scenario_unexpected_exception},
    {"cpuid", scenario_cpuid},         {"memmap", scenario_memmap},
    {"ports", scenario_ports},         {"smp", scenario_smp},
    {"spin", scenario_spin},           {"pio-loop", scenario_pio_loop},
    {"mmio-loop", scenario_mmio_loop},  {"chipset-loop", scenario_chipset_loop},
    {"demo", scenario_demo},           {"user-mode", scenario_user_mode},
    /* the ACPI-era platform (scenarios/acpi.c) */
    {"acpi", scenario_acpi},           {"fw-cfg", scenario_fw_cfg},
    {"poweroff", scenario_poweroff},   {"sleep", scenario_sleep},
    /* guest OS side of the secure core */
    {"hc-basic", scenario_hc_basic},   {"launch-teardown", scenario_launch_teardown},
    {"launch-cycles", scenario_launch_cycles},
    {"launch-await-teardown", scenario_launch_await_teardown},
    {"spin-secure", scenario_spin_secure}, {"chipset-guest", scenario_chipset_guest},
    {"abort-policy", scenario_abort_policy}, {"grant", scenario_grant},
    {"owner-scratch", scenario_owner_scratch}, {"bank-banked", scenario_bank_banked},
    {"state-check", scenario_state_check}, {"cpl3-kernel-only", scenario_cpl3_kernel_only},
    /* trusted VM side */
    {"trusted-secret", scenario_trusted_secret}, {"trusted-grant", scenario_trusted_grant},
    {"trusted-chipset", scenario_trusted_chipset}, {"trusted-exit", scenario_trusted_exit},
    {"trusted-fault", scenario_trusted_fault},
    /* the token */
    {"token-basic", scenario_token_basic}, {"token-localities", scenario_token_localities},
    {"token-launch", scenario_token_launch}, {"token-trusted", scenario_token_trusted},
    {"token-nv", scenario_token_nv},       {"token-bench", scenario_token_bench},
    {"trusted-token", scenario_trusted_token},
};
/* clang-format on */

const struct scenario* scenario_find(const char* name) {
  for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; ++i)
    if (strcmp(scenarios[i].name, name) == 0) return &scenarios[i];
  return NULL;
}
