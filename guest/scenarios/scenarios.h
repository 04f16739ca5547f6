/* The scenarios the command line can select. A scenario returns to pass; it fails through
 * test_fail() (kernel/report.h). Some never return (exit, reset, triple-fault, spin). */
#ifndef SVMM_GUEST_SCENARIOS_SCENARIOS_H
#define SVMM_GUEST_SCENARIOS_SCENARIOS_H

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
void scenario_demo(void);

#endif
