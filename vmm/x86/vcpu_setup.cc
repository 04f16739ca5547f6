#include "vmm/x86/vcpu_setup.h"

#include <cstring>

#include "vmm/kvm/vcpu_fd.h"
#include "vmm/x86/boot_gdt.h"

namespace svmm {

namespace {

kvm_segment flat_segment(uint16_t selector, uint8_t type) {
  kvm_segment s{};
  s.base = 0;
  s.limit = 0xFFFFFFFF;
  s.selector = selector;
  s.type = type;
  s.present = 1;
  s.dpl = 0;
  s.db = 1;
  s.s = 1;
  s.l = 0;
  s.g = 1;
  return s;
}

constexpr uint64_t kCr0Pe = 1ull << 0;
constexpr uint64_t kCr0Et = 1ull << 4;
constexpr uint64_t kCr0Pg = 1ull << 31;
constexpr uint64_t kCr4Pae = 1ull << 5;
constexpr uint64_t kEferLme = 1ull << 8;
constexpr uint64_t kEferLma = 1ull << 10;

constexpr uint32_t kMsrSysenterCs = 0x174;
constexpr uint32_t kMsrSysenterEsp = 0x175;
constexpr uint32_t kMsrSysenterEip = 0x176;
constexpr uint32_t kMsrStar = 0xC0000081;
constexpr uint32_t kMsrLstar = 0xC0000082;
constexpr uint32_t kMsrCstar = 0xC0000083;
constexpr uint32_t kMsrSyscallMask = 0xC0000084;
constexpr uint32_t kMsrKernelGsBase = 0xC0000102;
constexpr uint32_t kMsrMiscEnable = 0x1A0;
constexpr uint64_t kMiscEnableFastStrings = 1;
constexpr uint32_t kMsrMtrrDefType = 0x2FF;
constexpr uint64_t kMtrrEnable = 1ull << 11;
constexpr uint64_t kMtrrTypeWriteBack = 6;

constexpr uint32_t kApicLvtLint0 = 0x350;
constexpr uint32_t kApicLvtLint1 = 0x360;
constexpr uint32_t kApicModeNmi = 0x4;
constexpr uint32_t kApicModeExtInt = 0x7;

uint32_t apic_reg(const kvm_lapic_state& s, uint32_t off) {
  uint32_t v;
  std::memcpy(&v, s.regs + off, sizeof v);
  return v;
}
void set_apic_reg(kvm_lapic_state& s, uint32_t off, uint32_t v) {
  std::memcpy(s.regs + off, &v, sizeof v);
}
uint32_t set_delivery_mode(uint32_t reg, uint32_t mode) {
  return (reg & ~0x700u) | (mode << 8);
}

}  // namespace

void setup_entry(const VcpuFd& vcpu, const EntryState& entry) {
  if (const auto* e64 = std::get_if<Entry64>(&entry))
    setup_entry64(vcpu, *e64);
  else
    setup_entry32(vcpu, std::get<Entry32>(entry));
}

void setup_entry32(const VcpuFd& vcpu, const Entry32& entry) {
  kvm_sregs sregs = vcpu.get_sregs();
  sregs.cs = flat_segment(kBootCodeSelector, 0xB);  // execute/read, accessed
  kvm_segment data = flat_segment(kBootDataSelector, 0x3);  // read/write, accessed
  sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
  sregs.tr = {};
  sregs.tr.selector = kBootTssSelector;
  sregs.tr.limit = 0x67;
  sregs.tr.type = 0xB;  // 32-bit busy TSS
  sregs.tr.present = 1;
  sregs.ldt = {};
  sregs.ldt.type = 0x2;
  sregs.ldt.present = 1;
  sregs.ldt.limit = 0xFFFF;
  sregs.gdt.base = kBootGdtAddr;
  sregs.gdt.limit = sizeof(kBootGdt) - 1;
  sregs.idt.base = 0;
  sregs.idt.limit = 0;
  sregs.cr0 = 0x1;  // PE; paging off
  sregs.cr3 = 0;
  sregs.cr4 = 0;
  sregs.efer = 0;
  vcpu.set_sregs(sregs);

  kvm_regs regs{};
  regs.rflags = 0x2;  // reserved bit 1; IF = 0
  regs.rip = entry.eip;
  regs.rax = entry.eax;
  regs.rbx = entry.ebx;
  vcpu.set_regs(regs);
}

void setup_entry64(const VcpuFd& vcpu, const Entry64& entry) {
  kvm_sregs sregs = vcpu.get_sregs();
  sregs.cs = flat_segment(entry.cs, 0xB);  // execute/read, accessed
  sregs.cs.l = 1;                          // 64-bit code: L = 1 requires D = 0
  sregs.cs.db = 0;
  kvm_segment data = flat_segment(entry.ds, 0x3);  // read/write, accessed
  sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
  sregs.tr = {};
  sregs.tr.selector = entry.tr;
  sregs.tr.limit = 0x67;
  sregs.tr.type = 0xB;  // busy 64-bit TSS (required in IA-32e mode)
  sregs.tr.present = 1;
  sregs.ldt = {};
  sregs.ldt.type = 0x2;
  sregs.ldt.present = 1;
  sregs.ldt.limit = 0xFFFF;
  sregs.gdt.base = entry.gdt_base;
  sregs.gdt.limit = entry.gdt_limit;
  sregs.idt.base = 0;
  sregs.idt.limit = 0;
  sregs.cr0 = kCr0Pe | kCr0Et | kCr0Pg;
  sregs.cr3 = entry.cr3;
  sregs.cr4 = kCr4Pae;
  sregs.efer = kEferLme | kEferLma;
  vcpu.set_sregs(sregs);

  kvm_regs regs{};
  regs.rflags = 0x2;  // reserved bit 1; IF = 0
  regs.rip = entry.rip;
  regs.rsi = entry.rsi;
  regs.rsp = entry.rsp;
  vcpu.set_regs(regs);
}

void setup_msrs(const VcpuFd& vcpu) {
  std::vector<kvm_msr_entry> msrs;
  auto add = [&](uint32_t index, uint64_t data) {
    kvm_msr_entry e{};
    e.index = index;
    e.data = data;
    msrs.push_back(e);
  };
  add(kMsrSysenterCs, 0);
  add(kMsrSysenterEsp, 0);
  add(kMsrSysenterEip, 0);
  add(kMsrStar, 0);
  add(kMsrCstar, 0);
  add(kMsrKernelGsBase, 0);
  add(kMsrSyscallMask, 0);
  add(kMsrLstar, 0);
  add(kMsrMiscEnable, kMiscEnableFastStrings);
  add(kMsrMtrrDefType, kMtrrEnable | kMtrrTypeWriteBack);
  vcpu.set_msrs(msrs);
}

void setup_fpu(const VcpuFd& vcpu) {
  kvm_fpu fpu{};
  fpu.fcw = 0x37F;
  fpu.mxcsr = 0x1F80;
  vcpu.set_fpu(fpu);
}

void setup_lapic_lints(const VcpuFd& vcpu) {
  kvm_lapic_state s = vcpu.get_lapic();
  set_apic_reg(s, kApicLvtLint0, set_delivery_mode(apic_reg(s, kApicLvtLint0), kApicModeExtInt));
  set_apic_reg(s, kApicLvtLint1, set_delivery_mode(apic_reg(s, kApicLvtLint1), kApicModeNmi));
  vcpu.set_lapic(s);
}

}  // namespace svmm
