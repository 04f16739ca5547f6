#include "devices/debug_exit.h"

#include <algorithm>
#include <utility>

#include "vmm/util/error.h"

namespace svmm {

DebugExit::DebugExit(Handler on_exit) : on_exit_(std::move(on_exit)) {
  if (!on_exit_) throw InternalError("debug exit device: no exit handler");
}

void DebugExit::read(uint64_t /*offset*/, std::span<uint8_t> data, const Requester& /*who*/) {
  std::fill(data.begin(), data.end(), uint8_t{0xFF});
}

void DebugExit::write(uint64_t /*offset*/, std::span<const uint8_t> data,
                      const Requester& /*who*/) {
  const std::size_t width = data.size();
  if (width != 1 && width != 2 && width != 4) return;
  uint32_t v = 0;
  for (std::size_t i = 0; i < width; ++i) v |= static_cast<uint32_t>(data[i]) << (8 * i);
  on_exit_(v);
}

}  // namespace svmm
