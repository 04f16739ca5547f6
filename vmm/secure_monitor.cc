#include "vmm/secure_monitor.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <future>

#include "chipset/txt_heap.h"
#include "protocol/exit_status.h"
#include "vmm/hypercall_decoder.h"
#include "vmm/launch_manifest.h"
#include "vmm/util/error.h"
#include "vmm/util/log.h"

namespace svmm {

namespace {

constexpr int64_t err(int e) { return -static_cast<int64_t>(e); }

const char* trigger_name(TeardownTrigger t) {
  switch (t) {
    case TeardownTrigger::GuestRequest: return "guest-request";
    case TeardownTrigger::Breach: return "breach";
    case TeardownTrigger::Poweroff: return "poweroff";
    case TeardownTrigger::Sleep: return "sleep";
    case TeardownTrigger::Control: return "control";
    case TeardownTrigger::Signal: return "signal";
    case TeardownTrigger::TrustedFault: return "trusted-fault";
    case TeardownTrigger::GuestCrash: return "guest-crash";
  }
  return "?";
}

nlohmann::json report_json(const svmm_teardown_report& r, TeardownTrigger t) {
  return {{"magic", r.magic},
          {"version", r.version},
          {"trigger", trigger_name(t)},
          {"trusted_vms", r.trusted_vms},
          {"bytes_scrubbed", r.bytes_scrubbed},
          {"duration_ns", r.duration_ns},
          {"pcrs_capped", r.pcrs_capped}};
}

}  // namespace

const char* teardown_step_name(TeardownStep step) {
  switch (step) {
    case TeardownStep::Freeze: return "freeze";
    case TeardownStep::Cap: return "cap";
    case TeardownStep::Scrub: return "scrub";
    case TeardownStep::Close: return "close";
    case TeardownStep::Leave: return "leave";
    case TeardownStep::Resume: return "resume";
  }
  return "?";
}

SecureMonitor::SecureMonitor(const Kvm& kvm, const Config& config,
                             std::vector<BootImage> trusted_images, EventSink& events,
                             std::function<void(int, const std::string&)> end_machine)
    : kvm_(kvm),
      config_(config),
      events_(events),
      end_machine_(std::move(end_machine)),
      trusted_images_(std::move(trusted_images)) {
  // Trusted images were read and validated before anything ran, and are measured now: a
  // launch never reads a file that may have changed since.
  if (trusted_images_.size() != config.trusted_vms.size())
    throw InternalError("SecureMonitor: one boot image per trusted VM expected");
  for (const auto& image : trusted_images_) trusted_image_sha256_.push_back(image.kernel_sha256());
  trusted_.resize(config.trusted_vms.size());
  trusted_state_ = std::make_unique<std::atomic<int>[]>(config.trusted_vms.size());

  const auto chipset_layout = txt_chipset_layout(low_ram_end(config.guest_os.memory_mib));
  ChipsetOptions options;
  options.fuse = config.chipset.fuse;
  options.abort_policy = config.chipset.abort_policy;
  options.abort_vector = config.chipset.abort_vector;
  options.token_present = config.token.enabled;
  options.sinit_base = chipset_layout.sinit_base;
  options.sinit_size = chipset_layout.sinit_size;
  options.heap_base = chipset_layout.heap_base;
  options.heap_size = chipset_layout.heap_size;
  options.dpr = chipset_layout.dpr;
  chipset_ = std::make_unique<ConfigSpace>(options, *this);
  ich_ = std::make_unique<Ich>(*chipset_);
  mch_ = std::make_unique<Mch>(*chipset_, *ich_);
  private_window_ = mch_->window_device(ChipsetWindow::Private);
  public_window_ = mch_->window_device(ChipsetWindow::Public);
  // The token (spec/token.md): libtpms starts here, before anything runs; a corrupt state is a
  // usage error (exit 2).
  if (config.token.enabled)
    token_ = std::make_unique<Token>(LibtpmsOptions{config.token.state_dir}, *ich_, *chipset_);
  thread_ = std::thread([this] { monitor_main(); });
}

SecureMonitor::~SecureMonitor() {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    quit_ = true;
  }
  queue_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Trusted VMs still here (the machine ends abnormally): their RAM slots zero themselves as
  // they are released (MemorySlot), so no trusted byte outlives the process's mappings.
  trusted_.clear();
}

