// A device reachable through a PIO or MMIO bus. Devices are pure state machines: they see the
// offset inside their range, the bytes, and the requester; they know nothing of KVM.
#pragma once

#include <cstdint>
#include <span>

#include "vmm/bus/requester.h"

namespace svmm {

class BusDevice {
 public:
  virtual ~BusDevice() = default;
  // `data.size()` is the access width (1, 2, 4 or 8; MMIO may be other sizes). A read fills
  // every byte of `data`.
  virtual void read(uint64_t offset, std::span<uint8_t> data, const Requester& who) = 0;
  virtual void write(uint64_t offset, std::span<const uint8_t> data, const Requester& who) = 0;
};

}  // namespace svmm
