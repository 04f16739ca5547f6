// The vCPUs of one VM and the park/resume/stop protocol over them.
//
// park: every vCPU thread is asked to leave guest mode (immediate_exit + a signal), completes
// any pending I/O with one KVM_RUN that runs no guest instruction, and waits; park() returns
// once all have done so. resume: they re-enter the guest. No guest instruction of this VM runs
// between park() returning and resume().
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "vmm/vcpu.h"

namespace svmm {

class VcpuGroup {
 public:
  VcpuGroup() = default;
  ~VcpuGroup();
  VcpuGroup(const VcpuGroup&) = delete;
  VcpuGroup& operator=(const VcpuGroup&) = delete;

  void add(std::unique_ptr<Vcpu> vcpu);
  void start();

  // Non-blocking request, then a wait: lets a caller park several groups concurrently.
  void request_park();
  void wait_parked();
  void park() {
    request_park();
    wait_parked();
  }
  // Releases one park; the vCPUs re-enter the guest once no park is held.
  void resume();
  [[nodiscard]] bool parked() const;

  // A vCPU thread that blocks outside guest mode on the monitor (a hypercall waiting for a
  // teardown, say) counts as parked meanwhile, so a freeze never waits for it. While held, its
  // state is stable: it runs no guest code and its registers are not changed.
  class Hold {
   public:
    explicit Hold(VcpuGroup& group);
    ~Hold();
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;

   private:
    VcpuGroup& group_;
  };

  // Asks every vCPU thread to end (safe from a vCPU thread: does not wait).
  void request_stop();
  // Stops every vCPU thread for good and joins them. Idempotent; not from a vCPU thread.
  void stop();
  [[nodiscard]] bool stopping() const;

  [[nodiscard]] size_t size() const { return vcpus_.size(); }
  [[nodiscard]] Vcpu& vcpu(size_t i) { return *vcpus_.at(i); }

 private:
  friend class Vcpu;
  // vCPU-thread side. Returns false when the thread must end.
  bool checkpoint(Vcpu& vcpu);
  void thread_exited();

  std::vector<std::unique_ptr<Vcpu>> vcpus_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  // Parks nest: a user's `pause` and a teardown's freeze each hold one; the vCPUs run again
  // when every holder has resumed.
  uint32_t park_requests_ = 0;
  bool stop_requested_ = false;
  bool joined_ = false;
  uint32_t parked_ = 0;   // threads waiting in checkpoint()
  uint32_t running_ = 0;  // threads alive
};

// Installs the (empty) handler of the signal used to kick vCPU threads out of KVM_RUN.
void install_vcpu_kick_signal();
int vcpu_kick_signal();

}  // namespace svmm
