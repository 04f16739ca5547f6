#include "scenarios/secure.h"

#include "kernel/bootinfo.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/idle.h"
#include "kernel/report.h"
#include "kernel/string.h"
#include "kernel/timer.h"

#define POISON_BYTE 0xA5

struct svmm_teardown_report secure_report __attribute__((aligned(64)));

void secure_cfg_parse(struct secure_cfg* c, uint32_t default_vms) {
  *c = (struct secure_cfg){0};
  const char* mem = cmdline_get("mem");
  if (mem && *mem) {
    c->mem_given = true;
    const char* p = mem;
    while (*p) {
      char num[24];
      unsigned n = 0;
      while (*p && *p != ',' && n + 1 < sizeof num) num[n++] = *p++;
      num[n] = '\0';
      uint64_t v;
      if (parse_u64(num, &v) != 0 || v == 0) test_fail("bad mem= list '%s'", mem);
      if (c->mem_count >= SVMM_TEST_MAX_TRUSTED_VMS) test_fail("mem= lists more than %u VMs", SVMM_TEST_MAX_TRUSTED_VMS);
      c->mem_mib[c->mem_count++] = v;
      c->mem_total_mib += v;
      if (*p == ',') ++p;
    }
  }
  const uint64_t vms = cmdline_u64("vms", c->mem_given ? c->mem_count : default_vms);
  if (vms > SVMM_TEST_MAX_TRUSTED_VMS) test_fail("vms=%lu: at most %u", vms, SVMM_TEST_MAX_TRUSTED_VMS);
  c->vms = (uint32_t)vms;
  if (c->mem_given && c->mem_count != c->vms)
    test_fail("mem= lists %u sizes but vms=%u", c->mem_count, c->vms);
}

enum transport_sel transport_parse(enum transport_sel fallback) {
  const char* t = cmdline_get("transport");
  if (!t) return fallback;
  if (strcmp(t, "port") == 0) return SEL_PORT;
  if (strcmp(t, "bank") == 0) return SEL_BANK;
  if (strcmp(t, "both") == 0) return SEL_BOTH;
  test_fail("transport=%s: expected port, bank or both", t);
}

void report_poison(void) { memset(&secure_report, POISON_BYTE, sizeof secure_report); }

bool report_is_poisoned(void) {
  const uint8_t* p = (const uint8_t*)&secure_report;
  for (unsigned i = 0; i < sizeof secure_report; ++i)
    if (p[i] != POISON_BYTE) return false;
  return true;
}

void report_print(const struct svmm_teardown_report* r) {
  kprintf("report: magic=0x%x version=%u trigger=%u trusted_vms=%u bytes_scrubbed=%lu "
          "duration_ns=%lu pcrs_capped=0x%lx\n",
          r->magic, r->version, r->trigger, r->trusted_vms, r->bytes_scrubbed, r->duration_ns,
          r->pcrs_capped);
}

void report_check(const struct svmm_teardown_report* r, const struct secure_cfg* c,
                  uint32_t trigger) {
  report_print(r);
  if (r->magic != SVMM_TEARDOWN_REPORT_MAGIC)
    test_fail("report magic 0x%x, expected 0x%x", r->magic, SVMM_TEARDOWN_REPORT_MAGIC);
  if (r->version != SVMM_TEARDOWN_REPORT_VERSION)
    test_fail("report version %u, expected %u", r->version, SVMM_TEARDOWN_REPORT_VERSION);
  if (r->trigger != trigger) test_fail("report trigger %u, expected %u", r->trigger, trigger);
  if (r->trusted_vms != c->vms)
    test_fail("report trusted_vms %u, expected %u", r->trusted_vms, c->vms);
  if (c->mem_given) {
    if (r->bytes_scrubbed != c->mem_total_mib << 20)
      test_fail("report bytes_scrubbed %lu, expected %lu (mem=%lu MiB)", r->bytes_scrubbed,
                c->mem_total_mib << 20, c->mem_total_mib);
  } else {
    kprintf("report: no mem= given, bytes_scrubbed not checked\n");
  }
  for (unsigned i = 0; i < sizeof r->reserved; ++i)
    if (r->reserved[i]) test_fail("report reserved byte %u is 0x%x", i, r->reserved[i]);
  if (r->duration_ns == 0) test_fail("report duration_ns is 0");
}

void secure_launch(enum hc_transport t, uint64_t index, int64_t expected) {
  ready_clear();
  const uint64_t t0 = rdtsc();
  hc_expect(t, "launch", SVMM_HC_SECURE_LAUNCH, index, 0, 0, 0, expected);
  kprintf("launch: SECURE_LAUNCH took %lu TSC cycles\n", rdtsc() - t0);
}

void secure_wait_bits(uint64_t mask, const char* what) {
  const uint64_t ms = cmdline_u64("ready_ms", SVMM_TEST_READY_TIMEOUT_MS);
  idle_init();
  const uint64_t t0 = rdtsc();
  if (!ready_wait(mask, ms)) test_fail("%s: SCRATCH bits 0x%lx not all set within %lu ms", what, mask, ms);
  kprintf("ready: %s after %lu TSC cycles (SCRATCH=0x%lx)\n", what, rdtsc() - t0,
          cs_pub(SVMM_CS_SCRATCH));
}