void SecureMonitor::attach_guest_os(Vm& guest_os) {
  guest_os_ = &guest_os;
}

// --- the monitor thread ---------------------------------------------------------------------

void SecureMonitor::monitor_main() {
  for (;;) {
    std::function<void()> work;
    {
      std::unique_lock<std::mutex> lock(queue_mutex_);
      queue_cv_.wait(lock, [&] { return quit_ || !queue_.empty(); });
      if (queue_.empty()) return;
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work();
  }
}

void SecureMonitor::post_to_monitor(std::function<void()> work) {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    if (quit_) return;
    queue_.push_back(std::move(work));
  }
  queue_cv_.notify_one();
}

bool SecureMonitor::run_on_monitor(const std::function<void()>& work) {
  Vcpu* caller = Vcpu::current();
  if (caller && caller->requester().role == RequesterRole::TrustedVm) {
    // The work may join this very thread (a teardown): never wait for it here.
    post_to_monitor(work);
    return false;
  }
  std::promise<void> done;
  auto finished = done.get_future();
  post_to_monitor([&] {
    try {
      work();
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());
    }
  });
  std::optional<VcpuGroup::Hold> hold;
  if (caller) hold.emplace(caller->group());
  finished.get();
  return true;
}

// --- hypercalls -----------------------------------------------------------------------------

HypercallResult SecureMonitor::port_hypercall(Vcpu& caller, uint32_t function,
                                              const std::array<uint64_t, 4>& args) {
  bool stop = false;
  int64_t r = call(function, args, caller.requester(), &stop);
  return {r, stop};
}

int64_t SecureMonitor::hypercall(uint32_t function, const std::array<uint64_t, 4>& args,
                                 const Requester& who) {
  // TRUSTED_EXIT through the bank: the VM's vCPUs were asked to stop; this one stops at its
  // next checkpoint.
  return call(function, args, who, nullptr);
}

int64_t SecureMonitor::refuse(uint32_t function, const Requester& who) {
  chipset_->hypercall_refused(function, who);  // counts the abort, applies the policy
  return err(SVMM_EPERM);
}

int64_t SecureMonitor::call(uint32_t function, const std::array<uint64_t, 4>& args,
                            const Requester& who, bool* stop_caller) {
  const HypercallPolicy policy{config_.hypercall.kernel_only,
                               config_.secure.tears_down_on(TeardownTrigger::GuestRequest)};
  const HypercallAction action = decode_hypercall(function, args, who, policy);
  if (const auto* a = std::get_if<hc::Answer>(&action)) return a->value;
  if (std::holds_alternative<hc::Refuse>(action)) return refuse(function, who);
  if (std::holds_alternative<hc::QueryState>(action)) return secure() ? 1 : 0;
  if (const auto* l = std::get_if<hc::Launch>(&action)) return secure_launch(l->index);
  // Secure mode and the report buffer are judged on the monitor thread, after any launch or
  // teardown in progress (section 5: such a call waits, then meets the new state).
  if (const auto* t = std::get_if<hc::Teardown>(&action))
    return teardown(TeardownTrigger::GuestRequest, t->report_gpa).result;
  const auto& e = std::get<hc::TrustedExit>(action);
  trusted_exit(who.vm_index - 1, static_cast<int>(e.status), "TRUSTED_EXIT");
  if (stop_caller) *stop_caller = true;
  return 0;
}

Vm* SecureMonitor::vm_of(const Requester& who) {
  if (who.role == RequesterRole::GuestOs) return guest_os_;
  if (who.role == RequesterRole::TrustedVm && who.vm_index >= 1 &&
      who.vm_index - 1 < trusted_.size() && trusted_[who.vm_index - 1])
    return &trusted_[who.vm_index - 1]->vm();
  return nullptr;
}

