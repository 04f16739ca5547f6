/* The ACPI-era platform of the guest OS (spec/guest-abi.md sections 1 and 3): the ACPI tables
 * (found through the PVH start info's rsdp_paddr and by the BIOS-area scan), QEMU fw_cfg, and
 * the PM1a control block's S5 (power-off) and S3 (sleep). */
#include "protocol/acpi.h"

#include <stdbool.h>
#include <stdint.h>

#include "kernel/bootinfo.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/report.h"
#include "kernel/string.h"
#include "kernel/svmm.h"
#include "kernel/timer.h"
#include "kernel/x86.h"
#include "protocol/fw_cfg.h"
#include "protocol/hypercall.h"
#include "protocol/memory_map.h"
#include "scenarios/scenarios.h"

#define POWEROFF_WAIT_MS 1000
#define ACPI_HEADER_SIZE 36u
#define ACPI_TABLE_MAX 0x10000u /* a sanity bound on table lengths here */

static uint8_t byte_sum(uint64_t pa, uint64_t len) {
  uint8_t sum = 0;
  for (uint64_t i = 0; i < len; ++i) sum = (uint8_t)(sum + phys_read8(pa + i));
  return sum;
}

static bool sig_is(uint64_t pa, const char* sig, unsigned n) {
  for (unsigned i = 0; i < n; ++i)
    if (phys_read8(pa + i) != (uint8_t)sig[i]) return false;
  return true;
}

static void sig_copy(uint64_t pa, char out[5]) {
  for (unsigned i = 0; i < 4; ++i) out[i] = (char)phys_read8(pa + i);
  out[4] = '\0';
}

/* A table with a standard header at `pa`: signature `sig`, a sane length, checksum zero.
 * Returns its length. */
static uint32_t check_table(uint64_t pa, const char* sig) {
  if (pa < SVMM_ACPI_RSDP_SCAN_START || pa >= SVMM_ACPI_RSDP_SCAN_END)
    test_fail("acpi: %s at 0x%lx is outside 0xe0000-0xfffff", sig, pa);
  if (!sig_is(pa, sig, 4)) {
    char got[5];
    sig_copy(pa, got);
    test_fail("acpi: table at 0x%lx is '%s', expected %s", pa, got, sig);
  }
  const uint32_t len = phys_read32(pa + 4);
  if (len < ACPI_HEADER_SIZE || len > ACPI_TABLE_MAX) test_fail("acpi: %s length %u", sig, len);
  const uint8_t sum = byte_sum(pa, len);
  if (sum != 0) test_fail("acpi: %s checksum: bytes sum to 0x%x", sig, sum);
  kprintf("acpi: %s at 0x%lx length %u rev %u checksum ok\n", sig, pa, len, phys_read8(pa + 8));
  return len;
}

/* The SLP_TYP (first element) of the DSDT's package Name(\_Sx_, Package(){...}), or -1. */
static int sleep_type(uint64_t dsdt, uint32_t len, const char* name) {
  for (uint64_t p = dsdt + ACPI_HEADER_SIZE; p + 9 < dsdt + len; ++p) {
    if (phys_read8(p) != 0x08) continue; /* NameOp */
    uint64_t q = p + 1;
    if (phys_read8(q) == 0x5C) ++q; /* root */
    if (!sig_is(q, name, 4)) continue;
    q += 4;
    if (phys_read8(q) != 0x12) return -1;            /* PackageOp */
    q += 1 + (uint64_t)(phys_read8(q + 1) >> 6) + 1; /* PkgLength */
    if (phys_read8(q) < 1) return -1;                /* NumElements */
    ++q;
    const uint8_t op = phys_read8(q);
    if (op == 0x00 || op == 0x01) return op;
    if (op == 0x0A) return phys_read8(q + 1);
    return -1;
  }
  return -1;
}

static uint64_t find_rsdp_by_scan(void) {
  for (uint64_t pa = SVMM_ACPI_RSDP_SCAN_START; pa < SVMM_ACPI_RSDP_SCAN_END; pa += 16)
    if (sig_is(pa, "RSD PTR ", 8) && byte_sum(pa, 20) == 0) return pa;
  return 0;
}

