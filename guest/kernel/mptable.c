#include "kernel/mptable.h"

#include <stdbool.h>
#include <stddef.h>

#include "kernel/string.h"
#include "kernel/x86.h"

/* Searched, as the MP specification 1.4 section 4 says, on 16-byte boundaries: the first KiB
 * of the EBDA / last KiB of base memory, then the BIOS area. svmm uses the BIOS area. */
static const struct {
  uint64_t start, end;
} search_areas[] = {
    {0x9FC00, 0xA0000},
    {0xF0000, 0x100000},
};

#define MP_FP_SIGNATURE 0x5F504D5Fu  /* "_MP_" */
#define MP_CFG_SIGNATURE 0x504D4350u /* "PCMP" */

/* Floating pointer structure (MP spec table 4-1). */
struct __attribute__((packed)) mp_floating_pointer {
  uint32_t signature;
  uint32_t config_table;
  uint8_t length; /* in 16-byte units */
  uint8_t spec_rev;
  uint8_t checksum;
  uint8_t features[5];
};
_Static_assert(sizeof(struct mp_floating_pointer) == 16, "MP floating pointer");

/* Configuration table header (MP spec table 4-2). */
struct __attribute__((packed)) mp_config_header {
  uint32_t signature;
  uint16_t base_length;
  uint8_t spec_rev;
  uint8_t checksum;
  char oem_id[8];
  char product_id[12];
  uint32_t oem_table;
  uint16_t oem_table_size;
  uint16_t entry_count;
  uint32_t lapic_address;
  uint16_t extended_length;
  uint8_t extended_checksum;
  uint8_t reserved;
};
_Static_assert(sizeof(struct mp_config_header) == 44, "MP configuration table header");

enum { MP_PROCESSOR = 0, MP_BUS = 1, MP_IOAPIC = 2, MP_IO_INTERRUPT = 3, MP_LOCAL_INTERRUPT = 4 };
#define MP_PROCESSOR_ENTRY_SIZE 20
#define MP_OTHER_ENTRY_SIZE 8
#define MP_CPU_ENABLED 0x01
#define MP_CPU_BSP 0x02

static uint8_t byte_sum(uint64_t pa, uint64_t len) {
  uint8_t sum = 0;
  for (uint64_t i = 0; i < len; ++i) sum = (uint8_t)(sum + phys_read8(pa + i));
  return sum;
}

static bool find_floating_pointer(uint64_t* where) {
  for (size_t a = 0; a < sizeof search_areas / sizeof search_areas[0]; ++a) {
    for (uint64_t pa = search_areas[a].start; pa + 16 <= search_areas[a].end; pa += 16) {
      if (phys_read32(pa) != MP_FP_SIGNATURE) continue;
      uint8_t len16 = phys_read8(pa + offsetof(struct mp_floating_pointer, length));
      if (len16 == 0 || byte_sum(pa, 16u * len16) != 0) continue;
      *where = pa;
      return true;
    }
  }
  return false;
}

int mptable_find_cpus(struct mp_cpus* out, const char** why) {
  memset(out, 0, sizeof *out);
  out->bsp_apic_id = 0xFFFFFFFFu;
  uint64_t fp;
  if (!find_floating_pointer(&fp)) {
    *why = "no MP floating pointer structure with a valid checksum";
    return -1;
  }
  out->floating_pointer = fp;
  uint64_t cfg = phys_read32(fp + offsetof(struct mp_floating_pointer, config_table));
  out->config_table = cfg;
  if (cfg == 0) {
    *why = "MP floating pointer has no configuration table (default configuration)";
    return -2;
  }
  if (phys_read32(cfg) != MP_CFG_SIGNATURE) {
    *why = "MP configuration table signature is not PCMP";
    return -2;
  }
  uint16_t length = phys_read16(cfg + offsetof(struct mp_config_header, base_length));
  uint16_t entries = phys_read16(cfg + offsetof(struct mp_config_header, entry_count));
  if (length < sizeof(struct mp_config_header) || byte_sum(cfg, length) != 0) {
    *why = "MP configuration table length or checksum is wrong";
    return -2;
  }

  uint64_t p = cfg + sizeof(struct mp_config_header);
  const uint64_t end = cfg + length;
  for (uint16_t i = 0; i < entries; ++i) {
    if (p >= end) {
      *why = "MP configuration table has fewer entries than its count";
      return -2;
    }
    uint8_t type = phys_read8(p);
    if (type == MP_PROCESSOR) {
      if (p + MP_PROCESSOR_ENTRY_SIZE > end) {
        *why = "MP processor entry runs past the table";
        return -2;
      }
      uint8_t apic_id = phys_read8(p + 1);
      uint8_t flags = phys_read8(p + 3);
      if (flags & MP_CPU_ENABLED) {
        if (out->count == GUEST_MAX_CPUS) {
          *why = "more processors than the test kernel supports";
          return -3;
        }
        out->apic_ids[out->count++] = apic_id;
        if (flags & MP_CPU_BSP) out->bsp_apic_id = apic_id;
      }
      p += MP_PROCESSOR_ENTRY_SIZE;
    } else if (type <= MP_LOCAL_INTERRUPT) {
      p += MP_OTHER_ENTRY_SIZE;
    } else {
      *why = "MP configuration table has an unknown entry type";
      return -2;
    }
  }
  return 0;
}
