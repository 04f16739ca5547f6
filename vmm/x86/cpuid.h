// The CPUID a vCPU sees (spec/guest-abi.md section 4): the host's KVM-supported leaves, KVM's
// paravirtual leaves at 0x40000000, and svmm's leaves at 0x40000100.
#pragma once

#include "vmm/kvm/linux_kvm.h"

#include <cstdint>
#include <vector>

namespace svmm {

struct SvmmCpuidInfo {
  uint32_t features = 0;  // SVMM_CPUID_FEATURE_* bits
  uint32_t vm_index = 0;  // 0 guest OS, 1 + n trusted VM n
};

[[nodiscard]] std::vector<kvm_cpuid_entry2> build_cpuid(
    const std::vector<kvm_cpuid_entry2>& supported, uint32_t vcpu_index, uint32_t vcpu_count,
    const SvmmCpuidInfo& info);

}  // namespace svmm