/* acpi [cpus=N]: RSDP from rsdp_paddr and from the scan (the same), its checksums; XSDT and RSDT
 * list the FADT and the MADT; the FADT's DSDT, PM1a blocks and SCI; \_S5_ = 5 and \_S3_ = 3 in
 * the DSDT; the MADT has N enabled processors (default 1), the IOAPIC and LAPIC addresses. */
void scenario_acpi(void) {
  const uint64_t cpus = cmdline_u64("cpus", 1);
  const uint64_t rsdp = bootinfo.rsdp_paddr;
  kprintf("acpi: start info rsdp_paddr 0x%lx\n", rsdp);
  if (rsdp == 0) test_fail("acpi: the PVH start info has no rsdp_paddr");
  const uint64_t scanned = find_rsdp_by_scan();
  kprintf("acpi: scan of 0xe0000-0xfffff finds the RSDP at 0x%lx\n", scanned);
  if (scanned != rsdp) test_fail("acpi: rsdp_paddr 0x%lx, scan 0x%lx", rsdp, scanned);
  if (rsdp % 16) test_fail("acpi: RSDP not 16-byte aligned");
  if (phys_read8(rsdp + 15) < 2) test_fail("acpi: RSDP revision %u", phys_read8(rsdp + 15));
  if (phys_read32(rsdp + 20) != 36) test_fail("acpi: RSDP length %u", phys_read32(rsdp + 20));
  if (byte_sum(rsdp, 36) != 0) test_fail("acpi: RSDP extended checksum");
  const uint64_t xsdt = phys_read64(rsdp + 24);
  const uint64_t rsdt = phys_read32(rsdp + 16);
  kprintf("acpi: RSDP revision %u rsdt 0x%lx xsdt 0x%lx checksums ok\n", phys_read8(rsdp + 15),
          rsdt, xsdt);

  const uint32_t xlen = check_table(xsdt, "XSDT");
  const uint32_t rlen = check_table(rsdt, "RSDT");
  const uint32_t n = (xlen - ACPI_HEADER_SIZE) / 8;
  if ((rlen - ACPI_HEADER_SIZE) / 4 != n) test_fail("acpi: RSDT and XSDT differ in length");
  uint64_t fadt = 0, madt = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t t = phys_read64(xsdt + ACPI_HEADER_SIZE + 8 * i);
    if (phys_read32(rsdt + ACPI_HEADER_SIZE + 4 * i) != t)
      test_fail("acpi: RSDT entry %u differs from the XSDT's", i);
    char sig[5];
    sig_copy(t, sig);
    kprintf("acpi: XSDT entry %u: %s at 0x%lx\n", i, sig, t);
    if (strcmp(sig, "FACP") == 0) fadt = t;
    if (strcmp(sig, "APIC") == 0) madt = t;
  }
  if (!fadt || !madt) test_fail("acpi: the XSDT lacks the FADT or the MADT");

  check_table(fadt, "FACP");
  const uint64_t dsdt = phys_read64(fadt + 140);
  if (phys_read32(fadt + 40) != dsdt) test_fail("acpi: FADT DSDT and X_DSDT differ");
  const uint32_t flags = phys_read32(fadt + 112);
  const uint32_t pm1a_evt = phys_read32(fadt + 56), pm1a_cnt = phys_read32(fadt + 64);
  const uint32_t sci = phys_read16(fadt + 46);
  kprintf("acpi: FADT pm1a_evt 0x%x/%u pm1a_cnt 0x%x/%u sci %u flags 0x%x\n", pm1a_evt,
          phys_read8(fadt + 88), pm1a_cnt, phys_read8(fadt + 89), sci, flags);
  if (pm1a_evt != SVMM_PORT_PM1A_EVT || phys_read8(fadt + 88) != SVMM_PM1_EVT_LEN)
    test_fail("acpi: PM1a event block");
  if (pm1a_cnt != SVMM_PORT_PM1A_CNT || phys_read8(fadt + 89) != SVMM_PM1_CNT_LEN)
    test_fail("acpi: PM1a control block");
  if (sci != SVMM_ACPI_SCI_IRQ) test_fail("acpi: SCI %u", sci);
  if (flags & (1u << 20)) test_fail("acpi: hardware-reduced");
  const uint64_t facs = phys_read32(fadt + 36);
  if (!sig_is(facs, "FACS", 4) || facs % 64) test_fail("acpi: FACS at 0x%lx", facs);

  const uint32_t dlen = check_table(dsdt, "DSDT");
  const int s5 = sleep_type(dsdt, dlen, "_S5_"), s3 = sleep_type(dsdt, dlen, "_S3_");
  kprintf("acpi: DSDT \\_S5_ SLP_TYP %d, \\_S3_ SLP_TYP %d\n", s5, s3);
  if (s5 != SVMM_ACPI_SLP_TYP_S5 || s3 != SVMM_ACPI_SLP_TYP_S3) test_fail("acpi: sleep types");

  const uint32_t mlen = check_table(madt, "APIC");
  const uint32_t lapic = phys_read32(madt + 36);
  uint32_t processors = 0, ioapics = 0, overrides = 0;
  for (uint64_t e = madt + 44; e < madt + mlen;) {
    const uint8_t type = phys_read8(e), len = phys_read8(e + 1);
    if (len < 2 || e + len > madt + mlen) test_fail("acpi: MADT entry at 0x%lx length %u", e, len);
    if (type == 0 && (phys_read32(e + 4) & 1)) {
      kprintf("acpi: MADT processor uid %u apic %u\n", phys_read8(e + 2), phys_read8(e + 3));
      ++processors;
    } else if (type == 1) {
      kprintf("acpi: MADT IOAPIC id %u at 0x%x gsi base %u\n", phys_read8(e + 2),
              phys_read32(e + 4), phys_read32(e + 8));
      if (phys_read32(e + 4) != SVMM_MMIO_IOAPIC) test_fail("acpi: IOAPIC address");
      ++ioapics;
    } else if (type == 2) {
      kprintf("acpi: MADT override irq %u -> gsi %u flags 0x%x\n", phys_read8(e + 3),
              phys_read32(e + 4), phys_read16(e + 8));
      ++overrides;
    }
    e += len;
  }
  kprintf("acpi: MADT lapic 0x%x, %u processors, %u IOAPIC, %u overrides\n", lapic, processors,
          ioapics, overrides);
  if (lapic != SVMM_MMIO_LAPIC) test_fail("acpi: LAPIC address 0x%x", lapic);
  if (processors != cpus)
    test_fail("acpi: %u processors in the MADT, expected %lu", processors, cpus);
  if (ioapics != 1 || overrides != 2) test_fail("acpi: MADT IOAPIC/override entries");
}

