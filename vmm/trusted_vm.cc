#include "vmm/trusted_vm.h"

#include <fmt/format.h>

#include "devices/debug_exit.h"
#include "protocol/cpuid.h"
#include "protocol/memory_map.h"
#include "protocol/ports.h"
#include "vmm/console/file_sink.h"
#include "vmm/console/null_sink.h"
#include "vmm/console/stdout_sink.h"
#include "vmm/kvm_irq_line.h"
#include "vmm/util/log.h"

#include <chrono>

namespace svmm {

namespace {
std::unique_ptr<Sink> make_console(const ConsoleConfig& c) {
  switch (c.kind) {
    case ConsoleKind::Stdio: return std::make_unique<StdoutSink>();
    case ConsoleKind::File: return std::make_unique<FileSink>(c.path.string());
    case ConsoleKind::None: break;
  }
  return std::make_unique<NullSink>();
}
}  // namespace

TrustedVm::TrustedVm(const Kvm& kvm, uint32_t index, const TrustedVmConfig& config,
                     const BootImage& image, const TrustedVmWiring& wiring)
    : index_(index), name_(config.name), console_(make_console(config.console)) {
  VmSpec spec;
  spec.name = fmt::format("trusted VM {} ({})", index, config.name);
  spec.role = RequesterRole::TrustedVm;
  spec.vm_index = 1 + index;
  spec.vcpus = config.vcpus;
  spec.memory_mib = config.memory_mib;
  spec.protection = MemoryProtection::Trusted;
  spec.pit = false;
  spec.cpuid.features = SVMM_CPUID_FEATURE_HYPERCALL_PORT | SVMM_CPUID_FEATURE_CHIPSET |
                        SVMM_CPUID_FEATURE_TRUSTED_VM |
                        (wiring.token ? SVMM_CPUID_FEATURE_TOKEN : 0u);
  spec.cpuid.vm_index = 1 + index;
  auto on_stop = wiring.on_stop;
  vm_ = std::make_unique<Vm>(kvm, spec, [on_stop, index](const VmStop& s) {
    if (on_stop) on_stop(index, s);
  });

  com1_irq_ = std::make_unique<KvmIrqLine>(vm_->fd(), SVMM_COM1_IRQ);
  com1_ = std::make_shared<Serial16550>(*console_, *com1_irq_);
  auto& pio = vm_->pio();
  pio.insert(SVMM_PORT_COM1, SVMM_PORT_COM1_LEN, com1_, "COM1");
  Vm* vm = vm_.get();
  pio.insert(SVMM_PORT_DEBUG_EXIT, SVMM_PORT_DEBUG_EXIT_LEN,
             std::make_shared<DebugExit>([vm](uint32_t v) {
               // A trusted VM's debug exit ends that VM with status v (guest-abi.md section 6:
               // a non-zero status is the trusted-fault trigger).
               vm->vcpu_stopped_vm({static_cast<int>(v),
                                    fmt::format("wrote {} to the debug-exit port", v)});
             }),
             "debug-exit");
  auto& mmio = vm_->mmio();
  mmio.insert(SVMM_MMIO_CHIPSET_PRIVATE, SVMM_MMIO_CHIPSET_WINDOW_SIZE, wiring.chipset_private,
              "chipset private window");
  mmio.insert(SVMM_MMIO_CHIPSET_PUBLIC, SVMM_MMIO_CHIPSET_WINDOW_SIZE, wiring.chipset_public,
              "chipset public window");
  if (wiring.token) mmio.insert(SVMM_MMIO_TOKEN, SVMM_MMIO_TOKEN_SIZE, wiring.token, "token");

  const EntryState entry = image.load(vm_->memory());
  vm_->create_vcpus(kvm, entry, wiring.hypercalls);
}

TrustedVm::~TrustedVm() {
  // Normally scrub_and_close() ran; otherwise the memory slots zero themselves when released.
  if (vm_) vm_->stop();
}

void TrustedVm::start() { vm_->start(); }

void TrustedVm::request_stop() { vm_->request_stop(); }

uint64_t TrustedVm::scrub_and_close(unsigned threads) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  vm_->stop();  // joins the (parked or exited) vCPU threads
  const auto t1 = Clock::now();
  uint64_t bytes = vm_->memory().scrub_and_release(threads);
  const auto t2 = Clock::now();
  for (size_t i = 0; i < vm_->vcpus().size(); ++i) vm_->vcpus().vcpu(i).fd().zero_run_page();
  console_->flush();
  vm_.reset();  // closes the vCPU fds (unmapping kvm_run) and the VM fd
  const auto t3 = Clock::now();
  auto us = [](auto d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); };
  log::debug("monitor", "trusted VM {}: join {} us, scrub+verify+unmap {} us, close {} us", index_,
             us(t1 - t0), us(t2 - t1), us(t3 - t2));
  return bytes;
}

}  // namespace svmm
