#include "vmm/x86/mptable.h"

#include <cstddef>
#include <cstring>

#include "protocol/memory_map.h"
#include "vmm/x86/table_bytes.h"

namespace svmm {

namespace {

// Layouts from the MP specification 1.4, chapter 4 (also Linux asm/mpspec_def.h).
#pragma pack(push, 1)
struct MpFloatingPointer {
  char signature[4];  // "_MP_"
  uint32_t physptr;
  uint8_t length;  // in 16-byte units
  uint8_t specification;
  uint8_t checksum;
  uint8_t feature1;
  uint8_t feature2;
  uint8_t feature3[3];
};
struct MpConfigHeader {
  char signature[4];  // "PCMP"
  uint16_t length;
  uint8_t spec;
  uint8_t checksum;
  char oem[8];
  char product[12];
  uint32_t oem_ptr;
  uint16_t oem_size;
  uint16_t count;
  uint32_t lapic;
  uint32_t reserved;
};
struct MpProcessor {
  uint8_t type;  // 0
  uint8_t apic_id;
  uint8_t apic_version;
  uint8_t cpu_flags;  // bit 0 enabled, bit 1 bootstrap processor
  uint32_t cpu_signature;
  uint32_t feature_flags;
  uint32_t reserved[2];
};
struct MpBus {
  uint8_t type;  // 1
  uint8_t bus_id;
  char bus_type[6];
};
struct MpIoApic {
  uint8_t type;  // 2
  uint8_t apic_id;
  uint8_t apic_version;
  uint8_t flags;  // bit 0 enabled
  uint32_t address;
};
struct MpInterrupt {
  uint8_t type;  // 3 I/O interrupt, 4 local interrupt
  uint8_t irq_type;  // 0 INT, 1 NMI, 3 ExtINT
  uint16_t irq_flags;
  uint8_t src_bus;
  uint8_t src_irq;
  uint8_t dst_apic;
  uint8_t dst_irq;
};
#pragma pack(pop)
static_assert(sizeof(MpFloatingPointer) == 16);
static_assert(sizeof(MpConfigHeader) == 44);
static_assert(sizeof(MpProcessor) == 20);
static_assert(sizeof(MpBus) == 8);
static_assert(sizeof(MpIoApic) == 8);
static_assert(sizeof(MpInterrupt) == 8);

constexpr uint8_t kApicVersion = 0x14;
constexpr uint8_t kIoApicVersion = 0x11;
constexpr uint8_t kIsaIrqs = 16;

using table_bytes::append;
using table_bytes::checksum;

}  // namespace

std::vector<uint8_t> build_mptable(uint64_t base, uint32_t vcpu_count) {
  const uint8_t ioapic_id = static_cast<uint8_t>(vcpu_count);
  std::vector<uint8_t> entries;
  uint16_t count = 0;
  for (uint32_t i = 0; i < vcpu_count; ++i) {
    MpProcessor p{};
    p.type = 0;
    p.apic_id = static_cast<uint8_t>(i);
    p.apic_version = kApicVersion;
    p.cpu_flags = static_cast<uint8_t>(1 | (i == 0 ? 2 : 0));
    p.cpu_signature = 0x600;  // family 6
    p.feature_flags = (1u << 0) | (1u << 9);  // FPU, APIC
    append(entries, p);
    ++count;
  }
  MpBus isa{};
  isa.type = 1;
  isa.bus_id = 0;
  std::memcpy(isa.bus_type, "ISA   ", 6);
  append(entries, isa);
  ++count;
  MpIoApic ioapic{};
  ioapic.type = 2;
  ioapic.apic_id = ioapic_id;
  ioapic.apic_version = kIoApicVersion;
  ioapic.flags = 1;
  ioapic.address = static_cast<uint32_t>(SVMM_MMIO_IOAPIC);
  append(entries, ioapic);
  ++count;
  for (uint8_t irq = 0; irq < kIsaIrqs; ++irq) {
    MpInterrupt e{};
    e.type = 3;
    e.irq_type = 0;  // INT
    e.src_bus = 0;
    e.src_irq = irq;
    e.dst_apic = ioapic_id;
    // ISA IRQ 0 (PIT) is wired to IOAPIC pin 2, as on PC hardware and KVM's irqchip routing.
    e.dst_irq = irq == 0 ? 2 : irq;
    append(entries, e);
    ++count;
  }
  MpInterrupt lint0{};
  lint0.type = 4;
  lint0.irq_type = 3;  // ExtINT
  lint0.dst_apic = 0xFF;
  lint0.dst_irq = 0;
  append(entries, lint0);
  MpInterrupt lint1{};
  lint1.type = 4;
  lint1.irq_type = 1;  // NMI
  lint1.dst_apic = 0xFF;
  lint1.dst_irq = 1;
  append(entries, lint1);
  count += 2;

  MpConfigHeader hdr{};
  std::memcpy(hdr.signature, "PCMP", 4);
  hdr.length = static_cast<uint16_t>(sizeof(MpConfigHeader) + entries.size());
  hdr.spec = 4;
  std::memcpy(hdr.oem, "SVMM    ", 8);
  std::memcpy(hdr.product, "SVMM        ", 12);
  hdr.count = count;
  hdr.lapic = static_cast<uint32_t>(SVMM_MMIO_LAPIC);

  std::vector<uint8_t> config;
  append(config, hdr);
  config.insert(config.end(), entries.begin(), entries.end());
  config[offsetof(MpConfigHeader, checksum)] = checksum(config.data(), config.size());

  MpFloatingPointer fp{};
  std::memcpy(fp.signature, "_MP_", 4);
  fp.physptr = static_cast<uint32_t>(base + sizeof(MpFloatingPointer));
  fp.length = 1;
  fp.specification = 4;
  fp.checksum = checksum(reinterpret_cast<const uint8_t*>(&fp), sizeof fp);

  std::vector<uint8_t> out;
  append(out, fp);
  out.insert(out.end(), config.begin(), config.end());
  return out;
}

}  // namespace svmm
