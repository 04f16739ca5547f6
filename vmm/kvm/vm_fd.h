// A KVM VM file descriptor: memory slots, in-kernel irqchip and PIT, IRQ lines, vCPU creation.
#pragma once

#include "vmm/kvm/linux_kvm.h"

#include <cstdint>

#include "vmm/util/unique_fd.h"

namespace svmm {

class VcpuFd;

class VmFd {
 public:
  VmFd(UniqueFd fd, int vcpu_mmap_size) : fd_(std::move(fd)), vcpu_mmap_size_(vcpu_mmap_size) {}

  // KVM_SET_USER_MEMORY_REGION; a size of 0 deletes the slot.
  void set_user_memory_region(uint32_t slot, uint64_t guest_phys, uint64_t size, void* host,
                              uint32_t flags = 0) const;
  void remove_user_memory_region(uint32_t slot) const;
  void set_tss_addr(uint64_t addr) const;
  void set_identity_map_addr(uint64_t addr) const;
  void create_irqchip() const;
  void create_pit2() const;
  void irq_line(uint32_t irq, bool level) const;
  // Delivers an MSI through the in-kernel LAPICs (KVM_SIGNAL_MSI): `vector` to the local APIC
  // with id `apic_id`, fixed delivery, edge triggered.
  void signal_msi(uint32_t apic_id, uint8_t vector) const;
  [[nodiscard]] int check_extension(int cap) const;
  [[nodiscard]] VcpuFd create_vcpu(uint32_t id) const;
  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
  int vcpu_mmap_size_;
};

}  // namespace svmm
