#include "vmm/x86/cpuid.h"

#include "protocol/cpuid.h"
#include "protocol/ports.h"

namespace svmm {

namespace {
kvm_cpuid_entry2 leaf(uint32_t function, uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx) {
  kvm_cpuid_entry2 e{};
  e.function = function;
  e.eax = eax;
  e.ebx = ebx;
  e.ecx = ecx;
  e.edx = edx;
  return e;
}
}  // namespace

std::vector<kvm_cpuid_entry2> build_cpuid(const std::vector<kvm_cpuid_entry2>& supported,
                                          uint32_t vcpu_index, uint32_t vcpu_count,
                                          const SvmmCpuidInfo& info) {
  std::vector<kvm_cpuid_entry2> out;
  out.reserve(supported.size() + 2);
  for (auto e : supported) {
    // Leaves in svmm's own range are ours alone.
    if (e.function >= SVMM_CPUID_BASE && e.function <= SVMM_CPUID_BASE + 0xFF) continue;
    switch (e.function) {
      case 0x1:
        // EBX[31:24] initial APIC id, EBX[23:16] logical processors per package.
        e.ebx = (e.ebx & 0x0000FFFFu) | (vcpu_index << 24) | ((vcpu_count & 0xFFu) << 16);
        // HTT: the package holds several logical processors.
        if (vcpu_count > 1) e.edx |= 1u << 28;
        break;
      case 0xB:
      case 0x1F:
        // x2APIC id of this vCPU in every sub-leaf.
        e.edx = vcpu_index;
        break;
      default:
        break;
    }
    out.push_back(e);
  }
  out.push_back(leaf(SVMM_CPUID_BASE, SVMM_CPUID_MAX_LEAF, SVMM_CPUID_SIGNATURE,
                     SVMM_CPUID_SIGNATURE, SVMM_CPUID_SIGNATURE));
  out.push_back(leaf(SVMM_CPUID_INFO, SVMM_ABI_VERSION, info.features, SVMM_PORT_HYPERCALL,
                     info.vm_index));
  return out;
}

}  // namespace svmm
