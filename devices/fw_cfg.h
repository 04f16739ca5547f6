// QEMU's fw_cfg, traditional I/O interface only (spec/guest-abi.md section 3; QEMU
// docs/specs/fw_cfg.rst), registered as the range [0x510, 0x512):
//   offset 0  selector: a 16-bit write selects an item and rewinds it to its first byte; other
//             writes are ignored, reads return all ones (the register is write-only);
//   offset 1  data: each byte read returns the selected item's next byte, 0 past its end (and
//             for every key svmm does not have); writes are ignored (as in QEMU since 2.4).
// Items: 0x0000 the signature "QEMU", 0x0001 the feature bitmap 0 (32 bits: no DMA interface),
// 0x0003 the RAM size in bytes (64 bits), 0x0005 the number of vCPUs (16 bits); little-endian.
// Thread safety: one mutex (the selector and the offset are shared by all vCPUs, as in QEMU).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <vector>

#include "protocol/fw_cfg.h"
#include "vmm/bus/bus_device.h"

namespace svmm {

class FwCfg final : public BusDevice {
 public:
  static constexpr uint64_t kBase = SVMM_PORT_FW_CFG;
  static constexpr uint64_t kRangeLength = SVMM_PORT_FW_CFG_LEN;
  static constexpr uint64_t kSelectorOffset = 0;
  static constexpr uint64_t kDataOffset = 1;

  FwCfg(uint64_t ram_bytes, uint16_t vcpus);

  void read(uint64_t offset, std::span<uint8_t> data, const Requester& who) override;
  void write(uint64_t offset, std::span<const uint8_t> data, const Requester& who) override;

 private:
  std::map<uint16_t, std::vector<uint8_t>> items_;  // fixed after construction
  mutable std::mutex mutex_;
  uint16_t selector_ = SVMM_FW_CFG_SIGNATURE;
  uint32_t position_ = 0;
};

}  // namespace svmm
