#include "vmm/x86/acpi.h"

#include <cstddef>
#include <cstring>
#include <string>

#include "protocol/acpi.h"
#include "protocol/memory_map.h"
#include "vmm/memory/guest_memory.h"
#include "vmm/util/error.h"
#include "vmm/x86/aml.h"
#include "vmm/x86/mptable.h"
#include "vmm/x86/table_bytes.h"

namespace svmm {

namespace {

// Layouts from ACPI 6.5 chapter 5 (also ACPICA's actbl*.h).
#pragma pack(push, 1)
struct Rsdp {         // 5.2.5.3
  char signature[8];  // "RSD PTR "
  uint8_t checksum;   // of the first 20 bytes
  char oem_id[6];
  uint8_t revision;  // 2: ACPI 2.0+
  uint32_t rsdt_address;
  uint32_t length;  // of the whole structure, 36
  uint64_t xsdt_address;
  uint8_t extended_checksum;  // of all 36 bytes
  uint8_t reserved[3];
};
struct Header {  // 5.2.6
  char signature[4];
  uint32_t length;
  uint8_t revision;
  uint8_t checksum;
  char oem_id[6];
  char oem_table_id[8];
  uint32_t oem_revision;
  char creator_id[4];
  uint32_t creator_revision;
};
struct Gas {         // 5.2.3.2 generic address structure
  uint8_t space_id;  // 1 system I/O
  uint8_t bit_width;
  uint8_t bit_offset;
  uint8_t access_size;  // 0 undefined, 1 byte, 2 word, 3 dword, 4 qword
  uint64_t address;
};
struct Fadt {  // 5.2.9, revision 6
  Header header;
  uint32_t firmware_ctrl;
  uint32_t dsdt;
  uint8_t reserved0;
  uint8_t preferred_pm_profile;
  uint16_t sci_int;
  uint32_t smi_cmd;
  uint8_t acpi_enable;
  uint8_t acpi_disable;
  uint8_t s4bios_req;
  uint8_t pstate_cnt;
  uint32_t pm1a_evt_blk;
  uint32_t pm1b_evt_blk;
  uint32_t pm1a_cnt_blk;
  uint32_t pm1b_cnt_blk;
  uint32_t pm2_cnt_blk;
  uint32_t pm_tmr_blk;
  uint32_t gpe0_blk;
  uint32_t gpe1_blk;
  uint8_t pm1_evt_len;
  uint8_t pm1_cnt_len;
  uint8_t pm2_cnt_len;
  uint8_t pm_tmr_len;
  uint8_t gpe0_blk_len;
  uint8_t gpe1_blk_len;
  uint8_t gpe1_base;
  uint8_t cst_cnt;
  uint16_t p_lvl2_lat;
  uint16_t p_lvl3_lat;
  uint16_t flush_size;
  uint16_t flush_stride;
  uint8_t duty_offset;
  uint8_t duty_width;
  uint8_t day_alrm;
  uint8_t mon_alrm;
  uint8_t century;
  uint16_t iapc_boot_arch;
  uint8_t reserved1;
  uint32_t flags;
  Gas reset_reg;
  uint8_t reset_value;
  uint16_t arm_boot_arch;
  uint8_t minor_version;
  uint64_t x_firmware_ctrl;
  uint64_t x_dsdt;
  Gas x_pm1a_evt_blk;
  Gas x_pm1b_evt_blk;
  Gas x_pm1a_cnt_blk;
  Gas x_pm1b_cnt_blk;
  Gas x_pm2_cnt_blk;
  Gas x_pm_tmr_blk;
  Gas x_gpe0_blk;
  Gas x_gpe1_blk;
  Gas sleep_control_reg;
  Gas sleep_status_reg;
  uint64_t hypervisor_vendor_id;
};
struct Facs {         // 5.2.10
  char signature[4];  // "FACS"
  uint32_t length;    // 64
  uint32_t hardware_signature;
  uint32_t firmware_waking_vector;
  uint32_t global_lock;
  uint32_t flags;
  uint64_t x_firmware_waking_vector;
  uint8_t version;  // 2
  uint8_t reserved0[3];
  uint32_t ospm_flags;
  uint8_t reserved1[24];
};
struct MadtHeader {  // 5.2.12
  Header header;
  uint32_t lapic_address;
  uint32_t flags;  // bit 0 PCAT_COMPAT
};
struct MadtLapic {  // 5.2.12.2, type 0
  uint8_t type;
  uint8_t length;  // 8
  uint8_t processor_uid;
  uint8_t apic_id;
  uint32_t flags;  // bit 0 enabled
};
struct MadtIoApic {  // 5.2.12.3, type 1
  uint8_t type;
  uint8_t length;  // 12
  uint8_t ioapic_id;
  uint8_t reserved;
  uint32_t address;
  uint32_t gsi_base;
};
struct MadtOverride {  // 5.2.12.5, type 2
  uint8_t type;
  uint8_t length;  // 10
  uint8_t bus;     // 0 ISA
  uint8_t source;  // ISA IRQ
  uint32_t gsi;
  uint16_t flags;  // bits 1-0 polarity, 3-2 trigger mode
};
struct MadtLapicNmi {  // 5.2.12.7, type 4
  uint8_t type;
  uint8_t length;         // 6
  uint8_t processor_uid;  // 0xFF: all processors
  uint16_t flags;
  uint8_t lint;
};
#pragma pack(pop)
static_assert(sizeof(Rsdp) == 36);
static_assert(sizeof(Header) == 36);
static_assert(sizeof(Gas) == 12);
static_assert(offsetof(Fadt, flags) == 112);
static_assert(offsetof(Fadt, reset_reg) == 116);
static_assert(offsetof(Fadt, minor_version) == 131);
static_assert(offsetof(Fadt, x_dsdt) == 140);
static_assert(offsetof(Fadt, x_pm1a_evt_blk) == 148);
static_assert(offsetof(Fadt, sleep_control_reg) == 244);
static_assert(sizeof(Fadt) == 276);
static_assert(sizeof(Facs) == 64);
static_assert(sizeof(MadtHeader) == 44);
static_assert(sizeof(MadtLapic) == 8);
static_assert(sizeof(MadtIoApic) == 12);
static_assert(sizeof(MadtOverride) == 10);
static_assert(sizeof(MadtLapicNmi) == 6);

constexpr char kOemId[] = "SVMM  ";         // 6 characters
constexpr char kOemTableId[] = "SVMMVMM ";  // 8 characters
constexpr char kCreatorId[] = "SVMM";
constexpr uint32_t kCreatorRevision = 1;

constexpr uint8_t kGasSystemIo = 1;
constexpr uint8_t kGasByteAccess = 1;

// FADT flags (table 5.10).
constexpr uint32_t kFadtWbinvd = 1u << 0;
constexpr uint32_t kFadtProcC1 = 1u << 2;
constexpr uint32_t kFadtPwrButton = 1u << 4;  // set: no fixed-feature power button
constexpr uint32_t kFadtSlpButton = 1u << 5;  // set: no fixed-feature sleep button
constexpr uint32_t kFadtResetRegSup = 1u << 10;
// IA-PC boot architecture flags (table 5.11).
constexpr uint16_t kBootLegacyDevices = 1u << 0;
constexpr uint16_t kBoot8042 = 1u << 1;
constexpr uint16_t kBootVgaNotPresent = 1u << 2;
constexpr uint16_t kBootCmosRtcNotPresent = 1u << 5;

// MADT.
constexpr uint32_t kMadtPcatCompat = 1u << 0;
constexpr uint32_t kLapicEnabled = 1u << 0;
constexpr uint16_t kIntiActiveHigh = 0x1;
constexpr uint16_t kIntiLevel = 0x3 << 2;

using table_bytes::append;
using table_bytes::checksum;

Header header(const char (&signature)[5], uint8_t revision) {
  Header h{};
  std::memcpy(h.signature, signature, 4);
  h.revision = revision;
  std::memcpy(h.oem_id, kOemId, 6);
  std::memcpy(h.oem_table_id, kOemTableId, 8);
  h.oem_revision = 1;
  std::memcpy(h.creator_id, kCreatorId, 4);
  h.creator_revision = kCreatorRevision;
  return h;
}

// Fills in the header's length and checksum of a table that is all of `table`.
void seal(std::vector<uint8_t>& table) {
  const auto length = static_cast<uint32_t>(table.size());
  std::memcpy(table.data() + offsetof(Header, length), &length, sizeof length);
  table[offsetof(Header, checksum)] = 0;
  table[offsetof(Header, checksum)] = checksum(table.data(), table.size());
}

Gas io_gas(uint64_t port, uint8_t bytes, uint8_t access) {
  return Gas{kGasSystemIo, static_cast<uint8_t>(8 * bytes), 0, access, port};
}

std::vector<uint8_t> build_fadt(uint64_t facs, uint64_t dsdt) {
  Fadt f{};
  f.header = header("FACP", 6);
  f.firmware_ctrl = static_cast<uint32_t>(facs);
  f.dsdt = static_cast<uint32_t>(dsdt);
  f.preferred_pm_profile = 0;  // unspecified
  f.sci_int = SVMM_ACPI_SCI_IRQ;
  f.smi_cmd = 0;  // no SMI command port: always in ACPI mode
  f.pm1a_evt_blk = SVMM_PORT_PM1A_EVT;
  f.pm1a_cnt_blk = SVMM_PORT_PM1A_CNT;
  f.pm1_evt_len = SVMM_PM1_EVT_LEN;
  f.pm1_cnt_len = SVMM_PM1_CNT_LEN;
  // No C2/C3 states (latencies above 100/1000 us mean "not supported").
  f.p_lvl2_lat = 101;
  f.p_lvl3_lat = 1001;
  f.iapc_boot_arch = kBootLegacyDevices | kBoot8042 | kBootVgaNotPresent | kBootCmosRtcNotPresent;
  f.flags = kFadtWbinvd | kFadtProcC1 | kFadtPwrButton | kFadtSlpButton | kFadtResetRegSup;
  // The reset register is the i8042's command port: 0xFE pulses the reset line (section 3).
  f.reset_reg = io_gas(SVMM_PORT_I8042_CMD, 1, kGasByteAccess);
  f.reset_value = SVMM_I8042_CMD_RESET;
  f.minor_version = 0;
  f.x_firmware_ctrl = 0;  // FIRMWARE_CTRL is set; only one of the two may be
  f.x_dsdt = dsdt;
  f.x_pm1a_evt_blk = io_gas(SVMM_PORT_PM1A_EVT, SVMM_PM1_EVT_LEN, 0);
  f.x_pm1a_cnt_blk = io_gas(SVMM_PORT_PM1A_CNT, SVMM_PM1_CNT_LEN, 0);
  std::vector<uint8_t> out;
  append(out, f);
  seal(out);
  return out;
}

std::vector<uint8_t> build_facs() {
  Facs f{};
  std::memcpy(f.signature, "FACS", 4);
  f.length = sizeof(Facs);
  f.version = 2;
  std::vector<uint8_t> out;
  append(out, f);
  return out;  // no checksum field
}

std::vector<uint8_t> build_madt(uint32_t vcpu_count) {
  MadtHeader m{};
  m.header = header("APIC", 5);
  m.lapic_address = static_cast<uint32_t>(SVMM_MMIO_LAPIC);
  m.flags = kMadtPcatCompat;
  std::vector<uint8_t> out;
  append(out, m);
  for (uint32_t i = 0; i < vcpu_count; ++i) {
    MadtLapic l{0, sizeof(MadtLapic), static_cast<uint8_t>(i), static_cast<uint8_t>(i),
                kLapicEnabled};
    append(out, l);
  }
  // The IOAPIC's ID follows the processors', as in the MP table.
  MadtIoApic io{1,
                sizeof(MadtIoApic),
                static_cast<uint8_t>(vcpu_count),
                0,
                static_cast<uint32_t>(SVMM_MMIO_IOAPIC),
                0};
  append(out, io);
  // ISA IRQ 0 (the PIT) is wired to IOAPIC pin 2, as on PC hardware and in KVM's routing.
  MadtOverride pit{2, sizeof(MadtOverride), 0, 0, 2, 0};
  append(out, pit);
  MadtOverride sci{2,
                   sizeof(MadtOverride),
                   0,
                   SVMM_ACPI_SCI_IRQ,
                   SVMM_ACPI_SCI_IRQ,
                   static_cast<uint16_t>(kIntiActiveHigh | kIntiLevel)};
  append(out, sci);
  MadtLapicNmi nmi{4, sizeof(MadtLapicNmi), 0xFF, 0, 1};
  append(out, nmi);
  seal(out);
  return out;
}

std::vector<uint8_t> build_sdt(const char (&signature)[5], const std::vector<uint64_t>& tables,
                               size_t entry_size) {
  std::vector<uint8_t> out;
  append(out, header(signature, 1));
  for (uint64_t t : tables) {
    for (size_t i = 0; i < entry_size; ++i) out.push_back(static_cast<uint8_t>(t >> (8 * i)));
  }
  seal(out);
  return out;
}

// Appends `table` to `blob` at the next multiple of `align`; returns its offset.
size_t place(std::vector<uint8_t>& blob, const std::vector<uint8_t>& table, size_t align) {
  const size_t off = (blob.size() + align - 1) / align * align;
  blob.resize(off, 0);
  blob.insert(blob.end(), table.begin(), table.end());
  return off;
}

}  // namespace

std::vector<uint8_t> build_dsdt() {
  std::vector<uint8_t> out;
  append(out, header("DSDT", 2));  // revision 2: 64-bit integers
  // \_Sx_ packages: {PM1a_CNT.SLP_TYP, PM1b_CNT.SLP_TYP, reserved, reserved} (ACPI 7.4.2).
  auto sleep_package = [](uint8_t slp_typ) {
    return aml::package({aml::integer(slp_typ), aml::integer(0), aml::integer(0), aml::integer(0)});
  };
  const auto s3 = aml::name("\\_S3_", sleep_package(kAcpiSlpTypS3));
  const auto s5 = aml::name("\\_S5_", sleep_package(kAcpiSlpTypS5));
  out.insert(out.end(), s3.begin(), s3.end());
  out.insert(out.end(), s5.begin(), s5.end());
  seal(out);
  return out;
}

AcpiTables build_acpi_tables(uint64_t base, uint32_t vcpu_count) {
  if (vcpu_count == 0 || vcpu_count > 255)
    throw InternalError("ACPI tables: " + std::to_string(vcpu_count) + " vCPUs (1-255)");
  AcpiTables t;
  t.base = base;
  std::vector<uint8_t>& blob = t.bytes;
  // The RSDP first (16-byte aligned at base), filled in last; the FACS 64-byte aligned.
  blob.resize(sizeof(Rsdp), 0);
  t.facs = base + place(blob, build_facs(), 64);
  t.dsdt = base + place(blob, build_dsdt(), 16);
  t.fadt = base + place(blob, build_fadt(t.facs, t.dsdt), 16);
  t.madt = base + place(blob, build_madt(vcpu_count), 16);
  const std::vector<uint64_t> tables = {t.fadt, t.madt};
  t.rsdt = base + place(blob, build_sdt("RSDT", tables, 4), 16);
  t.xsdt = base + place(blob, build_sdt("XSDT", tables, 8), 16);

  Rsdp r{};
  std::memcpy(r.signature, "RSD PTR ", 8);
  std::memcpy(r.oem_id, kOemId, 6);
  r.revision = 2;
  r.rsdt_address = static_cast<uint32_t>(t.rsdt);
  r.length = sizeof(Rsdp);
  r.xsdt_address = t.xsdt;
  r.checksum = checksum(reinterpret_cast<const uint8_t*>(&r), 20);
  r.extended_checksum = checksum(reinterpret_cast<const uint8_t*>(&r), sizeof r);
  std::memcpy(blob.data(), &r, sizeof r);
  t.rsdp = base;

  if (blob.size() > kAcpiTablesMaxSize)
    throw InternalError("ACPI tables: " + std::to_string(blob.size()) + " bytes do not fit");
  return t;
}

uint64_t write_acpi_tables(GuestMemory& memory, uint32_t vcpu_count) {
  static_assert(kAcpiTablesAddr + kAcpiTablesMaxSize <= kMpTableAddr);
  const auto tables = build_acpi_tables(kAcpiTablesAddr, vcpu_count);
  if (!memory.write(GuestAddress(kAcpiTablesAddr), tables.bytes))
    throw InternalError("cannot write the ACPI tables to guest memory");
  return tables.rsdp;
}

}  // namespace svmm
