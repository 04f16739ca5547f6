// The secure monitor (seed SVMM 204): the secure-mode state machine, the trusted VM registry,
// the hypercall handler behind both transports (port 0x5A0 and the chipset's memory-mapped
// bank), the secure launch and the teardown of spec/guest-abi.md sections 5-7.
//
// Launches and teardowns run one at a time on the monitor's own thread. A guest OS vCPU that
// asks for one (on its own thread: Vcpu::current()) waits for it outside guest mode and counts
// as parked meanwhile (VcpuGroup::Hold), so the teardown's freeze never waits for its own
// caller. Trusted vCPUs only post requests: the teardown joins their threads.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "chipset/chipset_host.h"
#include "chipset/config_space.h"
#include "chipset/ich.h"
#include "chipset/mch.h"
#include "protocol/hypercall.h"
#include "vmm/boot_image.h"
#include "vmm/bus/bus_device.h"
#include "vmm/config/config.h"
#include "vmm/events.h"
#include "vmm/hypercall_handler.h"
#include "vmm/kvm/kvm.h"
#include "vmm/token/token.h"
#include "vmm/trusted_vm.h"
#include "vmm/vm.h"
#include "vmm/x86/vcpu_snapshot.h"

namespace svmm {

// The teardown steps of spec/guest-abi.md section 6, for messages and fault injection.
enum class TeardownStep { Freeze, Cap, Scrub, Close, Leave, Resume };
[[nodiscard]] const char* teardown_step_name(TeardownStep step);

struct TeardownOutcome {
  int64_t result = 0;  // 0, or -errno for the hypercall (-EINVAL: not in secure mode)
  bool torn_down = false;
  bool failed = false;  // fail closed: the machine is ending with status 10
  svmm_teardown_report report{};
};

class SecureMonitor final : public ChipsetHost, public HypercallHandler {
 public:
  // `trusted_images` are the trusted VMs' images in config order (read_machine_images);
  // `end_machine` ends the machine with an exit status (the guest OS is not resumed).
  SecureMonitor(const Kvm& kvm, const Config& config, std::vector<BootImage> trusted_images,
                EventSink& events,
                std::function<void(int status, const std::string& reason)> end_machine);
  ~SecureMonitor() override;
  SecureMonitor(const SecureMonitor&) = delete;
  SecureMonitor& operator=(const SecureMonitor&) = delete;

  // The guest OS VM, once built (its devices need the chipset windows first).
  void attach_guest_os(Vm& guest_os);

  [[nodiscard]] ConfigSpace& chipset() { return *chipset_; }
  [[nodiscard]] std::shared_ptr<BusDevice> private_window() const { return private_window_; }
  [[nodiscard]] std::shared_ptr<BusDevice> public_window() const { return public_window_; }
  // The token (spec/token.md), or null when `token.enabled` is false.
  [[nodiscard]] Token* token() const { return token_.get(); }
  [[nodiscard]] std::shared_ptr<BusDevice> token_window() const {
    return token_ ? token_->window() : nullptr;
  }
  [[nodiscard]] bool secure() const { return secure_.load(); }

  // SECURE_LAUNCH of trusted VM `index` (config order) or of all (SVMM_HC_LAUNCH_ALL).
  // Returns 0 or -errno. Blocks; not from a trusted vCPU thread.
  int64_t secure_launch(uint64_t index);
  // A teardown for `trigger`; `report_gpa` (0 = none) is where the report goes for
  // guest-request. Blocks until done, except on a trusted vCPU thread, where it is only queued
  // (result 0, torn_down false). In normal mode it does nothing (result -EINVAL).
  TeardownOutcome teardown(TeardownTrigger trigger, uint64_t report_gpa = 0);

  // The guest OS asks to power off or reset (i8042, debug exit, CMD.RESET). In secure mode the
  // `poweroff` trigger tears down first; if it is not enabled the request is refused (false).
  [[nodiscard]] bool guest_power_request(const std::string& what);

