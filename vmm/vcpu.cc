#include "vmm/vcpu.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <cstring>
#include <exception>

#include "protocol/exit_status.h"
#include "protocol/ports.h"
#include "vmm/kvm/kvm_error.h"
#include "vmm/util/log.h"
#include "vmm/vcpu_group.h"

namespace svmm {

namespace {
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string vm_name(const Requester& r) {
  return r.role == RequesterRole::GuestOs ? std::string("guest OS")
                                          : fmt::format("trusted VM {}", r.vm_index - 1);
}
}  // namespace

namespace {
thread_local Vcpu* t_current_vcpu = nullptr;
}  // namespace

Vcpu* Vcpu::current() { return t_current_vcpu; }

Vcpu::Vcpu(VcpuFd fd, Requester requester, const PioBus& pio, const MmioBus& mmio,
           VcpuGroup& group, VcpuObserver& observer, HypercallHandler* hypercalls)
    : fd_(std::move(fd)),
      requester_(requester),
      pio_(pio),
      mmio_(mmio),
      group_(group),
      observer_(observer),
      hypercalls_(hypercalls) {}

Vcpu::~Vcpu() { join(); }

void Vcpu::start() {
  thread_ = std::thread([this] { thread_main(); });
}

void Vcpu::join() {
  if (thread_.joinable()) thread_.join();
}

void Vcpu::kick() {
  // immediate_exit covers the window before KVM_RUN; the signal interrupts a running KVM_RUN.
  fd_.set_immediate_exit(true);
  if (has_thread_.load()) pthread_kill(native_.load(), vcpu_kick_signal());
}

void Vcpu::thread_main() {
  t_current_vcpu = this;
  native_.store(pthread_self());
  has_thread_.store(true);
  try {
    while (group_.checkpoint(*this)) {
      VcpuExit exit = fd_.run();
      exits_.fetch_add(1, std::memory_order_relaxed);
      if (!handle_exit(exit)) break;
    }
  } catch (const std::exception& e) {
    observer_.vcpu_stopped_vm(
        {SVMM_EXIT_INTERNAL, fmt::format("vCPU {} of the {}: {}", index(), vm_name(requester_),
                                         e.what())});
  }
  group_.thread_exited();
}

void Vcpu::complete_pending_io() {
  // With immediate_exit set, KVM_RUN finishes an in-flight PIO/MMIO (advancing RIP, filling
  // RAX for IN) and returns EINTR without running a guest instruction (KVM API docs, "kvm_run":
  // "userspace can re-enter the guest with ... the immediate_exit field set to complete
  // pending operations without allowing any further instructions to be executed"). String I/O
  // may need several rounds.
  fd_.set_immediate_exit(true);
  for (int round = 0; round < 4096; ++round) {
    VcpuExit exit = fd_.run();
    if (std::holds_alternative<exit::Interrupted>(exit)) return;
    if (!handle_exit(exit)) return;
  }
}

bool Vcpu::crash(const std::string& what) {
  std::string where;
  try {
    where = fmt::format(" at RIP 0x{:x}", fd_.get_regs().rip);
  } catch (const KvmError&) {
  }
  observer_.vcpu_stopped_vm(
      {SVMM_EXIT_GUEST_CRASH,
       fmt::format("vCPU {} of the {}: {}{}", index(), vm_name(requester_), what, where)});
  return false;
}

bool Vcpu::port_hypercall() {
  kvm_regs regs = fd_.get_regs();
  // Outside 64-bit mode the arguments are the low 32 bits (zero-extended).
  const bool long_mode = fd_.get_sregs().cs.l;
  const uint64_t mask = long_mode ? ~0ull : 0xFFFFFFFFull;
  const std::array<uint64_t, 4> args = {regs.rbx & mask, regs.rcx & mask, regs.rsi & mask,
                                        regs.rdi & mask};
  HypercallResult r =
      hypercalls_->port_hypercall(*this, static_cast<uint32_t>(regs.rax), args);
  if (r.stop_vcpu) return false;
  // Only RAX changes. RIP: on kvm_pvm it already points past the OUT; hardware KVM advances it
  // when it completes the PIO on the next KVM_RUN. Never advance it here.
  regs.rax = static_cast<uint64_t>(r.value);
  fd_.set_regs(regs);
  return true;
}

bool Vcpu::handle_exit(const VcpuExit& exit) {
  // Devices judge an access by who made it, including at which privilege level.
  if (std::holds_alternative<exit::IoIn>(exit) || std::holds_alternative<exit::IoOut>(exit) ||
      std::holds_alternative<exit::MmioRead>(exit) || std::holds_alternative<exit::MmioWrite>(exit))
    requester_.cpl = fd_.cpl();
  return std::visit(
      Overloaded{
          [&](const exit::IoIn& io) {
            for (uint32_t i = 0; i < io.count; ++i) {
              auto chunk = io.data.subspan(size_t{i} * io.size, io.size);
              if (!pio_.read(io.port, chunk, requester_)) std::memset(chunk.data(), 0xFF, chunk.size());
            }
            return true;
          },
          [&](const exit::IoOut& io) {
            // Only a 32-bit OUT is a hypercall; byte/word OUTs fall through to the bus, where
            // nothing claims the port (spec/guest-abi.md section 5).
            if (io.port == SVMM_PORT_HYPERCALL && io.size == 4 && io.count == 1 && hypercalls_)
              return port_hypercall();
            for (uint32_t i = 0; i < io.count; ++i)
              (void)pio_.write(io.port, io.data.subspan(size_t{i} * io.size, io.size), requester_);
            return true;
          },
          [&](const exit::MmioRead& m) {
            if (!mmio_.read(m.addr, m.data, requester_)) {
              std::memset(m.data.data(), 0xFF, m.data.size());
              log::debug("mmio", "unassigned read of {} bytes at 0x{:x}", m.data.size(), m.addr);
            }
            return true;
          },
          [&](const exit::MmioWrite& m) {
            if (!mmio_.write(m.addr, m.data, requester_))
              log::debug("mmio", "unassigned write of {} bytes at 0x{:x}", m.data.size(), m.addr);
            return true;
          },
          [&](const exit::Hlt&) { return crash("halted with interrupts that can never arrive (KVM_EXIT_HLT)"); },
          [&](const exit::Shutdown&) { return crash("triple fault (KVM_EXIT_SHUTDOWN)"); },
          [&](const exit::InternalError& e) {
            return crash(fmt::format("KVM internal error, suberror {} (KVM_EXIT_INTERNAL_ERROR)",
                                     e.suberror));
          },
          [&](const exit::FailEntry& e) {
            return crash(fmt::format("VM entry failed, hardware reason 0x{:x} (KVM_EXIT_FAIL_ENTRY)",
                                     e.reason));
          },
          [&](const exit::SystemEvent& e) {
            if (e.type == KVM_SYSTEM_EVENT_SHUTDOWN || e.type == KVM_SYSTEM_EVENT_RESET) {
              observer_.vcpu_stopped_vm({SVMM_EXIT_OK, e.type == KVM_SYSTEM_EVENT_RESET
                                                           ? "guest requested reset"
                                                           : "guest requested shutdown"});
              return false;
            }
            return crash(fmt::format("system event {} (KVM_EXIT_SYSTEM_EVENT)", e.type));
          },
          [&](const exit::Interrupted&) { return true; },
          [&](const exit::Unknown& u) {
            return crash(fmt::format("unhandled exit {} ({})", kvm_exit_reason_name(u.reason),
                                     u.reason));
          },
      },
      exit);
}

}  // namespace svmm