// --- chipset callbacks ----------------------------------------------------------------------

void SecureMonitor::aborted(const AbortRecord& r, AbortPolicy policy) {
  static const char* kWindows[] = {"public", "private", "token"};
  events_.emit("CHIPSET_ABORT",
               {{"window", kWindows[static_cast<int>(r.window)]},
                {"offset", r.offset},
                {"width", r.width},
                {"write", r.write},
                {"requester", r.who.vm_index},
                {"vcpu", r.who.vcpu_index},
                {"reason", r.reason},
                {"hypercall", r.hypercall},
                {"policy", to_string(policy)}});
  switch (policy) {
    case AbortPolicy::Interrupt:
      // The offending vCPU's local APIC id is its index (vmm/x86/cpuid.cc, MP table).
      if (Vm* vm = vm_of(r.who)) vm->fd().signal_msi(r.who.vcpu_index, config_.chipset.abort_vector);
      break;
    case AbortPolicy::Teardown:
      if (secure()) (void)teardown(TeardownTrigger::Breach);
      break;
    case AbortPolicy::Reset:
      reset_requested(r.who);
      break;
    default: break;
  }
}

void SecureMonitor::reset_requested(const Requester&) {
  // A system reset: a teardown first when secure, then the guest OS reset path (exit 0).
  auto reset = [this] {
    if (secure()) (void)do_teardown(TeardownTrigger::Poweroff, 0, std::chrono::steady_clock::now());
    if (!failed_.load()) end_machine_(SVMM_EXIT_OK, "system reset through the chipset");
  };
  (void)run_on_monitor(reset);
}

bool SecureMonitor::guest_power_request(const std::string& what) {
  if (!secure()) return true;
  if (!config_.secure.tears_down_on(TeardownTrigger::Poweroff)) {
    log::warn("monitor", "refused: {} while in secure mode (poweroff is not in teardown_on)", what);
    return false;
  }
  (void)teardown(TeardownTrigger::Poweroff);
  return true;
}

// --- trusted VMs ----------------------------------------------------------------------------

std::vector<std::string> SecureMonitor::trusted_vm_states() const {
  static const char* kNames[] = {"absent", "running", "exited"};
  std::vector<std::string> out;
  for (size_t i = 0; i < trusted_.size(); ++i) out.push_back(kNames[trusted_state_[i].load()]);
  return out;
}

void SecureMonitor::pause_trusted_vms() {
  (void)run_on_monitor([this] {
    if (trusted_paused_) return;
    trusted_paused_ = true;
    std::vector<VcpuGroup*> groups;
    for (auto& t : trusted_)
      if (t) groups.push_back(&t->vm().vcpus());
    for (auto* g : groups) g->request_park();
    for (auto* g : groups) g->wait_parked();
  });
}

void SecureMonitor::resume_trusted_vms() {
  (void)run_on_monitor([this] {
    if (!trusted_paused_) return;
    trusted_paused_ = false;
    for (auto& t : trusted_)
      if (t) t->vm().vcpus().resume();
  });
}

void SecureMonitor::trusted_exit(uint32_t index, int status, const std::string& how) {
  if (index < trusted_.size()) trusted_state_[index].store(2);
  if (index < trusted_.size() && trusted_[index]) {
    trusted_[index]->mark_exited();
    trusted_[index]->request_stop();
  }
  events_.emit("TRUSTED_VM_EXIT", {{"index", index}, {"status", status}, {"how", how}});
  if (status != 0 && config_.secure.tears_down_on(TeardownTrigger::TrustedFault))
    (void)teardown(TeardownTrigger::TrustedFault);
}

int64_t SecureMonitor::secure_launch(uint64_t index) {
  auto result = std::make_shared<int64_t>(err(SVMM_EPERM));
  (void)run_on_monitor([this, index, result] { *result = do_launch(index); });
  return *result;
}