static uint64_t fw_cfg_read(uint16_t key, unsigned bytes) {
  outw(SVMM_PORT_FW_CFG_SELECTOR, key);
  uint64_t v = 0;
  for (unsigned i = 0; i < bytes; ++i) v |= (uint64_t)inb(SVMM_PORT_FW_CFG_DATA) << (8 * i);
  return v;
}

/* fw-cfg [cpus=N] [mem=MIB]: signature "QEMU", id 0, RAM size MIB << 20 (default 64), vCPUs N
 * (default 1), an unknown key reads zeros, and a new selection rewinds. */
void scenario_fw_cfg(void) {
  const uint64_t cpus = cmdline_u64("cpus", 1), mem = cmdline_u64("mem", 64);
  const uint64_t sig = fw_cfg_read(SVMM_FW_CFG_SIGNATURE, 4);
  const uint64_t id = fw_cfg_read(SVMM_FW_CFG_ID, 4);
  const uint64_t ram = fw_cfg_read(SVMM_FW_CFG_RAM_SIZE, 8);
  const uint64_t ncpus = fw_cfg_read(SVMM_FW_CFG_NB_CPUS, 2);
  const uint64_t other = fw_cfg_read(0x19, 8); /* QEMU's file directory: not here */
  kprintf("fw-cfg: signature %c%c%c%c id 0x%lx ram 0x%lx cpus %lu key 0x19 0x%lx\n", (char)sig,
          (char)(sig >> 8), (char)(sig >> 16), (char)(sig >> 24), id, ram, ncpus, other);
  if (sig != 0x554D4551u) test_fail("fw-cfg: signature 0x%lx, expected \"QEMU\"", sig);
  if (id != 0) test_fail("fw-cfg: id 0x%lx", id);
  if (ram != mem << 20) test_fail("fw-cfg: RAM size 0x%lx, expected 0x%lx", ram, mem << 20);
  if (ncpus != cpus) test_fail("fw-cfg: %lu CPUs, expected %lu", ncpus, cpus);
  if (other != 0) test_fail("fw-cfg: unknown key reads 0x%lx", other);
  outw(SVMM_PORT_FW_CFG_SELECTOR, SVMM_FW_CFG_SIGNATURE);
  (void)inb(SVMM_PORT_FW_CFG_DATA);
  if (fw_cfg_read(SVMM_FW_CFG_SIGNATURE, 1) != 'Q') test_fail("fw-cfg: selecting does not rewind");
}

