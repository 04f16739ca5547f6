#include "devices/pci_config.h"

#include <algorithm>

namespace svmm {

void PciConfigMech1::read(uint64_t /*offset*/, std::span<uint8_t> data, const Requester& /*who*/) {
  std::fill(data.begin(), data.end(), uint8_t{0xFF});
}

void PciConfigMech1::write(uint64_t /*offset*/, std::span<const uint8_t> /*data*/,
                           const Requester& /*who*/) {}

}  // namespace svmm
