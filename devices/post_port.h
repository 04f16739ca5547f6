// Port 0x80, the POST code / I/O delay port (spec/guest-abi.md section 3). Linux writes it
// for short delays (outb_p), so it is registered to keep those writes off the unassigned-port
// log; it behaves exactly like an unassigned port otherwise.
#pragma once

#include <cstdint>
#include <span>

#include "protocol/ports.h"
#include "vmm/bus/bus_device.h"

namespace svmm {

class PostPort final : public BusDevice {
 public:
  static constexpr uint64_t kBase = SVMM_PORT_POST;
  static constexpr uint64_t kRangeLength = 1;

  void read(uint64_t offset, std::span<uint8_t> data, const Requester& who) override;
  void write(uint64_t offset, std::span<const uint8_t> data, const Requester& who) override;
};

}  // namespace svmm
