#include "tests/bench/bench_common.h"

#include <cstring>
#include <stdexcept>

#include "guest/test_abi.h"
#include "protocol/cpuid.h"
#include "protocol/exit_status.h"
#include "protocol/ports.h"
#include "tests/support/test_machine_config.h"
#include "vmm/boot_image.h"
#include "vmm/kvm/vcpu_fd.h"
#include "vmm/kvm/vm_fd.h"
#include "vmm/machine.h"
#include "vmm/memory/guest_memory.h"
#include "vmm/x86/cpuid.h"
#include "vmm/x86/vcpu_setup.h"

namespace svmm::bench {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double us_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

std::vector<double> interleaved_medians(int runs, const std::vector<std::function<double()>>& fs) {
  std::vector<std::vector<double>> samples(fs.size());
  for (int r = 0; r < runs; ++r)
    for (size_t i = 0; i < fs.size(); ++i) samples[i].push_back(fs[i]());
  std::vector<double> out;
  for (auto& s : samples) out.push_back(median(std::move(s)));
  return out;
}

double bare_run(const Kvm& kvm, const std::string& cmdline) {
  BootImage image({SVMM_TEST_KERNEL, BootProtocol::Auto, std::nullopt, cmdline, 64, 1, true});
  VmFd vm = kvm.create_vm();
  vm.set_identity_map_addr(0xFFFBC000);
  vm.set_tss_addr(0xFFFBD000);
  vm.create_irqchip();
  GuestMemory mem(&vm, ram_ranges(64), MemoryProtection::Normal);
  const EntryState entry = image.load(mem);
  VcpuFd vcpu = vm.create_vcpu(0);
  vcpu.set_cpuid2(build_cpuid(kvm.supported_cpuid(), 0, 1, {SVMM_CPUID_FEATURE_HYPERCALL_PORT, 0}));
  setup_msrs(vcpu);
  setup_fpu(vcpu);
  setup_lapic_lints(vcpu);
  setup_entry(vcpu, entry);
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

double svmm_run(const std::string& cmdline) {
  Machine m(test::test_kernel_config(cmdline));
  auto t0 = Clock::now();
  int status = m.run();
  double us = us_since(t0);
  if (status != SVMM_DEBUG_EXIT_STATUS(SVMM_TEST_EXIT_PASS))
    throw std::runtime_error("svmm run of '" + cmdline + "' ended with status " +
                                            std::to_string(status) + ", not PASS");
  return us;
}

}  // namespace svmm::bench
