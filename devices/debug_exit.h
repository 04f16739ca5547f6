// QEMU's isa-debug-exit (hw/misc/debugexit.c) at ports 0xF4-0xF7 (spec/guest-abi.md section
// 3): a 1-, 2- or 4-byte write of value v ends the VM. The device only reports v; the VM
// decides what "end" means and computes the exit status with debug_exit_status().
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "protocol/ports.h"
#include "vmm/bus/bus_device.h"

namespace svmm {

// spec/guest-abi.md section 3: svmm exits with ((v << 1) | 1) & 0xFF, so a guest can never
// produce status 0 through this port (QEMU's convention, kept for its test suites).
[[nodiscard]] constexpr uint8_t debug_exit_status(uint32_t v) {
  return static_cast<uint8_t>(((v << 1) | 1) & 0xFF);
}

class DebugExit final : public BusDevice {
 public:
  static constexpr uint64_t kRangeLength = SVMM_PORT_DEBUG_EXIT_LEN;
  using Handler = std::function<void(uint32_t v)>;

  // Throws InternalError if `on_exit` is empty. The handler runs on the writing vCPU thread.
  explicit DebugExit(Handler on_exit);

  // Reads return all ones, as if the port were unassigned (QEMU's device has no read side).
  void read(uint64_t offset, std::span<uint8_t> data, const Requester& who) override;
  // A write of width 1, 2 or 4 at any offset calls the handler with the little-endian value,
  // zero-extended; QEMU's device likewise ignores the offset. Other widths are ignored (QEMU
  // accepts only 1-4, and port I/O has no 3-byte access).
  void write(uint64_t offset, std::span<const uint8_t> data, const Requester& who) override;

 private:
  Handler on_exit_;
};

}  // namespace svmm
