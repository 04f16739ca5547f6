// A trusted VM (seed 210/220, spec/guest-abi.md section 7): its own KVM VM with protected RAM
// (locked, not dumped, wiped on fork, overwritten before release), its own COM1 and debug exit,
// the hypercall port, and the chipset windows as a protected requester. It exists only in
// secure mode: SECURE_LAUNCH creates it, the teardown destroys it.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "devices/irq_line.h"
#include "devices/serial_16550.h"
#include "devices/sink.h"
#include "vmm/boot_image.h"
#include "vmm/bus/bus_device.h"
#include "vmm/config/config.h"
#include "vmm/hypercall_handler.h"
#include "vmm/vm.h"

namespace svmm {

struct TrustedVmWiring {
  std::shared_ptr<BusDevice> chipset_private;  // 0xFED20000
  std::shared_ptr<BusDevice> chipset_public;   // 0xFED30000
  std::shared_ptr<BusDevice> token;            // 0xFED40000, when the token exists
  HypercallHandler* hypercalls = nullptr;
  // The VM stopped on its own: a crash (exit status 6), a debug-exit write of v (status v),
  // or TRUSTED_EXIT (reported by the monitor itself). Runs on the trusted vCPU's thread.
  std::function<void(uint32_t index, const VmStop&)> on_stop;
};

enum class TrustedVmState { Running, Exited };

class TrustedVm {
 public:
  // Creates the VM, maps and locks its RAM, loads the image, creates its vCPUs (not started).
  TrustedVm(const Kvm& kvm, uint32_t index, const TrustedVmConfig& config, const BootImage& image,
            const TrustedVmWiring& wiring);
  ~TrustedVm();
  TrustedVm(const TrustedVm&) = delete;
  TrustedVm& operator=(const TrustedVm&) = delete;

  void start();
  // Its vCPUs end (TRUSTED_EXIT, a fault). Not from one of its own vCPU threads' stack frames
  // that must return first? It only requests: safe from anywhere.
  void request_stop();

  [[nodiscard]] uint32_t index() const { return index_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] uint64_t memory_bytes() const { return vm_->memory().total_bytes(); }
  [[nodiscard]] Vm& vm() { return *vm_; }
  [[nodiscard]] TrustedVmState state() const {
    return exited_.load() ? TrustedVmState::Exited : TrustedVmState::Running;
  }
  void mark_exited() { exited_.store(true); }

  // Teardown step 3 for this VM: stop and join the vCPU threads (they are parked), zero every
  // byte of RAM with `threads` threads, verify it reads back zero, remove the slots from KVM
  // and unmap them, zero the kvm_run pages, close the vCPU and VM fds. Throws on failure
  // (the caller fails closed). Returns the bytes scrubbed.
  uint64_t scrub_and_close(unsigned threads);

 private:
  uint32_t index_;
  std::string name_;
  std::unique_ptr<Sink> console_;
  std::unique_ptr<IrqLine> com1_irq_;
  std::shared_ptr<Serial16550> com1_;
  std::unique_ptr<Vm> vm_;
  std::atomic<bool> exited_{false};
};

}  // namespace svmm