void public_key_read(uint64_t out[4]) {
  for (unsigned i = 0; i < 4; ++i) out[i] = cs_pub(SVMM_CS_PUBLIC_KEY + 8 * i);
}

uint64_t secure_check_secure_mode(void) {
  const uint64_t sts = cs_pub(SVMM_CS_STS), e2 = cs_pub(SVMM_CS_E2STS),
                 state = cs_pub(SVMM_CS_STATE);
  uint64_t key[4];
  public_key_read(key);
  kprintf("secure: STS=0x%lx E2STS=0x%lx SVMM.STATE=%lu PUBLIC.KEY=%016lx%016lx%016lx%016lx\n", sts,
          e2, state, key[0], key[1], key[2], key[3]);
  const uint64_t need = SVMM_STS_SENTER_DONE | SVMM_STS_PRIVATE_OPEN | SVMM_STS_MEM_CONFIG_LOCK |
                        SVMM_STS_LOCALITY2_OPEN;
  if ((sts & need) != need)
    test_fail("secure mode: STS 0x%lx lacks 0x%lx (SENTER.DONE, PRIVATE-OPEN, MEM-CONFIG-LOCK, "
              "LOCALITY2-OPEN)", sts, need & ~sts);
  if (sts & SVMM_STS_SEXIT_DONE) test_fail("secure mode: STS 0x%lx has SEXIT.DONE", sts);
  if (!(e2 & SVMM_E2STS_SECRETS)) test_fail("secure mode: E2STS 0x%lx lacks SECRETS", e2);
  if (state != 1) test_fail("secure mode: SVMM.STATE is %lu", state);
  if ((key[0] | key[1] | key[2] | key[3]) == 0) test_fail("secure mode: PUBLIC.KEY is zero");
  return key[0];
}

void secure_check_after_teardown(uint64_t teardowns) {
  hc_both("after teardown", SVMM_HC_STATE, 0, 0, 0, 0, 0);
  const uint64_t sts = cs_pub(SVMM_CS_STS), e2 = cs_pub(SVMM_CS_E2STS),
                 state = cs_pub(SVMM_CS_STATE), count = cs_pub(SVMM_CS_TEARDOWN_COUNT);
  kprintf("after teardown: STS=0x%lx E2STS=0x%lx SVMM.STATE=%lu TEARDOWN-COUNT=%lu\n", sts, e2,
          state, count);
  if (sts != SVMM_STS_SEXIT_DONE)
    test_fail("after teardown: STS 0x%lx, expected exactly SEXIT.DONE (0x%llx)", sts,
              (unsigned long long)SVMM_STS_SEXIT_DONE);
  if (e2 & SVMM_E2STS_SECRETS) test_fail("after teardown: E2STS 0x%lx still has SECRETS", e2);
  if (state != 0) test_fail("after teardown: SVMM.STATE is %lu", state);
  if (count != teardowns) test_fail("after teardown: TEARDOWN-COUNT %lu, expected %lu", count, teardowns);
}

uint32_t trusted_index(bool lenient) {
  const struct whoami* w = whoami();
  if (w->trusted && w->vm_index >= 1) return w->vm_index - 1;
  if (!lenient) test_fail("not a trusted VM (CPUID 0x40000101 EBX=0x%x EDX=%u)", w->features, w->vm_index);
  kprintf("trusted: warning: not a trusted VM (CPUID EBX=0x%x EDX=%u); acting as trusted VM 0\n",
          w->features, w->vm_index);
  return 0;
}

void trusted_wait_ms(uint64_t bits, uint64_t ms) {
  const struct deadline d = deadline_after_ms(ms);
  while (!deadline_passed(d)) {
    if (bits) ready_assert(bits);
    idle_wait_ms(SVMM_TEST_READY_REASSERT_MS);
  }
}

_Noreturn void trusted_idle(uint64_t bits) {
  idle_init();
  kprintf("trusted: idling, keeping SCRATCH bits 0x%lx set\n", bits);
  for (;;) {
    ready_assert(bits);
    idle_wait_ms(SVMM_TEST_READY_REASSERT_MS);
  }
}

uint64_t memmap_chipset_area(void) {
  for (uint32_t i = 0; i < bootinfo.memmap_entries; ++i) {
    const struct svmm_hvm_memmap_entry* e = &bootinfo.memmap[i];
    if (e->type == SVMM_E820_RESERVED && e->addr >= SVMM_E820_HIGH_AREA_START &&
        e->addr < SVMM_MMIO_HOLE_START)
      return e->addr;
  }
  return 0;
}

uint64_t memmap_high_ram_end(void) {
  for (uint32_t i = 0; i < bootinfo.memmap_entries; ++i) {
    const struct svmm_hvm_memmap_entry* e = &bootinfo.memmap[i];
    if (e->type == SVMM_E820_RAM && e->addr == SVMM_E820_HIGH_AREA_START) return e->addr + e->size;
  }
  return 0;
}
