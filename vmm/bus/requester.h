// Who issued a bus access (spec/README.md "requester"). Every PIO/MMIO access carries one,
// so devices such as the chipset can apply per-requester rules (seed 0022-0030).
#pragma once

#include <cstdint>

namespace svmm {

enum class RequesterRole : uint8_t { GuestOs, TrustedVm, Monitor };

struct Requester {
  RequesterRole role = RequesterRole::Monitor;
  uint32_t vm_index = 0;    // 0 guest OS, 1 + n trusted VM n (spec/guest-abi.md section 4)
  uint32_t vcpu_index = 0;  // index of the vCPU inside its VM
  uint8_t cpl = 0;          // current privilege level at the time of the access

  static constexpr Requester monitor() { return {}; }
  static constexpr Requester guest_os(uint32_t vcpu, uint8_t cpl = 0) {
    return {RequesterRole::GuestOs, 0, vcpu, cpl};
  }
  static constexpr Requester trusted_vm(uint32_t n, uint32_t vcpu, uint8_t cpl = 0) {
    return {RequesterRole::TrustedVm, 1 + n, vcpu, cpl};
  }
};

}  // namespace svmm
