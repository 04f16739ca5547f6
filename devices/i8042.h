// A minimal i8042 keyboard controller (spec/guest-abi.md section 3): just enough for the
// "pulse the reset line" reboot path (command 0xFE on port 0x64) and for guests that poll it.
// There is no keyboard: the output buffer is never full, so drivers that probe for one
// (Linux's i8042_controller_check) time out cleanly and carry on without it.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "protocol/ports.h"
#include "vmm/bus/bus_device.h"

namespace svmm {

class I8042 final : public BusDevice {
 public:
  // Registered as one range [0x60, 0x65): the bus gives offsets, not ports, so one range lets
  // the device tell data (offset 0) from command/status (offset 4). Offsets 1-3 behave like
  // unassigned ports (0x61 itself is served by KVM's in-kernel PIT speaker port).
  static constexpr uint64_t kBase = SVMM_PORT_I8042_DATA;
  static constexpr uint64_t kRangeLength = SVMM_PORT_I8042_CMD - SVMM_PORT_I8042_DATA + 1;
  static constexpr uint64_t kDataOffset = 0;
  static constexpr uint64_t kCommandOffset = SVMM_PORT_I8042_CMD - SVMM_PORT_I8042_DATA;
  // Status: SYS (self-test passed) | A2 (last write was a command) | INH (keyboard not
  // inhibited); OBF and IBF clear, so "wait until the input buffer is empty" loops, such as
  // Linux's kb_wait() before the reset command, finish at once.
  static constexpr uint8_t kStatus = 0x1C;

  using Handler = std::function<void()>;

  // Throws InternalError if `on_reset` is empty. The handler runs on the writing vCPU thread.
  explicit I8042(Handler on_reset);

  void read(uint64_t offset, std::span<uint8_t> data, const Requester& who) override;
  // A byte write of 0xFE (SVMM_I8042_CMD_RESET) to the command port calls the reset handler;
  // every other write is ignored.
  void write(uint64_t offset, std::span<const uint8_t> data, const Requester& who) override;

 private:
  Handler on_reset_;
};

}  // namespace svmm