int64_t SecureMonitor::do_launch(uint64_t index) {
  // spec/guest-abi.md section 5: -EPERM, -EINVAL, -EBUSY, -ENOENT in that order.
  if (config_.chipset.fuse == FuseState::Disabled) return err(SVMM_EPERM);
  if (secure()) return err(SVMM_EBUSY);
  std::vector<uint32_t> which;
  if (index == SVMM_HC_LAUNCH_ALL) {
    for (uint32_t i = 0; i < trusted_.size(); ++i) which.push_back(i);
  } else if (index < trusted_.size()) {
    which.push_back(static_cast<uint32_t>(index));
  }
  if (which.empty()) return err(SVMM_ENOENT);

  // spec/token.md section 3: the launch is measured first (the DRTM sequence over the manifest,
  // PCR 18 over the images), then the VMs are created; any failure after the measurement caps
  // PCRs 17 and 18 before -EIO.
  std::vector<ManifestEntry> manifest;
  std::vector<Sha256> images;
  for (uint32_t i : which) {
    const auto& t = config_.trusted_vms[i];
    manifest.push_back({t.name, t.memory_mib << 20, t.vcpus, trusted_image_sha256_[i], t.cmdline});
    images.push_back(trusted_image_sha256_[i]);
  }
  const std::vector<uint8_t> manifest_bytes = launch_manifest(manifest);
  const Sha256 manifest_hash = sha256(manifest_bytes);
  try {
    if (token_) token_->measured_launch(manifest_bytes, images);
#ifdef SVMM_TEST_HOOKS
    if (const char* f = std::getenv("SVMM_TEST_FAIL_LAUNCH");
        f && std::strcmp(f, "after-measure") == 0)
      throw InternalError("injected failure (SVMM_TEST_FAIL_LAUNCH=after-measure)");
#endif
    for (uint32_t i : which) {
      const auto& t = config_.trusted_vms[i];
      TrustedVmWiring wiring;
      wiring.chipset_private = private_window_;
      wiring.chipset_public = public_window_;
      wiring.token = token_window();
      wiring.hypercalls = this;
      wiring.on_stop = [this](uint32_t n, const VmStop& s) {
        trusted_exit(n, s.exit_status, s.reason);
      };
      trusted_[i] = std::make_unique<TrustedVm>(kvm_, i, t, trusted_images_[i], wiring);
    }
  } catch (const std::exception& e) {
    log::error("monitor", "secure launch failed: {}", e.what());
    for (auto& t : trusted_) t.reset();  // their RAM zeroes itself on release
    if (token_) {
      try {
        (void)token_->cap();
      } catch (const std::exception& c) {
        // Uncapped launch PCRs would let the guest OS pass for the secure environment.
        log::error("monitor", "cannot cap PCRs 17 and 18 after the failed launch: {}", c.what());
        end_machine_(SVMM_EXIT_INTERNAL,
                     std::string("PCRs not capped after a failed launch: ") + c.what());
      }
    }
    return err(SVMM_EIO);
  }
  chipset_->secure_launch(manifest_hash);
  secure_.store(true);
  for (uint32_t i : which) {
    if (trusted_paused_) trusted_[i]->vm().vcpus().request_park();  // starts parked
    trusted_[i]->start();
    trusted_state_[i].store(1);
  }
  nlohmann::json vms = nlohmann::json::array();
  for (uint32_t i : which) vms.push_back({{"index", i}, {"name", config_.trusted_vms[i].name}});
  events_.emit("SECURE_LAUNCH", {{"manifest_sha256", to_hex(manifest_hash)}, {"trusted_vms", vms}});
  return 0;
}

// --- teardown -------------------------------------------------------------------------------

