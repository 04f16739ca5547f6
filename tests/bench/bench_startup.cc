// Start-up and memory footprint.
//
// 1. Start-up: `svmm run` of the `hello` scenario, process start to exit, against creating a
//    VM with a 64 MiB slot and one vCPU and running it to its first HLT.
// 2. Memory: svmm's RSS minus the guest RAM it has touched, while a 1-vCPU 64 MiB guest runs.
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "tests/bench/bench_common.h"
#include "tests/support/process.h"
#include "vmm/kvm/vcpu_fd.h"
#include "vmm/kvm/vm_fd.h"
#include "vmm/memory/guest_memory.h"

namespace svmm::bench {
namespace {

// Creates a VM with a 64 MiB slot and one vCPU, runs it to its first exit (HLT without an
// irqchip; an OUT with the in-kernel irqchip and PIT that svmm's guest OS VM must have, where
// HLT would just block), and with the irqchip and PIT includes closing the VM: what KVM itself
// costs.
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
    GuestMemory mem(&vm, {{0, 64ull << 20}}, MemoryProtection::Normal);
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

// Resident kB of the whole process, of its guest RAM mapping (the 64 MiB anonymous one) and of
// its anonymous memory (RSS minus file pages: shared libraries and the binary).
struct Rss {
  long total = 0, guest = 0, anon = 0;
};
Rss rss_kb(pid_t pid, long guest_kb) {
  std::ifstream f(fmt::format("/proc/{}/smaps", pid));
  std::string line;
  Rss r;
  bool in_guest = false;
  while (std::getline(f, line)) {
    long v;
    char name[64];
    if (std::sscanf(line.c_str(), "Size: %ld kB", &v) == 1) in_guest = (v == guest_kb);
    if (std::sscanf(line.c_str(), "%63[A-Za-z_]: %ld kB", name, &v) != 2) continue;
    if (std::strcmp(name, "Rss") == 0) {
      r.total += v;
      if (in_guest) r.guest += v;
    } else if (std::strcmp(name, "Anonymous") == 0) {
      r.anon += v;
    }
  }
  return r;
}

}  // namespace

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
  const Rss r = rss_kb(pid, 64 * 1024);
  ::kill(pid, SIGTERM);
  int st;
  ::waitpid(pid, &st, 0);
  fmt::print("memory (1 vCPU, 64 MiB guest, running):\n");
  fmt::print("  RSS {:.2f} MiB, of which guest RAM {:.2f} MiB, file pages (binary, shared libraries) {:.2f} MiB\n",
             r.total / 1024.0, r.guest / 1024.0, (r.total - r.anon) / 1024.0);
  fmt::print("  RSS minus guest RAM         {:8.2f} MiB   (target < 5 MiB)\n", (r.total - r.guest) / 1024.0);
  fmt::print("  anonymous minus guest RAM   {:8.2f} MiB\n\n", (r.anon - r.guest) / 1024.0);
}

}  // namespace svmm::bench
