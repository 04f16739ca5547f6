#include "vmm/machine.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "devices/debug_exit.h"
#include "devices/i8042.h"
#include "devices/post_port.h"
#include "protocol/cpuid.h"
#include "protocol/exit_status.h"
#include "protocol/memory_map.h"
#include "protocol/ports.h"
#include "chipset/txt_heap.h"
#include "vmm/boot_image.h"
#include "vmm/console/console_input.h"
#include "vmm/console/file_sink.h"
#include "vmm/console/null_sink.h"
#include "vmm/console/stdout_sink.h"
#include "vmm/kvm_irq_line.h"
#include "vmm/platform_devices.h"
#include "vmm/util/error.h"
#include "vmm/util/log.h"

namespace svmm {

namespace {

std::unique_ptr<Sink> make_sink(const ConsoleConfig& c) {
  switch (c.kind) {
    case ConsoleKind::Stdio: return std::make_unique<StdoutSink>();
    case ConsoleKind::File: return std::make_unique<FileSink>(c.path.string());
    case ConsoleKind::None: return std::make_unique<NullSink>();
  }
  return std::make_unique<NullSink>();
}

}  // namespace

Machine::Machine(Config config, std::optional<MachineImages> images)
    : config_(std::move(config)) {
  refuse_unsupported();
  const auto& g = config_.guest_os;
  // Everything the user gave us is checked before a VM exists.
  if (!images) images.emplace(read_machine_images(config_));
  const BootImage& image = images->guest_os;

  kvm_.check_required_capabilities();
  install_vcpu_kick_signal();

  int efd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0) throw InternalError(std::string("eventfd: ") + std::strerror(errno));
  stop_event_.reset(efd);

  console_ = make_sink(g.console);
  monitor_ = std::make_unique<SecureMonitor>(kvm_, config_, std::move(images->trusted_vms), *this,
                                             [this](int status, const std::string& reason) {
                                               request_stop({status, reason});
                                             });
  VmSpec spec;
  spec.name = "guest OS";
  spec.role = RequesterRole::GuestOs;
  spec.vm_index = 0;
  spec.vcpus = g.vcpus;
  spec.memory_mib = g.memory_mib;
  spec.protection = MemoryProtection::Normal;
  spec.cpuid.features = SVMM_CPUID_FEATURE_HYPERCALL_PORT | SVMM_CPUID_FEATURE_CHIPSET |
                        (config_.token.enabled ? SVMM_CPUID_FEATURE_TOKEN : 0u);
  spec.cpuid.vm_index = 0;
  guest_ = std::make_unique<Vm>(kvm_, spec, [this](const VmStop& s) { request_stop(s); });
  monitor_->attach_guest_os(*guest_);
  attach_guest_os_devices();
  const EntryState entry = image.load(guest_->memory());
  // The chipset's TXT heap (a BiosData table) in the reserved area, where HEAP.BASE points.
  const auto layout = txt_chipset_layout(low_ram_end(g.memory_mib));
  const auto heap = build_txt_heap(layout, g.vcpus);
  if (!guest_->memory().write(GuestAddress(layout.heap_base), heap))
    throw InternalError("cannot write the TXT heap to guest memory");
  guest_->create_vcpus(kvm_, entry, monitor_.get());

  register_control_commands(dispatcher_);
  if (config_.api.socket) {
    control_ = std::make_unique<control::ControlServer>(config_.api.socket->string(), dispatcher_);
    control_->start();
  }
}

Machine::~Machine() {
  control_.reset();  // no command runs against a machine being dismantled
  if (guest_) guest_->stop();
  monitor_.reset();  // before the guest OS VM it refers to
  if (console_) console_->flush();
}

void Machine::refuse_unsupported() const {
  // spec/config.md: a build lacking a feature keeps that section's defaults inert and refuses
  // only values set explicitly that need it. Each line goes when its feature lands.
  const Config& c = config_;
  (void)c;  // the token (token.enabled, token.state_dir) is supported: nothing refused there
}

void Machine::attach_guest_os_devices() {
  com1_irq_ = std::make_unique<KvmIrqLine>(guest_->fd(), SVMM_COM1_IRQ);
  com1_ = std::make_shared<Serial16550>(*console_, *com1_irq_);
  auto& pio = guest_->pio();
  pio.insert(SVMM_PORT_COM1, SVMM_PORT_COM1_LEN, com1_, "COM1");
  pio.insert(SVMM_PORT_DEBUG_EXIT, SVMM_PORT_DEBUG_EXIT_LEN,
             std::make_shared<DebugExit>([this](uint32_t v) {
               guest_power_stop({debug_exit_status(v), "the guest OS wrote " + std::to_string(v) +
                                                           " to the debug-exit port"});
             }),
             "debug-exit");
  auto i8042 = std::make_shared<I8042>(
      [this] { guest_power_stop({SVMM_EXIT_OK, "the guest OS requested a reset (i8042)"}); });
  pio.insert(I8042::kBase, I8042::kRangeLength, i8042, "i8042");
  pio.insert(SVMM_PORT_POST, 1, std::make_shared<PostPort>(), "POST");
  attach_platform_devices(
      pio, config_.guest_os,
      [this] { guest_power_stop({SVMM_EXIT_OK, "the guest OS powered off (ACPI S5)"}); },
      [this] { guest_sleep_request(*monitor_, config_.secure); });
  auto& mmio = guest_->mmio();
  mmio.insert(SVMM_MMIO_CHIPSET_PRIVATE, SVMM_MMIO_CHIPSET_WINDOW_SIZE, monitor_->private_window(),
              "chipset private window");
  mmio.insert(SVMM_MMIO_CHIPSET_PUBLIC, SVMM_MMIO_CHIPSET_WINDOW_SIZE, monitor_->public_window(),
              "chipset public window");
  // token.enabled false: no device, the range is unassigned MMIO (token.md, chipset.md).
  if (auto token = monitor_->token_window())
    mmio.insert(SVMM_MMIO_TOKEN, SVMM_MMIO_TOKEN_SIZE, token, "token");
}

