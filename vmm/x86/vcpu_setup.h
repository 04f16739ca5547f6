// Architectural reset state for a vCPU at a 32-bit protected-mode entry (PVH, Multiboot), MSRs,
// FPU and local APIC LINT set-up (as Firecracker's arch/x86_64/regs.rs and interrupts.rs do).
#pragma once

#include <cstdint>
#include <vector>

namespace svmm {

class VcpuFd;

struct Entry32 {
  uint32_t eip = 0;
  uint32_t eax = 0;
  uint32_t ebx = 0;
};

// CR0 = PE, paging off, flat 4 GiB CS/DS/ES/SS, TR a 32-bit TSS, IF = 0 (spec guest-abi.md 1).
void setup_entry32(const VcpuFd& vcpu, const Entry32& entry);
// MSRs a freshly created vCPU should have (SYSENTER, syscall MSRs, MISC_ENABLE, MTRR default).
void setup_msrs(const VcpuFd& vcpu);
// x87 control word and MXCSR reset values.
void setup_fpu(const VcpuFd& vcpu);
// LINT0 as ExtINT (the PIC), LINT1 as NMI: the wiring an MP-table guest expects.
void setup_lapic_lints(const VcpuFd& vcpu);

}  // namespace svmm
