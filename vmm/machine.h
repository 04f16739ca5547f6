// The whole machine built from a validated Config: the guest OS VM with its devices, and (with
// the secure core) the trusted VMs. run() drives it until the guest OS ends and returns the
// exit status of spec/control.md section 2.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

#include "devices/irq_line.h"
#include "devices/serial_16550.h"
#include "devices/sink.h"
#include "vmm/config/config.h"
#include "vmm/kvm/kvm.h"
#include "vmm/util/unique_fd.h"
#include "vmm/control/control_server.h"
#include "vmm/control/dispatcher.h"
#include "vmm/events.h"
#include "vmm/machine_images.h"
#include "vmm/secure_monitor.h"
#include "vmm/vm.h"

namespace svmm {

class Machine final : public EventSink {
 public:
  // Opens KVM, builds every VM and device from `images` (read_machine_images(config) when not
  // given: the caller that checked them hands them over). Throws Error (with its exit status)
  // and leaves nothing running.
  explicit Machine(Config config, std::optional<MachineImages> images = std::nullopt);
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // Runs until the guest OS ends or a stop is requested; returns the exit status. `signal_fd`,
  // when >= 0, is a signalfd for SIGTERM/SIGINT (the caller blocked them).
  int run(int signal_fd = -1);

  // Ends the machine with `stop` (the first request wins). Any thread.
  void request_stop(const VmStop& stop);

  [[nodiscard]] Vm& guest_os() { return *guest_; }
  [[nodiscard]] SecureMonitor& monitor() { return *monitor_; }

  // EventSink: logged, and broadcast on the control socket when there is one.
  void emit(std::string_view name, const nlohmann::json& data) override;

  // The control commands (spec/control.md section 3), also used by tests in process.
  void pause();
  void cont();
  [[nodiscard]] bool paused() const { return paused_.load(); }
  // `quit`: an orderly teardown if secure, then exit 0.
  void quit();
  [[nodiscard]] const Config& config() const { return config_; }
  [[nodiscard]] const Kvm& kvm() const { return kvm_; }

 private:
  void refuse_unsupported() const;
  void register_control_commands(control::Dispatcher& d);
  void attach_guest_os_devices();
  // A stop asked by the guest OS (debug exit, i8042): refused in secure mode when poweroff is
  // not a teardown trigger; otherwise after the teardown.
  void guest_power_stop(const VmStop& stop);

  Config config_;
  Kvm kvm_;
  std::unique_ptr<Sink> console_;
  std::unique_ptr<IrqLine> com1_irq_;
  std::shared_ptr<Serial16550> com1_;
  std::unique_ptr<SecureMonitor> monitor_;
  std::unique_ptr<Vm> guest_;
  UniqueFd stop_event_;
  std::atomic<bool> paused_{false};
  std::atomic<bool> quit_requested_{false};
  std::mutex pause_mutex_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  control::Dispatcher dispatcher_;
  std::unique_ptr<control::ControlServer> control_;  // after everything its commands touch
  std::mutex stop_mutex_;
  std::optional<VmStop> stop_;
};

}  // namespace svmm
