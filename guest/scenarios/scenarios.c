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
    {"mmio-loop", scenario_mmio_loop},  {"demo", scenario_demo},
};
/* clang-format on */

const struct scenario* scenario_find(const char* name) {
  for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; ++i)
    if (strcmp(scenarios[i].name, name) == 0) return &scenarios[i];
  return NULL;
}