static void launch_if_asked(const char* who) {
  if (!cmdline_u64("launch", 0)) return;
  ready_clear();
  const int64_t r = hc_call(HC_PORT, SVMM_HC_SECURE_LAUNCH, SVMM_HC_LAUNCH_ALL, 0, 0, 0);
  if (r != 0) test_fail("SECURE_LAUNCH returned %ld", r);
  kprintf("%s: in secure mode\n", who);
}

/* poweroff [launch=1]: SLP_TYP 5 | SLP_EN to PM1a_CNT; svmm ends the VM with status 0 (after
 * a teardown with the poweroff trigger in secure mode); FAIL if still running after ~1 s. */
void scenario_poweroff(void) {
  launch_if_asked("poweroff");
  const uint16_t v = (uint16_t)(SVMM_ACPI_SLP_TYP_S5 << SVMM_PM1_CNT_SLP_TYP_SHIFT);
  kprintf("poweroff: writing 0x%x to port 0x%x\n", v | SVMM_PM1_CNT_SLP_EN, SVMM_PORT_PM1A_CNT);
  outw(SVMM_PORT_PM1A_CNT, v); /* as ACPICA does: SLP_TYP first, then with SLP_EN */
  outw(SVMM_PORT_PM1A_CNT, (uint16_t)(v | SVMM_PM1_CNT_SLP_EN));
  delay_ms(POWEROFF_WAIT_MS);
  test_fail("still running %u ms after the ACPI power-off request", POWEROFF_WAIT_MS);
}

/* sleep [launch=1] [state=S]: clears WAK_STS, writes SLP_TYP 3 | SLP_EN to PM1a_CNT; svmm does
 * not emulate S3, so the guest continues at once: WAK_STS must be set and SLP_EN read 0; STATE
 * must then be S (default 0: after launch=1 the sleep trigger tore down; 1: it did not). */
void scenario_sleep(void) {
  launch_if_asked("sleep");
  const uint64_t state = cmdline_u64("state", 0);
  outw(SVMM_PORT_PM1A_STS, SVMM_PM1_STS_WAK);
  if (inw(SVMM_PORT_PM1A_STS) & SVMM_PM1_STS_WAK) test_fail("sleep: WAK_STS does not clear");
  const uint16_t v =
      (uint16_t)(SVMM_ACPI_SLP_TYP_S3 << SVMM_PM1_CNT_SLP_TYP_SHIFT | SVMM_PM1_CNT_SLP_EN);
  kprintf("sleep: writing 0x%x to port 0x%x\n", v, SVMM_PORT_PM1A_CNT);
  outw(SVMM_PORT_PM1A_CNT, v);
  const uint16_t sts = inw(SVMM_PORT_PM1A_STS), cnt = inw(SVMM_PORT_PM1A_CNT);
  const int64_t now = hc_call(HC_PORT, SVMM_HC_STATE, 0, 0, 0, 0);
  kprintf("sleep: resumed: PM1_STS 0x%x PM1_CNT 0x%x STATE %ld\n", sts, cnt, now);
  if (!(sts & SVMM_PM1_STS_WAK)) test_fail("sleep: WAK_STS not set after the sleep");
  if (cnt & SVMM_PM1_CNT_SLP_EN) test_fail("sleep: SLP_EN reads 1");
  if ((uint64_t)now != state) test_fail("sleep: STATE %ld, expected %lu", now, state);
}