  // Each configured trusted VM's state as query-vms shows it: "running", "exited" or "absent".
  [[nodiscard]] std::vector<std::string> trusted_vm_states() const;
  // The `pause` / `cont` commands for the trusted VMs: serialized with launches and teardowns;
  // a VM launched while paused starts parked.
  void pause_trusted_vms();
  void resume_trusted_vms();

  // For tests: compare every guest OS vCPU's full state at the freeze with the state just
  // before the resume, and keep the differences of the last teardown (one list per vCPU).
  void set_verify_untouched(bool on) { verify_untouched_ = on; }
  [[nodiscard]] std::vector<std::vector<std::string>> last_state_diffs() const;

  // HypercallHandler: the port transport.
  HypercallResult port_hypercall(Vcpu& caller, uint32_t function,
                                 const std::array<uint64_t, 4>& args) override;
  // ChipsetHost: the bank transport, aborts and CMD.RESET.
  int64_t hypercall(uint32_t function, const std::array<uint64_t, 4>& args,
                    const Requester& who) override;
  void aborted(const AbortRecord& record, AbortPolicy policy) override;
  void reset_requested(const Requester& who) override;

 private:
  // One hypercall through either transport. `stop_caller` is set for TRUSTED_EXIT.
  int64_t call(uint32_t function, const std::array<uint64_t, 4>& args, const Requester& who,
               bool* stop_caller);
  int64_t refuse(uint32_t function, const Requester& who);
  void trusted_exit(uint32_t index, int status, const std::string& how);

  // Runs `work` on the monitor thread and waits for it; a calling guest OS vCPU is held
  // meanwhile. On a trusted vCPU thread it only queues the work and returns false.
  bool run_on_monitor(const std::function<void()>& work);
  // Queues `work` without waiting (from trusted vCPU threads).
  void post_to_monitor(std::function<void()> work);
  void monitor_main();

  int64_t do_launch(uint64_t index);
  TeardownOutcome do_teardown(TeardownTrigger trigger, uint64_t report_gpa,
                              std::chrono::steady_clock::time_point t0);
  void maybe_inject_failure(TeardownStep step) const;
  void fail_closed(TeardownStep step, const std::string& reason);
  [[nodiscard]] bool report_buffer_ok(uint64_t gpa) const;
  [[nodiscard]] Vm* vm_of(const Requester& who);
  [[nodiscard]] unsigned scrub_threads() const;
  std::vector<VcpuSnapshot> snapshot_guest_os();

  const Kvm& kvm_;
  const Config& config_;
  EventSink& events_;
  std::function<void(int, const std::string&)> end_machine_;
  Vm* guest_os_ = nullptr;
  std::vector<BootImage> trusted_images_;  // read and validated at start
  std::vector<Sha256> trusted_image_sha256_;
  std::unique_ptr<ConfigSpace> chipset_;
  std::unique_ptr<Ich> ich_;
  std::unique_ptr<Mch> mch_;
  std::shared_ptr<BusDevice> private_window_;
  std::shared_ptr<BusDevice> public_window_;
  std::unique_ptr<Token> token_;  // token.enabled; uses ich_ and chipset_
  // Slot n: trusted VM n while it exists. Written only on the monitor thread, while the VM's
  // own vCPU threads are not running (before start, after join).
  std::vector<std::unique_ptr<TrustedVm>> trusted_;
  std::atomic<bool> secure_{false};
  bool trusted_paused_ = false;  // monitor thread only
  // 0 absent, 1 running, 2 exited; readable from any thread.
  std::unique_ptr<std::atomic<int>[]> trusted_state_;
  std::atomic<bool> failed_{false};

  bool verify_untouched_ = false;
  SnapshotOptions snapshot_options_;
  mutable std::mutex diffs_mutex_;
  std::vector<std::vector<std::string>> last_diffs_;

  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::deque<std::function<void()>> queue_;
  bool quit_ = false;
  std::thread thread_;  // last: started after everything above exists
};

}  // namespace svmm
