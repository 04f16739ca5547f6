#include "chipset/ich.h"

#include <algorithm>

namespace svmm {

void Ich::read(ChipsetWindow window, uint64_t offset, std::span<uint8_t> data,
               const Requester& who) {
  forwarded_.fetch_add(1, std::memory_order_relaxed);
  config_.read(window, offset, data, who);
}

void Ich::write(ChipsetWindow window, uint64_t offset, std::span<const uint8_t> data,
                const Requester& who) {
  forwarded_.fetch_add(1, std::memory_order_relaxed);
  config_.write(window, offset, data, who);
}

TokenRoute Ich::route_token_access(uint64_t token_offset, std::size_t width, bool write,
                                   const Requester& who) {
  const uint64_t locality = token_offset / kLocalityStride;
  if (locality < kLocalities && config_.locality_usable(static_cast<unsigned>(locality), who)) {
    config_.count_token_forward();
    return {.forward = true, .fill = 0};
  }
  const uint8_t fill =
      config_.token_abort(static_cast<uint32_t>(token_offset),
                          static_cast<uint8_t>(std::min<std::size_t>(width, 0xFF)), write, who);
  return {.forward = false, .fill = fill};
}

}  // namespace svmm