TeardownOutcome SecureMonitor::teardown(TeardownTrigger trigger, uint64_t report_gpa) {
  const auto t0 = std::chrono::steady_clock::now();
  // Shared: when queued from a trusted vCPU the work outlives this frame.
  auto out = std::make_shared<TeardownOutcome>();
  (void)run_on_monitor([this, trigger, report_gpa, t0, out] {
    *out = do_teardown(trigger, report_gpa, t0);
  });
  return *out;
}

bool SecureMonitor::report_buffer_ok(uint64_t gpa) const {
  if (gpa % 8 != 0) return false;
  for (const auto& e : guest_memmap(config_.guest_os.memory_mib, true))
    if (e.type == SVMM_E820_RAM && gpa >= e.addr && gpa < e.addr + e.size &&
        sizeof(svmm_teardown_report) <= e.addr + e.size - gpa)
      return true;
  return false;
}

unsigned SecureMonitor::scrub_threads() const {
  if (config_.secure.scrub_threads > 0) return config_.secure.scrub_threads;
  long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<unsigned>(n) : 1u;
}

void SecureMonitor::maybe_inject_failure(TeardownStep step) const {
#ifdef SVMM_TEST_HOOKS
  // Test-only fault injection (never compiled into release builds): SVMM_TEST_FAIL_TEARDOWN
  // names the step that fails.
  const char* env = std::getenv("SVMM_TEST_FAIL_TEARDOWN");
  if (env && std::strcmp(env, teardown_step_name(step)) == 0)
    throw InternalError(std::string("injected failure (SVMM_TEST_FAIL_TEARDOWN=") + env + ")");
#else
  (void)step;
#endif
}

std::vector<VcpuSnapshot> SecureMonitor::snapshot_guest_os() {
  std::vector<VcpuSnapshot> out;
  if (!guest_os_) return out;
  if (snapshot_options_.msrs.empty() && guest_os_->vcpus().size() > 0)
    snapshot_options_.msrs = readable_msrs(guest_os_->vcpus().vcpu(0).fd(), kvm_.msr_index_list());
  for (size_t i = 0; i < guest_os_->vcpus().size(); ++i)
    out.push_back(take_snapshot(guest_os_->vcpus().vcpu(i).fd(), snapshot_options_));
  return out;
}

std::vector<std::vector<std::string>> SecureMonitor::last_state_diffs() const {
  std::lock_guard<std::mutex> lock(diffs_mutex_);
  return last_diffs_;
}

void SecureMonitor::fail_closed(TeardownStep step, const std::string& reason) {
  failed_.store(true);
  log::error("monitor", "teardown failed at step {}: {}", teardown_step_name(step), reason);
  // Zero what we can: every trusted VM still here is stopped and its RAM overwritten as its
  // slots are released. The guest OS stays frozen; the machine ends with status 10.
  for (size_t i = 0; i < trusted_.size(); ++i) {
    auto& t = trusted_[i];
    if (!t) continue;
    try {
      (void)t->scrub_and_close(scrub_threads());
    } catch (const std::exception& e) {
      log::error("monitor", "scrubbing trusted VM {} after the failure: {}", t->index(), e.what());
    }
    t.reset();
    trusted_state_[i].store(0);
  }
  try {
    chipset_->scrub_trusted_banks();
  } catch (...) {
  }
  events_.emit("TEARDOWN_FAILED", {{"step", teardown_step_name(step)}, {"reason", reason}});
  end_machine_(SVMM_EXIT_TEARDOWN_FAILED,
                fmt::format("teardown failed at step {}: {}", teardown_step_name(step), reason));
}

