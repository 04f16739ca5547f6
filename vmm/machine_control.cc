// The Machine's control commands (spec/control.md section 3). They run on the control socket's
// thread and change the machine only through the paths the guest's own requests take (a
// `teardown` command is the `control` trigger of the same teardown).
#include <fmt/format.h>

#include "protocol/exit_status.h"
#include "protocol/hypercall.h"
#include "vmm/machine.h"
#include "vmm/util/log.h"

namespace svmm {

namespace {

using control::ControlError;
using control::ErrorClass;
using nlohmann::json;

std::string hex(uint64_t v) { return fmt::format("0x{:016x}", v); }

json segment(const kvm_segment& s) {
  return {{"selector", fmt::format("0x{:04x}", s.selector)},
          {"base", hex(s.base)},
          {"limit", fmt::format("0x{:08x}", s.limit)},
          {"type", s.type},
          {"dpl", s.dpl},
          {"present", s.present != 0},
          {"l", s.l != 0},
          {"db", s.db != 0}};
}

const char* trigger_name(uint32_t code) {
  switch (code) {
    case SVMM_TRIGGER_GUEST_REQUEST: return "guest-request";
    case SVMM_TRIGGER_BREACH: return "breach";
    case SVMM_TRIGGER_POWEROFF: return "poweroff";
    case SVMM_TRIGGER_SLEEP: return "sleep";
    case SVMM_TRIGGER_CONTROL: return "control";
    case SVMM_TRIGGER_SIGNAL: return "signal";
    case SVMM_TRIGGER_TRUSTED_FAULT: return "trusted-fault";
    case SVMM_TRIGGER_GUEST_CRASH: return "guest-crash";
  }
  return "?";
}

}  // namespace

void Machine::pause() {
  std::lock_guard<std::mutex> lock(pause_mutex_);
  if (paused_.load()) return;
  // Replies once every vCPU of every VM is out of guest mode.
  guest_->vcpus().park();
  monitor_->pause_trusted_vms();
  paused_.store(true);
}

void Machine::cont() {
  std::lock_guard<std::mutex> lock(pause_mutex_);
  if (!paused_.load()) return;
  monitor_->resume_trusted_vms();
  guest_->vcpus().resume();
  paused_.store(false);
}

void Machine::quit() {
  quit_requested_.store(true);
  request_stop({SVMM_EXIT_OK, "quit (control socket)"});
}

void Machine::register_control_commands(control::Dispatcher& d) {
  d.add("query-status", [this](const json& args) {
    control::expect_no_arguments(args);
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(stop_mutex_);
      stopping = stop_.has_value();
    }
    const auto uptime = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started_);
    return json{{"state", stopping ? "shutting-down" : paused() ? "paused" : "running"},
                {"mode", monitor_->secure() ? "secure" : "normal"},
                {"uptime_ms", uptime.count()}};
  });

  d.add("query-vms", [this](const json& args) {
    control::expect_no_arguments(args);
    json vms = json::array();
    const auto states = monitor_->trusted_vm_states();
    for (size_t i = 0; i < config_.trusted_vms.size(); ++i)
      vms.push_back({{"index", i},
                     {"name", config_.trusted_vms[i].name},
                     {"state", states[i]},
                     {"memory_mib", config_.trusted_vms[i].memory_mib}});
    return json{{"guest_os",
                 {{"vcpus", config_.guest_os.vcpus}, {"memory_mib", config_.guest_os.memory_mib}}},
                {"trusted_vms", vms}};
  });

  d.add("query-chipset", [this](const json& args) {
    control::expect_no_arguments(args);
    json regs = json::object();
    for (const auto& r : monitor_->chipset().registers()) {
      if (r.value.size() <= 8) {
        uint64_t v = 0;
        for (size_t i = 0; i < r.value.size(); ++i) v |= uint64_t{r.value[i]} << (8 * i);
        regs[r.name] = v;
      } else {
        regs[r.name] = to_hex(r.value);  // PUBLIC.KEY: 32 bytes, as in memory
      }
    }
    return regs;
  });

  d.add("query-token", [this](const json& args) -> json {
    // spec/control.md: {"localities_open": [...], "pcrs": {"17": "hex", ...}} (SHA-256 bank).
    control::expect_only_keys(args, {"pcrs"});
    Token* token = monitor_->token();
    if (!token) throw ControlError{ErrorClass::InvalidState, "this machine has no token"};
    const ControlError bad_pcrs{ErrorClass::InvalidArgument,
                                "'pcrs' must be an array of PCR numbers 0-23"};
    std::vector<unsigned> pcrs = {17, 18};
    if (args.is_object() && args.contains("pcrs")) {
      const json& list = args["pcrs"];
      if (!list.is_array()) throw bad_pcrs;
      pcrs.clear();
      for (const json& p : list) {
        if (!p.is_number_unsigned() || p.get<uint64_t>() > 23) throw bad_pcrs;
        pcrs.push_back(p.get<unsigned>());
      }
    }
    const uint64_t sts = monitor_->chipset().read_register(SVMM_CS_ICH_TOKEN_STS);
    json open = json::array();
    for (unsigned l = 0; l < 5; ++l)
      if ((sts >> (SVMM_TOKEN_STS_LOCALITY_SHIFT + l)) & 1) open.push_back(l);
    json values = json::object();
    for (unsigned p : pcrs) values[std::to_string(p)] = to_hex(token->pcr_read(p));
    return json{{"localities_open", open}, {"pcrs", values}};
  });

  d.add("query-vcpu", [this](const json& args) {
    control::expect_only_keys(args, {"index"});
    auto index = control::optional_uint(args, "index", config_.guest_os.vcpus - 1);
    if (!index) throw ControlError{ErrorClass::InvalidArgument, "'index' is required"};
    // A running vCPU's registers are read while it is held out of guest mode.
    auto& vcpus = guest_->vcpus();
    vcpus.park();
    kvm_regs r{};
    kvm_sregs s{};
    try {
      r = vcpus.vcpu(*index).fd().get_regs();
      s = vcpus.vcpu(*index).fd().get_sregs();
    } catch (...) {
      vcpus.resume();
      throw;
    }
    vcpus.resume();
    return json{{"rax", hex(r.rax)}, {"rbx", hex(r.rbx)}, {"rcx", hex(r.rcx)},
                {"rdx", hex(r.rdx)}, {"rsi", hex(r.rsi)}, {"rdi", hex(r.rdi)},
                {"rsp", hex(r.rsp)}, {"rbp", hex(r.rbp)}, {"r8", hex(r.r8)},
                {"r9", hex(r.r9)},   {"r10", hex(r.r10)}, {"r11", hex(r.r11)},
                {"r12", hex(r.r12)}, {"r13", hex(r.r13)}, {"r14", hex(r.r14)},
                {"r15", hex(r.r15)}, {"rip", hex(r.rip)}, {"rflags", hex(r.rflags)},
                {"cs", segment(s.cs)}, {"ds", segment(s.ds)}, {"es", segment(s.es)},
                {"fs", segment(s.fs)}, {"gs", segment(s.gs)}, {"ss", segment(s.ss)},
                {"tr", segment(s.tr)}, {"ldt", segment(s.ldt)},
                {"gdt", {{"base", hex(s.gdt.base)}, {"limit", s.gdt.limit}}},
                {"idt", {{"base", hex(s.idt.base)}, {"limit", s.idt.limit}}},
                {"cr0", hex(s.cr0)}, {"cr2", hex(s.cr2)}, {"cr3", hex(s.cr3)},
                {"cr4", hex(s.cr4)}, {"cr8", hex(s.cr8)}, {"efer", hex(s.efer)},
                {"apic_base", hex(s.apic_base)}};
  });

  d.add("secure-launch", [this](const json& args) {
    control::expect_only_keys(args, {"vm"});
    auto vm = control::optional_uint(args, "vm", 0xFFFFFFFFull);
    if (paused()) throw ControlError{ErrorClass::InvalidState, "the machine is paused"};
    const int64_t r = monitor_->secure_launch(vm.value_or(SVMM_HC_LAUNCH_ALL));
    switch (-r) {
      case 0: return json::object();
      case SVMM_EPERM: throw ControlError{ErrorClass::InvalidState, "the fuse is disabled"};
      case SVMM_EBUSY: throw ControlError{ErrorClass::InvalidState, "already in secure mode"};
      case SVMM_ENOENT: throw ControlError{ErrorClass::InvalidArgument, "no such trusted VM"};
      default: throw ControlError{ErrorClass::Failed, "the secure launch failed (PCRs capped)"};
    }
  });

  d.add("teardown", [this](const json& args) {
    control::expect_no_arguments(args);
    if (!config_.secure.tears_down_on(TeardownTrigger::Control))
      throw ControlError{ErrorClass::InvalidState, "'control' is not in secure.teardown_on"};
    if (!monitor_->secure()) throw ControlError{ErrorClass::InvalidState, "not in secure mode"};
    auto out = monitor_->teardown(TeardownTrigger::Control);
    if (out.failed) throw ControlError{ErrorClass::Failed, "the teardown failed; svmm is ending"};
    if (!out.torn_down) throw ControlError{ErrorClass::InvalidState, "not in secure mode"};
    const auto& rep = out.report;
    return json{{"magic", rep.magic},
                {"version", rep.version},
                {"trigger", trigger_name(rep.trigger)},
                {"trusted_vms", rep.trusted_vms},
                {"bytes_scrubbed", rep.bytes_scrubbed},
                {"duration_ns", rep.duration_ns},
                {"pcrs_capped", rep.pcrs_capped}};
  });

  d.add("pause", [this](const json& args) {
    control::expect_no_arguments(args);
    pause();
    return json::object();
  });
  d.add("cont", [this](const json& args) {
    control::expect_no_arguments(args);
    cont();
    return json::object();
  });
  d.add("quit", [this](const json& args) {
    control::expect_no_arguments(args);
    quit();
    return json::object();
  });
}

}  // namespace svmm
