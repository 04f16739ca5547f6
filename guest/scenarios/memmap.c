/* memmap mem=MIB: the PVH memmap must be exactly the table of spec/guest-abi.md section 2
 * for a VM with MIB MiB, and every RAM range must be usable at both ends (also above 4 GiB). */
#include <stdbool.h>
#include <stdint.h>

#include "kernel/bootinfo.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/paging.h"
#include "kernel/report.h"
#include "kernel/x86.h"
#include "protocol/cpuid.h"
#include "protocol/memory_map.h"
#include "scenarios/scenarios.h"

#define EXPECTED_MAX 5
#define PATTERN 0x5A5AA5A5C3C33C3Cull

struct range {
  uint64_t addr, size;
  uint32_t type;
};

/* A trusted VM has no chipset areas (its memmap has [1 MiB, L) all RAM). It says so in svmm's
 * CPUID leaf at CPL 0; elsewhere (no such leaf) we are a guest OS. */
static bool is_trusted_vm(void) {
  if (cpuid(SVMM_CPUID_BASE, 0).ebx != SVMM_CPUID_SIGNATURE) return false;
  return (cpuid(SVMM_CPUID_INFO, 0).ebx & SVMM_CPUID_FEATURE_TRUSTED_VM) != 0;
}

static uint32_t expected_map(uint64_t mib, bool trusted, struct range* out) {
  const uint64_t total = mib * SVMM_MIB;
  const uint64_t low_end = total < SVMM_LOW_RAM_MAX ? total : SVMM_LOW_RAM_MAX; /* L */
  const uint64_t ram_end = trusted ? low_end : low_end - SVMM_CHIPSET_AREA_SIZE;
  uint32_t n = 0;
  out[n++] = (struct range){0, SVMM_E820_LOW_RAM_END, SVMM_E820_RAM};
  out[n++] = (struct range){SVMM_E820_LOW_RAM_END,
                            SVMM_E820_HIGH_AREA_START - SVMM_E820_LOW_RAM_END, SVMM_E820_RESERVED};
  out[n++] =
      (struct range){SVMM_E820_HIGH_AREA_START, ram_end - SVMM_E820_HIGH_AREA_START, SVMM_E820_RAM};
  if (!trusted) out[n++] = (struct range){ram_end, SVMM_CHIPSET_AREA_SIZE, SVMM_E820_RESERVED};
  if (total > SVMM_LOW_RAM_MAX)
    out[n++] = (struct range){SVMM_HIGH_RAM_START, total - SVMM_LOW_RAM_MAX, SVMM_E820_RAM};
  return n;
}

/* Writes a pattern to the 8 bytes at `pa`, reads it back, restores the old contents. */
static void check_ram_word(uint64_t pa) {
  if (!paging_ensure_mapped(pa)) test_fail("cannot map RAM at 0x%lx", pa);
  const uint64_t old = phys_read64(pa);
  const uint64_t pattern = PATTERN ^ pa;
  phys_write64(pa, pattern);
  const uint64_t back = phys_read64(pa);
  phys_write64(pa, old);
  if (back != pattern) test_fail("RAM at 0x%lx reads 0x%lx after writing 0x%lx", pa, back, pattern);
}

void scenario_memmap(void) {
  const uint64_t mib = cmdline_u64("mem", 0);
  const bool trusted = is_trusted_vm();

  const struct svmm_hvm_memmap_entry* map = bootinfo.memmap;
  const uint32_t n = bootinfo.memmap_entries;
  kprintf("memmap: %u entries\n", bootinfo.memmap_entries_given);
  for (uint32_t i = 0; i < n; ++i)
    kprintf("memmap: 0x%lx 0x%lx %u\n", map[i].addr, map[i].size, map[i].type);

  /* First exercise the RAM the map describes, so the output is useful even on a mismatch. */
  for (uint32_t i = 0; i < n; ++i) {
    if (map[i].type != SVMM_E820_RAM || map[i].size < 8) continue;
    check_ram_word(map[i].addr);
    check_ram_word(map[i].addr + map[i].size - 8);
  }
  kprintf("memmap: first and last 8 bytes of every RAM range read back\n");

  if (!mib) test_fail("memmap needs mem=MIB");
  if (mib < 4) test_fail("mem=%lu is too small for the layout", mib);
  struct range want[EXPECTED_MAX];
  const uint32_t m = expected_map(mib, trusted, want);
  if (bootinfo.memmap_entries_given != m)
    test_fail("%u memmap entries, expected %u for mem=%lu%s", bootinfo.memmap_entries_given, m, mib,
              trusted ? " (trusted VM)" : "");
  for (uint32_t i = 0; i < m; ++i)
    if (map[i].addr != want[i].addr || map[i].size != want[i].size || map[i].type != want[i].type)
      test_fail("entry %u is 0x%lx 0x%lx %u, expected 0x%lx 0x%lx %u", i, map[i].addr, map[i].size,
                map[i].type, want[i].addr, want[i].size, want[i].type);
}
