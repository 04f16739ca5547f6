#include "vmm/kvm/vm_fd.h"

#include <sys/ioctl.h>

#include <cerrno>

#include "vmm/kvm/kvm_error.h"
#include "vmm/kvm/vcpu_fd.h"

namespace svmm {

void VmFd::set_user_memory_region(uint32_t slot, uint64_t guest_phys, uint64_t size, void* host,
                                  uint32_t flags) const {
  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.flags = flags;
  region.guest_phys_addr = guest_phys;
  region.memory_size = size;
  region.userspace_addr = reinterpret_cast<uint64_t>(host);
  if (::ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0)
    throw KvmError("KVM_SET_USER_MEMORY_REGION", errno);
}

void VmFd::remove_user_memory_region(uint32_t slot) const {
  set_user_memory_region(slot, 0, 0, nullptr);
}

void VmFd::set_tss_addr(uint64_t addr) const {
  if (::ioctl(fd_.get(), KVM_SET_TSS_ADDR, static_cast<unsigned long>(addr)) < 0)
    throw KvmError("KVM_SET_TSS_ADDR", errno);
}

void VmFd::set_identity_map_addr(uint64_t addr) const {
  uint64_t a = addr;
  if (::ioctl(fd_.get(), KVM_SET_IDENTITY_MAP_ADDR, &a) < 0)
    throw KvmError("KVM_SET_IDENTITY_MAP_ADDR", errno);
}

void VmFd::create_irqchip() const {
  if (::ioctl(fd_.get(), KVM_CREATE_IRQCHIP, 0) < 0) throw KvmError("KVM_CREATE_IRQCHIP", errno);
}

void VmFd::create_pit2() const {
  kvm_pit_config cfg{};
  cfg.flags = KVM_PIT_SPEAKER_DUMMY;
  if (::ioctl(fd_.get(), KVM_CREATE_PIT2, &cfg) < 0) throw KvmError("KVM_CREATE_PIT2", errno);
}

void VmFd::irq_line(uint32_t irq, bool level) const {
  kvm_irq_level l{};
  l.irq = irq;
  l.level = level ? 1 : 0;
  if (::ioctl(fd_.get(), KVM_IRQ_LINE, &l) < 0) throw KvmError("KVM_IRQ_LINE", errno);
}

void VmFd::signal_msi(uint32_t apic_id, uint8_t vector) const {
  kvm_msi msi{};
  msi.address_lo = 0xFEE00000u | ((apic_id & 0xFFu) << 12);
  msi.data = vector;
  if (::ioctl(fd_.get(), KVM_SIGNAL_MSI, &msi) < 0) throw KvmError("KVM_SIGNAL_MSI", errno);
}

int VmFd::check_extension(int cap) const {
  int r = ::ioctl(fd_.get(), KVM_CHECK_EXTENSION, cap);
  return r < 0 ? 0 : r;
}

VcpuFd VmFd::create_vcpu(uint32_t id) const {
  int fd = ::ioctl(fd_.get(), KVM_CREATE_VCPU, static_cast<unsigned long>(id));
  if (fd < 0) throw KvmError("KVM_CREATE_VCPU", errno);
  return VcpuFd(UniqueFd(fd), vcpu_mmap_size_);
}

}  // namespace svmm
