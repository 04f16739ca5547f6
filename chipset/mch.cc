#include "chipset/mch.h"

#include <algorithm>
#include <stdexcept>

#include "protocol/chipset.h"

namespace svmm {
namespace {

// seed 0025: the ICH's registers, which the MCH passes on.
bool ich_range(uint64_t offset) { return offset >= SVMM_CS_ICH_BASE && offset < SVMM_CS_ICH_END; }

// seed 0027: only processors reach the configuration space.
bool decoded(ChipsetWindow window, const Requester& who) {
  return window != ChipsetWindow::Token && who.role != RequesterRole::Monitor;
}

}  // namespace

void Mch::read(ChipsetWindow window, uint64_t offset, std::span<uint8_t> data,
               const Requester& who) {
  if (!decoded(window, who)) {
    std::fill(data.begin(), data.end(), uint8_t{0xFF});
  } else if (ich_range(offset)) {
    ich_.read(window, offset, data, who);
  } else {
    config_.read(window, offset, data, who);
  }
}

void Mch::write(ChipsetWindow window, uint64_t offset, std::span<const uint8_t> data,
                const Requester& who) {
  if (!decoded(window, who)) return;
  if (ich_range(offset)) {
    ich_.write(window, offset, data, who);
  } else {
    config_.write(window, offset, data, who);
  }
}

std::shared_ptr<BusDevice> Mch::window_device(ChipsetWindow window) {
  if (window == ChipsetWindow::Token)
    throw std::invalid_argument("the token window is not a configuration window of the MCH");
  return std::make_shared<MchWindow>(*this, window);
}

}  // namespace svmm
