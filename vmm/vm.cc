#include "vmm/vm.h"

#include "protocol/memory_map.h"
#include "vmm/util/log.h"

namespace svmm {

namespace {
// KVM needs three pages for the real-mode TSS and one for the EPT identity map, in guest
// physical space that is neither RAM nor MMIO of ours: the top of the MMIO hole, as QEMU and
// Firecracker place them.
constexpr uint64_t kKvmIdentityMapAddr = 0xFFFBC000;
constexpr uint64_t kKvmTssAddr = 0xFFFBD000;
}  // namespace

Vm::Vm(const Kvm& kvm, VmSpec spec, StopHandler on_stop)
    : spec_(std::move(spec)),
      on_stop_(std::move(on_stop)),
      fd_(kvm.create_vm()),
      pio_(spec_.name + " PIO bus"),
      mmio_(spec_.name + " MMIO bus") {
  fd_.set_identity_map_addr(kKvmIdentityMapAddr);
  fd_.set_tss_addr(kKvmTssAddr);
  fd_.create_irqchip();
  if (spec_.pit) fd_.create_pit2();
  memory_ = GuestMemory(&fd_, ram_ranges(spec_.memory_mib), spec_.protection);
}

Vm::~Vm() { vcpus_.stop(); }

Requester Vm::requester(uint32_t vcpu) const {
  return Requester{spec_.role, spec_.vm_index, vcpu, 0};
}

void Vm::create_vcpus(const Kvm& kvm, const EntryState& entry, HypercallHandler* hypercalls) {
  pio_.freeze();
  mmio_.freeze();
  const auto supported = kvm.supported_cpuid();
  const bool sync_sregs = (kvm.check_extension(KVM_CAP_SYNC_REGS) & KVM_SYNC_X86_SREGS) != 0;
  for (uint32_t i = 0; i < spec_.vcpus; ++i) {
    VcpuFd fd = fd_.create_vcpu(i);
    if (sync_sregs) fd.enable_sync_sregs();
    fd.set_cpuid2(build_cpuid(supported, i, spec_.vcpus, spec_.cpuid));
    setup_msrs(fd);
    setup_fpu(fd);
    setup_lapic_lints(fd);
    if (i == 0) setup_entry(fd, entry);
    vcpus_.add(std::make_unique<Vcpu>(std::move(fd), requester(i), pio_, mmio_, vcpus_, *this,
                                      hypercalls));
  }
}

void Vm::start() { vcpus_.start(); }

void Vm::request_stop() { vcpus_.request_stop(); }

void Vm::stop() { vcpus_.stop(); }

void Vm::vcpu_stopped_vm(const VmStop& stop) {
  vcpus_.request_stop();
  if (on_stop_) on_stop_(stop);
}

}  // namespace svmm
