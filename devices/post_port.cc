#include "devices/post_port.h"

#include <algorithm>

namespace svmm {

void PostPort::read(uint64_t /*offset*/, std::span<uint8_t> data, const Requester& /*who*/) {
  std::fill(data.begin(), data.end(), uint8_t{0xFF});
}

void PostPort::write(uint64_t /*offset*/, std::span<const uint8_t> /*data*/,
                     const Requester& /*who*/) {
  // POST codes are not recorded: nothing in svmm reads them.
}

}  // namespace svmm