TeardownOutcome SecureMonitor::do_teardown(TeardownTrigger trigger, uint64_t report_gpa,
                                           std::chrono::steady_clock::time_point t0) {
  TeardownOutcome out;
  // Judged against the state now (a teardown that was queued behind another finds normal mode).
  if (!secure() || failed_.load()) {
    out.result = err(SVMM_EINVAL);
    return out;
  }
  if (trigger == TeardownTrigger::GuestRequest && report_gpa != 0 && !report_buffer_ok(report_gpa)) {
    out.result = err(SVMM_EFAULT);
    return out;
  }

  TeardownStep step = TeardownStep::Freeze;
  std::vector<VcpuSnapshot> before;
  try {
    // 1. Freeze: every vCPU of every VM out of guest mode and held.
    std::vector<VcpuGroup*> groups;
    if (guest_os_) groups.push_back(&guest_os_->vcpus());
    for (auto& t : trusted_)
      if (t) groups.push_back(&t->vm().vcpus());
    for (auto* g : groups) g->request_park();
    for (auto* g : groups) g->wait_parked();
    maybe_inject_failure(step);
    auto lap = [t0, last = t0](const char* what) mutable {
      const auto now = std::chrono::steady_clock::now();
      log::debug("monitor", "teardown: {} took {} us (at {} us)", what,
                 std::chrono::duration_cast<std::chrono::microseconds>(now - last).count(),
                 std::chrono::duration_cast<std::chrono::microseconds>(now - t0).count());
      last = now;
    };
    lap("freeze");
    if (verify_untouched_) before = snapshot_guest_os();

    // 2. Cap: PCRs 17 and 18 extended with the cap digest at locality 2 (token.md section 3).
    step = TeardownStep::Cap;
    maybe_inject_failure(step);
    out.report.pcrs_capped = token_ ? token_->cap() : 0;

    // 3. Scrub: zero and verify every trusted byte, remove and unmap the slots, close the
    // trusted vCPUs and VMs, zero the trusted vCPUs' bank registers.
    step = TeardownStep::Scrub;
    maybe_inject_failure(step);
    uint32_t closed = 0;
    for (size_t i = 0; i < trusted_.size(); ++i) {
      auto& t = trusted_[i];
      if (!t) continue;
      out.report.bytes_scrubbed += t->scrub_and_close(scrub_threads());
      t.reset();
      trusted_state_[i].store(0);
      ++closed;
    }
    chipset_->scrub_trusted_banks();
    if (token_) token_->reset_trusted_localities();  // the FIFOs of localities 1 and 2, zeroed
    out.report.trusted_vms = closed;
    lap("scrub and close");

    // 4. Close the chipset.
    step = TeardownStep::Close;
    maybe_inject_failure(step);
    chipset_->teardown_close();

    // 5. Leave secure mode.
    step = TeardownStep::Leave;
    maybe_inject_failure(step);
    secure_.store(false);
    out.report.magic = SVMM_TEARDOWN_REPORT_MAGIC;
    out.report.version = SVMM_TEARDOWN_REPORT_VERSION;
    out.report.trigger = static_cast<uint32_t>(trigger);
    out.report.duration_ns = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
            .count());
    if (report_gpa != 0 && guest_os_ &&
        !guest_os_->memory().write_obj(GuestAddress(report_gpa), out.report))
      throw InternalError("cannot write the teardown report");
    events_.emit("TEARDOWN", report_json(out.report, trigger));

    // 6. Resume the guest OS, state untouched.
    step = TeardownStep::Resume;
    maybe_inject_failure(step);
    if (verify_untouched_) {
      auto after = snapshot_guest_os();
      std::vector<std::vector<std::string>> diffs;
      for (size_t i = 0; i < before.size() && i < after.size(); ++i)
        diffs.push_back(diff_snapshots(before[i], after[i]));
      std::lock_guard<std::mutex> lock(diffs_mutex_);
      last_diffs_ = std::move(diffs);
    }
    if (guest_os_) guest_os_->vcpus().resume();
  } catch (const std::exception& e) {
    fail_closed(step, e.what());
    out.failed = true;
    out.result = err(SVMM_EIO);
    return out;
  }
  out.torn_down = true;
  out.result = 0;
  log::info("monitor", "teardown ({}) done: {} trusted VM(s), {} bytes scrubbed in {} us",
            trigger_name(trigger), out.report.trusted_vms, out.report.bytes_scrubbed,
            out.report.duration_ns / 1000);
  return out;
}

}  // namespace svmm
