#include "devices/i8042.h"

#include <utility>

#include "vmm/util/error.h"

namespace svmm {

I8042::I8042(Handler on_reset) : on_reset_(std::move(on_reset)) {
  if (!on_reset_) throw InternalError("i8042 device: no reset handler");
}

void I8042::read(uint64_t offset, std::span<uint8_t> data, const Requester& /*who*/) {
  // Byte-wise, as an 8-bit ISA device sees a wider access.
  for (std::size_t i = 0; i < data.size(); ++i) {
    const uint64_t reg = offset + i;
    if (reg == kDataOffset) {
      data[i] = 0;  // no scan codes, ever
    } else if (reg == kCommandOffset) {
      data[i] = kStatus;
    } else {
      data[i] = 0xFF;
    }
  }
}

void I8042::write(uint64_t offset, std::span<const uint8_t> data, const Requester& /*who*/) {
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (offset + i == kCommandOffset && data[i] == SVMM_I8042_CMD_RESET) on_reset_();
  }
}

}  // namespace svmm
