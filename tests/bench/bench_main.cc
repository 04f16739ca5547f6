// svmm's benchmarks (issue "Foundation"), each next to its physical limit measured in the same
// run on the same machine. Prints medians and ratios; asserts nothing about time.
//
//   build/tests/bench/svmm_bench [--quick]
//
// 1. PIO exit round trip: the test kernel's `pio-loop count=N` (N OUTs to port 0x80) under
//    svmm's full path (vCPU thread, bus, device), against a bare single-threaded KVM_RUN loop
//    that runs the very same kernel and answers its exits inline. Per-exit cost is
//    (t(N) - t(0)) / N, so boot and console output cancel out.
// 2. Start-up: `svmm run` of the `hello` scenario, process start to exit, against creating a
//    VM with a 64 MiB slot and one vCPU and running it to its first HLT.
// 3. Memory: svmm's RSS minus the guest RAM it has touched, while a 1-vCPU 64 MiB guest runs.
#include <fmt/format.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "protocol/cpuid.h"
#include "protocol/ports.h"
#include "tests/support/process.h"
#include "vmm/boot_image.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/vcpu_fd.h"
#include "vmm/kvm/vm_fd.h"
#include "vmm/machine.h"
#include "vmm/memory/guest_memory.h"
#include "vmm/x86/cpuid.h"
#include "vmm/x86/vcpu_setup.h"

