/* Benchmarks: a fixed number of exits of one kind, then PASS. */
#include <stdint.h>

#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/x86.h"
#include "protocol/chipset.h"
#include "protocol/memory_map.h"
#include "protocol/ports.h"
#include "scenarios/scenarios.h"

#define DEFAULT_COUNT 1000
#define UNASSIGNED_MMIO ((uint64_t)0xD0000000)
#define CHIPSET_SCRATCH ((uint64_t)(SVMM_MMIO_CHIPSET_PUBLIC + SVMM_CS_SCRATCH))

/* pio-loop count=N: N byte writes to the POST port. */
void scenario_pio_loop(void) {
  const uint64_t count = cmdline_u64("count", DEFAULT_COUNT);
  kprintf("pio-loop: %lu writes to port 0x%x\n", count, SVMM_PORT_POST);
  for (uint64_t i = 0; i < count; ++i) outb(SVMM_PORT_POST, (uint8_t)i);
}

/* mmio-loop count=N: N 4-byte reads of unassigned MMIO. */
void scenario_mmio_loop(void) {
  const uint64_t count = cmdline_u64("count", DEFAULT_COUNT);
  kprintf("mmio-loop: %lu reads of 0x%lx\n", count, UNASSIGNED_MMIO);
  for (uint64_t i = 0; i < count; ++i) (void)phys_read32(UNASSIGNED_MMIO);
}

/* chipset-loop count=N: N 4-byte reads of SVMM.SCRATCH in the chipset's public window. */
void scenario_chipset_loop(void) {
  const uint64_t count = cmdline_u64("count", DEFAULT_COUNT);
  kprintf("chipset-loop: %lu reads of 0x%lx\n", count, CHIPSET_SCRATCH);
  for (uint64_t i = 0; i < count; ++i) (void)phys_read32(CHIPSET_SCRATCH);
}
