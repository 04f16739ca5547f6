/* ports: unassigned I/O ports and MMIO addresses read all ones and ignore writes
 * (spec/guest-abi.md sections 2 and 3); port 0x80 reads 0xFF. */
#include "protocol/ports.h"

#include <stdint.h>

#include "kernel/console.h"
#include "kernel/report.h"
#include "kernel/x86.h"
#include "scenarios/scenarios.h"

/* Ports that read all ones: one nobody uses, and PCI configuration data (no PCI devices). */
static const uint16_t unassigned_ports[] = {0x1234, SVMM_PORT_PCI_CONFIG + 4};
/* Unassigned addresses in the MMIO hole: 3.25 GiB (where PCI BARs would go), and the HPET's usual
 * address (svmm has no HPET). */
static const uint64_t unassigned_mmio[] = {0xD0000000ull, 0xFED00000ull};

static void check_port(uint16_t port) {
  const uint32_t b = inb(port), w = inw(port), l = inl(port);
  kprintf("ports: port 0x%x reads 0x%x 0x%x 0x%x\n", port, b, w, l);
  if (b != 0xFF || w != 0xFFFF || l != 0xFFFFFFFFu)
    test_fail("port 0x%x reads 0x%x/0x%x/0x%x, expected all ones", port, b, w, l);
}

static void check_mmio_reads(uint64_t pa, const char* when) {
  const uint32_t b = phys_read8(pa), w = phys_read16(pa), l = phys_read32(pa);
  const uint64_t q = phys_read64(pa);
  kprintf("ports: mmio 0x%lx reads 0x%x 0x%x 0x%x 0x%lx %s\n", pa, b, w, l, q, when);
  if (b != 0xFF || w != 0xFFFF || l != 0xFFFFFFFFu || q != UINT64_MAX)
    test_fail("mmio 0x%lx reads 0x%x/0x%x/0x%x/0x%lx %s, expected all ones", pa, b, w, l, q, when);
}

void scenario_ports(void) {
  for (unsigned i = 0; i < sizeof unassigned_ports / sizeof unassigned_ports[0]; ++i)
    check_port(unassigned_ports[i]);

  const uint32_t post = inb(SVMM_PORT_POST);
  kprintf("ports: port 0x%x reads 0x%x\n", SVMM_PORT_POST, post);
  if (post != 0xFF) test_fail("port 0x%x reads 0x%x, expected 0xff", SVMM_PORT_POST, post);

  for (unsigned i = 0; i < sizeof unassigned_mmio / sizeof unassigned_mmio[0]; ++i) {
    const uint64_t pa = unassigned_mmio[i];
    check_mmio_reads(pa, "before writes");
    phys_write8(pa, 0x12);
    phys_write16(pa, 0x1234);
    phys_write32(pa, 0x12345678u);
    phys_write64(pa, 0x123456789ABCDEF0ull);
    check_mmio_reads(pa, "after writes");
  }
}
