// PCI configuration mechanism 1 at ports 0xCF8-0xCFF (spec/guest-abi.md section 3: "no
// devices; reads all ones"). Every read of 0xCF8-0xCFF returns all ones and writes are ignored,
// as the spec says to the letter. (Hardware and QEMU latch CONFIG_ADDRESS so that a probe such
// as Linux's pci_check_type1 finds the mechanism and then an empty bus; with all ones Linux
// finds no mechanism and runs without PCI, the same outcome for a machine without devices.)
#pragma once

#include <cstdint>
#include <span>

#include "protocol/ports.h"
#include "vmm/bus/bus_device.h"

namespace svmm {

class PciConfigMech1 final : public BusDevice {
 public:
  static constexpr uint64_t kBase = SVMM_PORT_PCI_CONFIG;
  static constexpr uint64_t kRangeLength = SVMM_PORT_PCI_CONFIG_LEN;
  static constexpr uint64_t kAddressOffset = 0;
  static constexpr uint64_t kDataOffset = 4;

  void read(uint64_t offset, std::span<uint8_t> data, const Requester& who) override;
  void write(uint64_t offset, std::span<const uint8_t> data, const Requester& who) override;
};

}  // namespace svmm
