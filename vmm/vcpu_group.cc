#include "vmm/vcpu_group.h"

#include <signal.h>

#include <cstring>

#include "vmm/util/error.h"

namespace svmm {

namespace {
void kick_handler(int) {}
}  // namespace

int vcpu_kick_signal() { return SIGRTMIN + 1; }

void install_vcpu_kick_signal() {
  struct sigaction sa {};
  sa.sa_handler = kick_handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: KVM_RUN must return EINTR
  if (sigaction(vcpu_kick_signal(), &sa, nullptr) != 0)
    throw InternalError(std::string("sigaction(vCPU kick signal): ") + std::strerror(errno));
}

VcpuGroup::~VcpuGroup() { stop(); }

void VcpuGroup::add(std::unique_ptr<Vcpu> vcpu) { vcpus_.push_back(std::move(vcpu)); }

void VcpuGroup::start() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    running_ = static_cast<uint32_t>(vcpus_.size());
  }
  for (auto& v : vcpus_) v->start();
}

void VcpuGroup::request_park() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++park_requests_;
  for (auto& v : vcpus_) v->kick();
}

void VcpuGroup::wait_parked() {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [&] { return parked_ == running_; });
}

void VcpuGroup::resume() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (park_requests_ > 0) --park_requests_;
  cv_.notify_all();
}

bool VcpuGroup::parked() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return park_requests_ > 0 && parked_ == running_;
}

bool VcpuGroup::stopping() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stop_requested_;
}

void VcpuGroup::request_stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stop_requested_ || joined_) return;
  stop_requested_ = true;
  for (auto& v : vcpus_) v->kick();
  cv_.notify_all();
}

void VcpuGroup::stop() {
  request_stop();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (joined_) return;
  }
  for (auto& v : vcpus_) v->join();
  std::lock_guard<std::mutex> lock(mutex_);
  joined_ = true;
}

bool VcpuGroup::checkpoint(Vcpu& vcpu) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (stop_requested_) return false;
  if (park_requests_ > 0) {
    lock.unlock();
    vcpu.complete_pending_io();
    lock.lock();
    ++parked_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return park_requests_ == 0 || stop_requested_; });
    --parked_;
    if (stop_requested_) return false;
  }
  // Cleared under the lock: a stop() or park request after this point kicks again.
  vcpu.fd().set_immediate_exit(false);
  return true;
}

VcpuGroup::Hold::Hold(VcpuGroup& group) : group_(group) {
  std::lock_guard<std::mutex> lock(group_.mutex_);
  ++group_.parked_;
  group_.cv_.notify_all();
}

VcpuGroup::Hold::~Hold() {
  std::lock_guard<std::mutex> lock(group_.mutex_);
  --group_.parked_;
}

void VcpuGroup::thread_exited() {
  std::lock_guard<std::mutex> lock(mutex_);
  --running_;
  cv_.notify_all();
}

}  // namespace svmm
