// The KVM system file descriptor (/dev/kvm): API version, capabilities, supported CPUID,
// MSR lists, VM creation. One ioctl wrapper each, as rust-vmm's kvm-ioctls `Kvm`.
#pragma once

#include "vmm/kvm/linux_kvm.h"

#include <cstdint>
#include <string>
#include <vector>

#include "vmm/util/unique_fd.h"

namespace svmm {

class VmFd;

struct KvmCapability {
  int id;
  const char* name;
};

// The capabilities svmm relies on; missing ones are exit status 4 (spec/control.md).
const std::vector<KvmCapability>& required_capabilities();

class Kvm {
 public:
  // Opens `path`. Missing or not permitted: HostError (exit 4) with a hint.
  explicit Kvm(const std::string& path = default_device());
  // /dev/kvm, or $SVMM_KVM_DEVICE when set (a host with the device elsewhere; tests).
  static std::string default_device();

  [[nodiscard]] int api_version() const;
  [[nodiscard]] int check_extension(int cap) const;
  // Throws HostError naming the first missing capability.
  void check_required_capabilities() const;

  [[nodiscard]] int vcpu_mmap_size() const;
  [[nodiscard]] std::vector<kvm_cpuid_entry2> supported_cpuid() const;
  [[nodiscard]] std::vector<uint32_t> msr_index_list() const;
  [[nodiscard]] std::vector<uint32_t> msr_feature_index_list() const;
  [[nodiscard]] VmFd create_vm() const;
  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
};

}  // namespace svmm
