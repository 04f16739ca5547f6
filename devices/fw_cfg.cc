#include "devices/fw_cfg.h"

namespace svmm {

namespace {

std::vector<uint8_t> le(uint64_t value, unsigned bytes) {
  std::vector<uint8_t> out;
  for (unsigned i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
  return out;
}

}  // namespace

FwCfg::FwCfg(uint64_t ram_bytes, uint16_t vcpus) {
  items_[SVMM_FW_CFG_SIGNATURE] = {'Q', 'E', 'M', 'U'};
  items_[SVMM_FW_CFG_ID] = le(0, 4);
  items_[SVMM_FW_CFG_RAM_SIZE] = le(ram_bytes, 8);
  items_[SVMM_FW_CFG_NB_CPUS] = le(vcpus, 2);
}

void FwCfg::read(uint64_t offset, std::span<uint8_t> data, const Requester& /*who*/) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (offset + i != kDataOffset) {
      data[i] = 0xFF;
      continue;
    }
    const auto it = items_.find(selector_);
    const bool more = it != items_.end() && position_ < it->second.size();
    data[i] = more ? it->second[position_++] : 0;
  }
}

void FwCfg::write(uint64_t offset, std::span<const uint8_t> data, const Requester& /*who*/) {
  if (offset != kSelectorOffset || data.size() != 2) return;
  std::lock_guard lock(mutex_);
  selector_ = static_cast<uint16_t>(data[0] | (data[1] << 8));
  position_ = 0;
}

}  // namespace svmm
