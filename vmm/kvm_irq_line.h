// An IrqLine wired to a GSI of the VM's in-kernel irqchip (PIC + IOAPIC).
#pragma once

#include <cstdint>

#include "devices/irq_line.h"
#include "vmm/kvm/vm_fd.h"

namespace svmm {

class KvmIrqLine final : public IrqLine {
 public:
  KvmIrqLine(const VmFd& vm, uint32_t gsi) : vm_(vm), gsi_(gsi) {}
  void set_level(bool asserted) override { vm_.irq_line(gsi_, asserted); }

 private:
  const VmFd& vm_;
  uint32_t gsi_;
};

}  // namespace svmm
