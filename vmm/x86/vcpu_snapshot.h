// Everything KVM lets us read of a vCPU, captured while the vCPU is parked, and an equality
// diff naming each differing field. The teardown's "state untouched" guarantee
// (spec/guest-abi.md section 6) is checked with it.
#pragma once

#include "vmm/kvm/linux_kvm.h"

#include <cstdint>
#include <string>
#include <vector>

namespace svmm {

class VcpuFd;

struct VcpuSnapshot {
  kvm_regs regs{};
  kvm_sregs sregs{};
  std::vector<uint8_t> xsave;
  kvm_xcrs xcrs{};
  kvm_debugregs debugregs{};
  std::vector<kvm_msr_entry> msrs;
  kvm_lapic_state lapic{};
  kvm_vcpu_events events{};
  kvm_mp_state mp_state{};
};

struct SnapshotOptions {
  uint32_t xsave_size = sizeof(kvm_xsave);  // KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2) when larger
  std::vector<uint32_t> msrs;  // the MSRs to capture (see readable_msrs)
};

[[nodiscard]] VcpuSnapshot take_snapshot(const VcpuFd& vcpu, const SnapshotOptions& options);

// The subset of `candidates` this vCPU can read, probed one by one (done once per machine).
[[nodiscard]] std::vector<uint32_t> readable_msrs(const VcpuFd& vcpu,
                                                  const std::vector<uint32_t>& candidates);

struct DiffOptions {
  // Ignore RAX and RIP (a hypercall caller's result and its advance past the OUT).
  bool ignore_caller_rax_rip = false;
};

// Names of the differing fields, empty when equal. State that time alone changes is exempt:
// the TSC MSRs, APERF/MPERF, and the APIC timer's current count.
[[nodiscard]] std::vector<std::string> diff_snapshots(const VcpuSnapshot& a, const VcpuSnapshot& b,
                                                      const DiffOptions& options = {});

}  // namespace svmm
