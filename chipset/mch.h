// The memory control hub (seed 0021-0022; Figure 1: MCH 121 with its interface 123): decodes
// every access to the two configuration windows and either serves it from the configuration
// space or forwards it to the ICH (0xE00-0xEFF, seed 0025).
//
// Only processors reach the configuration space (seed 0027): an access whose requester is not
// a vCPU (RequesterRole::Monitor arriving through a bus, i.e. a device of the VMM) reads all
// ones and its writes are ignored, without an abort. The monitor itself uses the ConfigSpace
// API, never the windows.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "chipset/config_space.h"
#include "chipset/ich.h"
#include "vmm/bus/bus_device.h"

namespace svmm {

class Mch {
 public:
  // `config` and `ich` must outlive the MCH.
  Mch(ConfigSpace& config, Ich& ich) : config_(config), ich_(ich) {}
  Mch(const Mch&) = delete;
  Mch& operator=(const Mch&) = delete;

  // An access through `window` (Private or Public) at `offset` inside the window. The Token
  // window is not decoded here: reads all ones, writes ignored.
  void read(ChipsetWindow window, uint64_t offset, std::span<uint8_t> data, const Requester& who);
  void write(ChipsetWindow window, uint64_t offset, std::span<const uint8_t> data,
             const Requester& who);

  // The bus device of one window: Private at SVMM_MMIO_CHIPSET_PRIVATE, Public at
  // SVMM_MMIO_CHIPSET_PUBLIC, each SVMM_MMIO_CHIPSET_WINDOW_SIZE long. It refers to this MCH,
  // which must outlive it. Throws std::invalid_argument for ChipsetWindow::Token.
  [[nodiscard]] std::shared_ptr<BusDevice> window_device(ChipsetWindow window);

 private:
  ConfigSpace& config_;
  Ich& ich_;
};

// One configuration window as a BusDevice (what the MMIO bus holds).
class MchWindow final : public BusDevice {
 public:
  // `mch` must outlive the window.
  MchWindow(Mch& mch, ChipsetWindow window) : mch_(mch), window_(window) {}
  void read(uint64_t offset, std::span<uint8_t> data, const Requester& who) override {
    mch_.read(window_, offset, data, who);
  }
  void write(uint64_t offset, std::span<const uint8_t> data, const Requester& who) override {
    mch_.write(window_, offset, data, who);
  }
  [[nodiscard]] ChipsetWindow window() const { return window_; }

 private:
  Mch& mch_;
  ChipsetWindow window_;
};

}  // namespace svmm
