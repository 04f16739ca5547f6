// The whole machine built from a validated Config: the guest OS VM with its devices, and (with
// the secure core) the trusted VMs. run() drives it until the guest OS ends and returns the
// exit status of spec/control.md section 2.
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "devices/irq_line.h"
#include "devices/serial_16550.h"
#include "devices/sink.h"
#include "vmm/config/config.h"
#include "vmm/kvm/kvm.h"
#include "vmm/util/unique_fd.h"
#include "vmm/events.h"
#include "vmm/secure_monitor.h"
#include "vmm/vm.h"

namespace svmm {

class Machine final : public EventSink {
 public:
  // Validates images, opens KVM, builds every VM and device. Throws Error (with its exit status)
  // and leaves nothing running.
  explicit Machine(Config config);
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

  // EventSink: logged now; the control socket broadcasts them when it exists.
  void emit(std::string_view name, const nlohmann::json& data) override;
  [[nodiscard]] const Config& config() const { return config_; }
  [[nodiscard]] const Kvm& kvm() const { return kvm_; }

 private:
  void refuse_unsupported() const;
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
  std::mutex stop_mutex_;
  std::optional<VmStop> stop_;
};

}  // namespace svmm
