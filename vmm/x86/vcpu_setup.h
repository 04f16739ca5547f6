// Architectural reset state for a vCPU at a 32-bit protected-mode entry (PVH, Multiboot) or a
// 64-bit long-mode entry (Linux), MSRs, FPU and local APIC LINT set-up (as Firecracker's
// arch/x86_64/regs.rs and interrupts.rs do).
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

namespace svmm {

class VcpuFd;

// Long mode with paging (the Linux 64-bit boot protocol, Documentation/arch/x86/boot.rst):
// CR0 = PE | PG, CR4 = PAE, EFER = LME | LMA, CR3 the guest's identity-mapped page tables,
// CS a flat 64-bit code segment, DS/ES/FS/GS/SS flat data, IF = 0.
struct Entry64 {
  uint64_t rip = 0;
  uint64_t rsi = 0;
  uint64_t rsp = 0;
  uint64_t cr3 = 0;
  uint64_t gdt_base = 0;
  uint16_t gdt_limit = 0;
  uint16_t cs = 0;  // selectors of the guest's GDT at gdt_base
  uint16_t ds = 0;
  uint16_t tr = 0;
};

// 32-bit protected mode (PVH, Multiboot): EIP and the two registers the protocols hand over.
struct Entry32 {
  uint32_t eip = 0;
  uint32_t eax = 0;
  uint32_t ebx = 0;
};

// The bootstrap processor's entry state, as the boot protocol chose it.
using EntryState = std::variant<Entry32, Entry64>;

// CR0 = PE, paging off, flat 4 GiB CS/DS/ES/SS, TR a 32-bit TSS, IF = 0 (spec guest-abi.md 1).
void setup_entry32(const VcpuFd& vcpu, const Entry32& entry);
void setup_entry64(const VcpuFd& vcpu, const Entry64& entry);
// Whichever of the two `entry` holds.
void setup_entry(const VcpuFd& vcpu, const EntryState& entry);
// MSRs a freshly created vCPU should have (SYSENTER, syscall MSRs, MISC_ENABLE, MTRR default).
void setup_msrs(const VcpuFd& vcpu);
// x87 control word and MXCSR reset values.
void setup_fpu(const VcpuFd& vcpu);
// LINT0 as ExtINT (the PIC), LINT1 as NMI: the wiring an MP-table guest expects.
void setup_lapic_lints(const VcpuFd& vcpu);

}  // namespace svmm
