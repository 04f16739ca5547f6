// One vCPU thread: runs KVM_RUN, dispatches PIO/MMIO exits to the VM's buses with the
// requester attached, and reports guest-ending exits to its VM. Parking, resuming and stopping
// are coordinated by the VcpuGroup it belongs to.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "vmm/bus/bus.h"
#include "vmm/bus/requester.h"
#include "vmm/hypercall_handler.h"
#include "vmm/kvm/vcpu_fd.h"

namespace svmm {

class VcpuGroup;

// Why a VM stopped running guest code. Odd exit statuses come from the guest.
struct VmStop {
  int exit_status = 0;
  std::string reason;  // for logs and the GUEST_SHUTDOWN / SHUTDOWN events
};

// What a vCPU reports upwards; implemented by the VM.
class VcpuObserver {
 public:
  virtual ~VcpuObserver() = default;
  virtual void vcpu_stopped_vm(const VmStop& stop) = 0;
};

class Vcpu {
 public:
  Vcpu(VcpuFd fd, Requester requester, const PioBus& pio, const MmioBus& mmio, VcpuGroup& group,
       VcpuObserver& observer, HypercallHandler* hypercalls = nullptr);
  ~Vcpu();
  Vcpu(const Vcpu&) = delete;
  Vcpu& operator=(const Vcpu&) = delete;

  void start();
  void join();
  // The vCPU whose thread is calling, or nullptr on any other thread.
  [[nodiscard]] static Vcpu* current();
  // Makes the vCPU leave guest mode as soon as possible (any thread).
  void kick();

  [[nodiscard]] VcpuFd& fd() { return fd_; }
  [[nodiscard]] const Requester& requester() const { return requester_; }
  [[nodiscard]] uint32_t index() const { return requester_.vcpu_index; }
  // Number of exits handled (statistics, benchmarks).
  [[nodiscard]] uint64_t exit_count() const { return exits_.load(std::memory_order_relaxed); }
  [[nodiscard]] VcpuGroup& group() { return group_; }

 private:
  void thread_main();
  // Returns false when the vCPU must stop running.
  bool handle_exit(const VcpuExit& exit);
  bool crash(const std::string& what);
  // A 32-bit OUT to the hypercall port; returns false when the vCPU must stop.
  bool port_hypercall();
  void complete_pending_io();

  VcpuFd fd_;
  Requester requester_;
  const PioBus& pio_;
  const MmioBus& mmio_;
  VcpuGroup& group_;
  VcpuObserver& observer_;
  HypercallHandler* hypercalls_;
  std::thread thread_;
  std::atomic<pthread_t> native_{};
  std::atomic<bool> has_thread_{false};
  std::atomic<uint64_t> exits_{0};
  friend class VcpuGroup;
};

}  // namespace svmm
