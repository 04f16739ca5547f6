// A KVM vCPU file descriptor and its mmapped kvm_run page. Every vCPU ioctl is wrapped here.
#pragma once

#include "vmm/kvm/linux_kvm.h"

#include <cstdint>
#include <vector>

#include "vmm/util/unique_fd.h"
#include "vmm/kvm/vcpu_exit.h"

namespace svmm {

class VcpuFd {
 public:
  VcpuFd(UniqueFd fd, int mmap_size);
  VcpuFd(VcpuFd&& o) noexcept;
  VcpuFd& operator=(VcpuFd&&) = delete;
  VcpuFd(const VcpuFd&) = delete;
  VcpuFd& operator=(const VcpuFd&) = delete;
  ~VcpuFd();

  // One KVM_RUN. EINTR/EAGAIN become exit::Interrupted; other errors throw KvmError.
  [[nodiscard]] VcpuExit run();

  // immediate_exit may be set from any thread to make the next (or current, with a signal)
  // KVM_RUN return at once (KVM_CAP_IMMEDIATE_EXIT).
  void set_immediate_exit(bool on);
  // Asks KVM to copy the segment registers into kvm_run at every exit (KVM_CAP_SYNC_REGS), so
  // that the requester's CPL of a PIO/MMIO exit costs no extra ioctl.
  void enable_sync_sregs();
  // The current privilege level (SS.DPL) at the last exit: from the synced copy when enabled,
  // else through KVM_GET_SREGS.
  [[nodiscard]] uint8_t cpl() const;
  // Overwrites the kvm_run page (teardown scrubs buffers that carried guest data).
  void zero_run_page();

  [[nodiscard]] kvm_regs get_regs() const;
  void set_regs(const kvm_regs& regs) const;
  [[nodiscard]] kvm_sregs get_sregs() const;
  void set_sregs(const kvm_sregs& sregs) const;
  [[nodiscard]] kvm_fpu get_fpu() const;
  void set_fpu(const kvm_fpu& fpu) const;
  // The XSAVE area (KVM_GET_XSAVE2 when the host's area is larger than 4 KiB).
  [[nodiscard]] std::vector<uint8_t> get_xsave(uint32_t xsave_size) const;
  [[nodiscard]] kvm_xcrs get_xcrs() const;
  [[nodiscard]] kvm_debugregs get_debugregs() const;
  [[nodiscard]] kvm_lapic_state get_lapic() const;
  void set_lapic(const kvm_lapic_state& lapic) const;
  [[nodiscard]] kvm_vcpu_events get_vcpu_events() const;
  [[nodiscard]] kvm_mp_state get_mp_state() const;
  void set_mp_state(const kvm_mp_state& state) const;
  // Reads the given MSRs; returns the entries KVM filled (it stops at the first it cannot read).
  [[nodiscard]] std::vector<kvm_msr_entry> get_msrs(const std::vector<uint32_t>& indices) const;
  void set_msrs(const std::vector<kvm_msr_entry>& entries) const;
  void set_cpuid2(const std::vector<kvm_cpuid_entry2>& entries) const;

  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
  kvm_run* run_ = nullptr;
  int mmap_size_ = 0;
  bool sync_sregs_ = false;
};

}  // namespace svmm