namespace svmm::bench {
namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double us_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

// The bare loop: the test kernel booted by hand, one thread, exits answered inline. Returns
// the microseconds from the first KVM_RUN to the debug exit.
double bare_run(const Kvm& kvm, const std::string& cmdline) {
  BootImage image({SVMM_TEST_KERNEL, BootProtocol::Auto, std::nullopt, cmdline, 64, 1, true});
  VmFd vm = kvm.create_vm();
  vm.set_identity_map_addr(0xFFFBC000);
  vm.set_tss_addr(0xFFFBD000);
  vm.create_irqchip();
  GuestMemory mem(vm, ram_ranges(64), MemoryProtection::Normal);
  Entry32 entry = image.load(mem);
  VcpuFd vcpu = vm.create_vcpu(0);
  vcpu.set_cpuid2(build_cpuid(kvm.supported_cpuid(), 0, 1, {SVMM_CPUID_FEATURE_HYPERCALL_PORT, 0}));
  setup_msrs(vcpu);
  setup_fpu(vcpu);
  setup_lapic_lints(vcpu);
  setup_entry32(vcpu, entry);
  auto t0 = Clock::now();
  for (;;) {
    VcpuExit e = vcpu.run();
    if (auto* in = std::get_if<exit::IoIn>(&e)) {
      // LSR: transmitter empty, so the polled console never waits.
      std::memset(in->data.data(), in->port == SVMM_PORT_COM1 + 5 ? 0x60 : 0xFF, in->data.size());
    } else if (auto* out = std::get_if<exit::IoOut>(&e)) {
      if (out->port == SVMM_PORT_DEBUG_EXIT) return us_since(t0);
    } else if (auto* rd = std::get_if<exit::MmioRead>(&e)) {
      std::memset(rd->data.data(), 0xFF, rd->data.size());
    } else if (!std::holds_alternative<exit::MmioWrite>(e) &&
               !std::holds_alternative<exit::Interrupted>(e)) {
      throw std::runtime_error("bare loop: unexpected exit");
    }
  }
}

// svmm's path, in process: Machine construction is not timed, run() is.
double svmm_run(const std::string& cmdline) {
  Config c = default_config();
  c.guest_os.kernel = SVMM_TEST_KERNEL;
  c.guest_os.cmdline = cmdline;
  c.guest_os.memory_mib = 64;
  c.guest_os.console = {ConsoleKind::None, {}};
  Machine m(c);
  auto t0 = Clock::now();
  (void)m.run();
  return us_since(t0);
}

template <typename F>
double median_of(int runs, F f) {
  std::vector<double> v;
  for (int i = 0; i < runs; ++i) v.push_back(f());
  return median(v);
}

void bench_pio(const Kvm& kvm, bool quick) {
  const int n = quick ? 2000 : 20000;
  const int runs = quick ? 3 : 7;
  std::string loop = fmt::format("pio-loop count={}", n);
  // Interleave the two so that drifting machine load hits both alike.
  double bare0 = median_of(runs, [&] { return bare_run(kvm, "pio-loop count=0"); });
  double svmm0 = median_of(runs, [&] { return svmm_run("pio-loop count=0"); });
  double bare_n = median_of(runs, [&] { return bare_run(kvm, loop); });
  double svmm_n = median_of(runs, [&] { return svmm_run(loop); });
  double bare_us = (bare_n - bare0) / n;
  double svmm_us = (svmm_n - svmm0) / n;
  fmt::print("pio exit round trip ({} OUTs, median of {}):\n", n, runs);
  fmt::print("  bare KVM_RUN loop (limit)   {:8.3f} us/exit\n", bare_us);
  fmt::print("  svmm                        {:8.3f} us/exit\n", svmm_us);
  fmt::print("  ratio svmm/bare             {:8.3f}   (target <= 1.05)\n\n", svmm_us / bare_us);
}

// Creates a VM with a 64 MiB slot and one vCPU, runs it to its first exit (HLT without an
// irqchip; an OUT with the in-kernel irqchip and PIT that svmm's guest OS VM must have, where
// HLT would just block), and with `destroy` includes closing the VM: what KVM itself costs.
double bare_first_exit(const Kvm& kvm, bool with_irqchip_and_pit) {
  auto t0 = Clock::now();
  {
    VmFd vm = kvm.create_vm();
    if (with_irqchip_and_pit) {
      vm.set_identity_map_addr(0xFFFBC000);
      vm.set_tss_addr(0xFFFBD000);
      vm.create_irqchip();
      vm.create_pit2();
    }
    GuestMemory mem(vm, {{0, 64ull << 20}}, MemoryProtection::Normal);
    const uint8_t hlt[] = {0xF4};
    const uint8_t out_f4[] = {0xE6, 0xF4};  // out 0xF4, al
    (void)mem.write(GuestAddress(0x1000), with_irqchip_and_pit ? std::span<const uint8_t>(out_f4)
                                                               : std::span<const uint8_t>(hlt));
    VcpuFd vcpu = vm.create_vcpu(0);
    kvm_sregs s = vcpu.get_sregs();
    s.cs.base = 0;
    s.cs.selector = 0;
    vcpu.set_sregs(s);
    kvm_regs r{};
    r.rip = 0x1000;
    r.rflags = 2;
    vcpu.set_regs(r);
    VcpuExit e = vcpu.run();
    bool ok = with_irqchip_and_pit ? std::holds_alternative<exit::IoOut>(e)
                                   : std::holds_alternative<exit::Hlt>(e);
    if (!ok) throw std::runtime_error("bare VM did not reach its first exit");
    if (!with_irqchip_and_pit) return us_since(t0);
  }
  return us_since(t0);
}

void bench_startup(const Kvm& kvm, bool quick) {
  const int runs = quick ? 5 : 20;
  double bare = median_of(runs, [&] { return bare_first_exit(kvm, false); });
  double floor = median_of(runs, [&] { return bare_first_exit(kvm, true); });
  double svmm = median_of(runs, [&] {
    auto t0 = Clock::now();
    auto r = test::run_process({SVMM_BINARY, "run", "--kernel", SVMM_TEST_KERNEL, "--cmdline",
                                "hello", "--memory", "64", "--console", "none", "--log-level",
                                "warn"});
    double us = us_since(t0);
    if (r.exit_status != 1) throw std::runtime_error("svmm run hello failed: " + r.err);
    return us;
  });
  fmt::print("start-up (median of {}):\n", runs);
  fmt::print("  bare: create VM + 64 MiB + vCPU, run to first HLT (limit)      {:8.2f} ms\n",
             bare / 1000);
  fmt::print("  bare: same with in-kernel irqchip + PIT, then destroy the VM   {:8.2f} ms\n",
             floor / 1000);
  fmt::print("  svmm run hello, process start to exit                          {:8.2f} ms"
             "   (target < 10 ms)\n",
             svmm / 1000);
  fmt::print("  ratio svmm / bare limit {:.1f}, svmm / bare with irqchip+PIT+destroy {:.1f}\n\n",
             svmm / bare, svmm / floor);
}

// Resident kB of the whole process and of its guest RAM mapping (the 64 MiB anonymous one).
std::pair<long, long> rss_kb(pid_t pid, long guest_kb) {
  std::ifstream f(fmt::format("/proc/{}/smaps", pid));
  std::string line;
  long total = 0, guest = 0;
  bool in_guest = false;
  while (std::getline(f, line)) {
    long v;
    char name[64];
    if (std::sscanf(line.c_str(), "Size: %ld kB", &v) == 1) in_guest = (v == guest_kb);
    if (std::sscanf(line.c_str(), "%63[A-Za-z_]: %ld kB", name, &v) == 2 &&
        std::strcmp(name, "Rss") == 0) {
      total += v;
      if (in_guest) guest += v;
    }
  }
  return {total, guest};
}

void bench_rss() {
  pid_t pid = ::fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::execl(SVMM_BINARY, SVMM_BINARY, "run", "--kernel", SVMM_TEST_KERNEL, "--cmdline", "spin",
            "--memory", "64", "--vcpus", "1", static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  auto [total, guest] = rss_kb(pid, 64 * 1024);
  ::kill(pid, SIGTERM);
  int st;
  ::waitpid(pid, &st, 0);
  fmt::print("memory (1 vCPU, 64 MiB guest, running):\n");
  fmt::print("  RSS {:.2f} MiB, of which guest RAM {:.2f} MiB\n", total / 1024.0, guest / 1024.0);
  fmt::print("  RSS minus guest RAM         {:8.2f} MiB   (target < 5 MiB)\n\n",
             (total - guest) / 1024.0);
}

}  // namespace
}  // namespace svmm::bench

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  std::string why;
  if (!svmm::test::kvm_available(&why)) {
    fmt::print("svmm_bench: {}; nothing to measure\n", why);
    return 0;
  }
  svmm::Kvm kvm;
  svmm::bench::bench_pio(kvm, quick);
  svmm::bench::bench_startup(kvm, quick);
  svmm::bench::bench_rss();
  return 0;
}
