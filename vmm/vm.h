// One KVM VM: its fd, RAM, buses, in-kernel irqchip/PIT and vCPU threads. The guest OS and
// each trusted VM are one Vm each (spec/README.md); the Machine and the SecureMonitor own them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vmm/bus/bus.h"
#include "vmm/bus/requester.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/vm_fd.h"
#include "vmm/memory/guest_memory.h"
#include "vmm/vcpu_group.h"
#include "vmm/x86/cpuid.h"
#include "vmm/x86/vcpu_setup.h"

namespace svmm {

struct VmSpec {
  std::string name;  // "guest OS", "trusted VM 0 (vault)": for messages
  RequesterRole role = RequesterRole::GuestOs;
  uint32_t vm_index = 0;  // 0 guest OS, 1 + n trusted VM n
  uint32_t vcpus = 1;
  uint64_t memory_mib = 64;
  MemoryProtection protection = MemoryProtection::Normal;
  SvmmCpuidInfo cpuid;
  // The in-kernel PIT: the guest OS has one (spec/guest-abi.md section 3); trusted VMs do not
  // need it, and creating and destroying it costs a launch and a teardown milliseconds.
  bool pit = true;
};

class Vm final : public VcpuObserver {
 public:
  using StopHandler = std::function<void(const VmStop&)>;

  // Creates the KVM VM, its irqchip and PIT, and its RAM. vCPUs come with create_vcpus().
  Vm(const Kvm& kvm, VmSpec spec, StopHandler on_stop);
  ~Vm() override;
  Vm(const Vm&) = delete;
  Vm& operator=(const Vm&) = delete;

  // Creates every vCPU: CPUID, MSRs, FPU, LAPIC LINTs; vCPU 0 (the bootstrap processor) gets
  // the entry state (32-bit protected mode or long mode), the others wait for
  // INIT/SIPI in the in-kernel LAPIC. Freezes the buses: devices must be attached before.
  void create_vcpus(const Kvm& kvm, const EntryState& entry, HypercallHandler* hypercalls = nullptr);
  void start();
  // Ends the vCPU threads (does not wait; safe from a vCPU thread).
  void request_stop();
  // Ends and joins the vCPU threads.
  void stop();

  [[nodiscard]] const VmSpec& spec() const { return spec_; }
  [[nodiscard]] VmFd& fd() { return fd_; }
  [[nodiscard]] GuestMemory& memory() { return memory_; }
  [[nodiscard]] PioBus& pio() { return pio_; }
  [[nodiscard]] MmioBus& mmio() { return mmio_; }
  [[nodiscard]] VcpuGroup& vcpus() { return vcpus_; }
  [[nodiscard]] Requester requester(uint32_t vcpu) const;

  void vcpu_stopped_vm(const VmStop& stop) override;

 private:
  VmSpec spec_;
  StopHandler on_stop_;
  VmFd fd_;  // declared before memory_: slots are removed before the VM fd closes
  GuestMemory memory_;
  PioBus pio_;
  MmioBus mmio_;
  VcpuGroup vcpus_;  // declared last: its threads stop before buses and memory go away
};

}  // namespace svmm