void Machine::guest_power_stop(const VmStop& stop) {
  if (!monitor_->guest_power_request(stop.reason)) return;
  emit("GUEST_SHUTDOWN", {{"reason", stop.reason}});
  request_stop(stop);
}

void Machine::emit(std::string_view name, const nlohmann::json& data) {
  log::info("event", "{} {}", name,
            data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (control_) control_->broadcast_event(name, data);
}

void Machine::request_stop(const VmStop& stop) {
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    // The first reason wins, except that a failed teardown (fail closed) always shows.
    if (stop_ && stop.exit_status != SVMM_EXIT_TEARDOWN_FAILED) return;
    if (stop_ && stop_->exit_status == SVMM_EXIT_TEARDOWN_FAILED) return;
    stop_ = stop;
  }
  guest_->request_stop();
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stop_event_.get(), &one, sizeof one);
}

int Machine::run(int signal_fd) {
  std::unique_ptr<ConsoleInput> input;
  if (config_.guest_os.console.kind == ConsoleKind::Stdio && ::isatty(STDIN_FILENO))
    input = std::make_unique<ConsoleInput>(STDIN_FILENO, *com1_);
  if (config_.secure.launch == LaunchMode::Boot) {
    // secure.launch "boot": the trusted VMs run before the guest OS starts.
    int64_t r = monitor_->secure_launch(SVMM_HC_LAUNCH_ALL);
    if (r != 0) throw InternalError("secure launch at boot failed (" + std::to_string(r) + ")");
  }
  guest_->start();
  log::debug("machine", "guest OS started with {} vCPU(s), {} MiB", config_.guest_os.vcpus,
             config_.guest_os.memory_mib);

  pollfd fds[2] = {{stop_event_.get(), POLLIN, 0}, {signal_fd, POLLIN, 0}};
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(stop_mutex_);
      if (stop_) break;
    }
    int n = ::poll(fds, signal_fd >= 0 ? 2 : 1, -1);
    if (n < 0 && errno != EINTR) throw InternalError(std::string("poll: ") + std::strerror(errno));
    if (signal_fd >= 0 && (fds[1].revents & POLLIN)) {
      signalfd_siginfo si{};
      if (::read(signal_fd, &si, sizeof si) == sizeof si) {
        // SIGTERM/SIGINT: always an orderly teardown first in secure mode (trigger `signal`).
        // A second signal meanwhile waits in the signalfd: it cannot interrupt the teardown.
        const std::string why =
            std::string("stopped by ") + sigabbrev_np(static_cast<int>(si.ssi_signo));
        if (monitor_->secure()) (void)monitor_->teardown(TeardownTrigger::Signal);
        request_stop({SVMM_EXIT_OK, why});
      }
    }
  }
  // The guest OS crashed in secure mode: the guest-crash teardown runs before svmm exits (6).
  if (monitor_->secure()) {
    bool crashed;
    {
      std::lock_guard<std::mutex> lock(stop_mutex_);
      crashed = stop_ && (stop_->exit_status == SVMM_EXIT_GUEST_CRASH ||
                          stop_->exit_status == SVMM_EXIT_INTERNAL);
    }
    // A crash is the guest-crash trigger; `quit` is the control socket's; anything else that
    // ends the machine in secure mode (a signal) the signal trigger.
    const TeardownTrigger trigger = crashed                   ? TeardownTrigger::GuestCrash
                                    : quit_requested_.load() ? TeardownTrigger::Control
                                                              : TeardownTrigger::Signal;
    (void)monitor_->teardown(trigger);
  }
  guest_->stop();
  input.reset();
  console_->flush();
  VmStop stop;
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    stop = *stop_;
  }
  if (stop.exit_status == SVMM_EXIT_GUEST_CRASH) emit("GUEST_SHUTDOWN", {{"reason", stop.reason}});
  emit("SHUTDOWN", {{"exit_status", stop.exit_status}, {"reason", stop.reason}});
  if (stop.exit_status == SVMM_EXIT_GUEST_CRASH)
    log::error("machine", "the guest OS crashed: {}", stop.reason);
  else if (stop.exit_status == SVMM_EXIT_INTERNAL)
    log::error("machine", "internal error: {}", stop.reason);
  else
    log::info("machine", "{} (exit status {})", stop.reason, stop.exit_status);
  return stop.exit_status;
}

}  // namespace svmm
