// The guest OS's ACPI tables (spec/guest-abi.md sections 1-3): RSDP (ACPI 2.0+), RSDT, XSDT,
// FADT (revision 6, not hardware-reduced) with its FACS, a DSDT generated in code (vmm/x86/aml.h)
// holding \_S3_ and \_S5_, and the MADT. A pure builder, like the MP table: bytes for a base
// address; no KVM.
//
// What the tables describe:
// - PM1a event block at port 0x600 (4 bytes: status, enable), PM1a control block at 0x604
//   (2 bytes), devices/acpi_pm.h; no PM timer, no GPE blocks, no SMI command port (the platform
//   is always in ACPI mode: PM1a_CNT.SCI_EN reads 1); SCI on ISA IRQ 9, level, active high;
// - \_S5_ = {5, 0, 0, 0} and \_S3_ = {3, 0, 0, 0}: SLP_TYP 5 is power-off, 3 sleep;
// - the reset register is the i8042's (0xFE to port 0x64), the boot architecture flags say
//   8042 present, no VGA, no CMOS RTC;
// - MADT: one enabled local APIC per vCPU (processor UID = APIC ID = index), the IOAPIC at
//   0xFEC00000 with ID = vCPU count and GSI base 0 (as in the MP table), ISA overrides IRQ 0 ->
//   GSI 2 and IRQ 9 -> GSI 9 level/active high, LINT1 of every processor is NMI; PCAT_COMPAT
//   (the in-kernel 8259 PICs exist).
#pragma once

#include <cstdint>
#include <vector>

namespace svmm {

class GuestMemory;

// In the BIOS area reserved by the memory map (0xE0000-0xFFFFF), below the MP table at 0xF0000;
// the RSDP comes first, on a 16-byte boundary, where OSes scan for it.
inline constexpr uint64_t kAcpiTablesAddr = 0xE0000;
inline constexpr uint64_t kAcpiTablesMaxSize = 0x10000;  // up to the MP table

inline constexpr uint16_t kAcpiSciIrq = 9;
// SLP_TYP values of \_S5_ and \_S3_ (devices/acpi_pm.h decodes them).
inline constexpr uint8_t kAcpiSlpTypS5 = 5;
inline constexpr uint8_t kAcpiSlpTypS3 = 3;

struct AcpiTables {
  uint64_t base = 0;
  std::vector<uint8_t> bytes;  // to be written at `base`
  // Guest-physical addresses of each table (inside [base, base + bytes.size())).
  uint64_t rsdp = 0, rsdt = 0, xsdt = 0, fadt = 0, facs = 0, dsdt = 0, madt = 0;
};

// Every table with its checksum. Throws InternalError if `vcpu_count` is 0 or above 255 (APIC
// IDs are 8 bits) or the tables would not fit below the MP table.
[[nodiscard]] AcpiTables build_acpi_tables(uint64_t base, uint32_t vcpu_count);
// The DSDT alone (header and AML), for tests.
[[nodiscard]] std::vector<uint8_t> build_dsdt();

// Writes the tables at kAcpiTablesAddr and returns the RSDP's guest-physical address (for PVH
// rsdp_paddr and Linux boot_params.acpi_rsdp_addr). Throws InternalError if memory refuses.
[[nodiscard]] uint64_t write_acpi_tables(GuestMemory& memory, uint32_t vcpu_count);

}  // namespace svmm
