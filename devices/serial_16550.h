// A 16550A UART as a pure register state machine, in the manner of rust-vmm's vm-superio
// `Serial`: output bytes go to an injected Sink, the interrupt to an injected IrqLine, and
// input arrives through enqueue_input(). It knows nothing of KVM.
//
// Emulation choices (why they are safe for Linux's 8250 driver and simple guests):
// - Transmission is instantaneous: LSR.THRE and LSR.TEMT always read 1, and every THR write
//   makes the THR-empty interrupt pending again.
// - The receive trigger level in FCR is recorded but treated as one byte: with no timers there
//   is no character-timeout interrupt, so "data available" is reported as soon as one byte
//   waits (vm-superio does the same). Linux handles RDI and CTI identically.
// - The host-side receive FIFO holds kInputFifoCapacity bytes in both FIFO and 16450 mode;
//   enqueue_input() takes only what fits and the caller retries, so host input is never lost.
// - The interrupt line is a level: asserted while IIR reports a pending, enabled interrupt.
//   MCR.OUT2 does not gate it (as in QEMU), so guests that never set OUT2 still get interrupts.
//
// Thread safety: every public function locks one mutex; the vCPU threads and the console
// input thread may call concurrently. The Sink and IrqLine are called with the mutex held,
// so they must not call back into this device.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>

#include "devices/irq_line.h"
#include "devices/sink.h"
#include "vmm/bus/bus_device.h"

namespace svmm {

class Serial16550 final : public BusDevice {
 public:
  static constexpr uint64_t kRangeLength = 8;
  // vm-superio uses 64 too (its FIFO_SIZE); a real 16550A has 16. A deeper FIFO only means
  // the guest can drain more bytes per interrupt.
  static constexpr std::size_t kInputFifoCapacity = 64;

  // `out` and `irq` must outlive the device. The line is driven low at construction.
  Serial16550(Sink& out, IrqLine& irq);
  Serial16550(const Serial16550&) = delete;
  Serial16550& operator=(const Serial16550&) = delete;

  // Multi-byte accesses are split into byte accesses at consecutive offsets, as the ISA bus
  // does for an 8-bit device.
  void read(uint64_t offset, std::span<uint8_t> data, const Requester& who) override;
  void write(uint64_t offset, std::span<const uint8_t> data, const Requester& who) override;

  // Appends host input to the receive FIFO; returns how many leading bytes were accepted
  // (fewer than bytes.size() when the FIFO is full, none in loopback mode, where the
  // datasheet disconnects the serial input). Raises the data-available interrupt if enabled.
  [[nodiscard]] std::size_t enqueue_input(std::span<const uint8_t> bytes);
  // Free space in the receive FIFO (0 in loopback mode).
  [[nodiscard]] std::size_t input_space() const;
  // The baud rate divisor programmed through the divisor latch (default 12: 9600 baud).
  [[nodiscard]] uint16_t divisor() const;

 private:
  [[nodiscard]] uint8_t read_register(uint8_t offset);
  void write_register(uint8_t offset, uint8_t value);
  void write_fcr(uint8_t value);
  void write_mcr(uint8_t value);
  void receive(uint8_t byte);
  [[nodiscard]] bool loopback() const;
  [[nodiscard]] bool dlab() const;
  [[nodiscard]] uint8_t line_status() const;
  [[nodiscard]] uint8_t modem_lines() const;
  [[nodiscard]] uint8_t interrupt_id() const;
  void update_irq();

  Sink& out_;
  IrqLine& irq_;
  mutable std::mutex mutex_;

  uint8_t ier_ = 0;
  uint8_t lcr_ = 0x03;  // 8 data bits, 1 stop bit, no parity (vm-superio's default)
  uint8_t mcr_ = 0x08;  // OUT2: what PC firmware leaves set (vm-superio's default)
  uint8_t scr_ = 0;
  uint8_t dll_ = 0x0C;  // 115200 / 12 = 9600 baud
  uint8_t dlm_ = 0x00;
  uint8_t fcr_ = 0;  // only the FIFO-enable and trigger bits are kept
  uint8_t msr_delta_ = 0;
  bool overrun_ = false;      // LSR.OE, cleared by reading LSR
  bool thr_pending_ = false;  // THR-empty interrupt not yet acknowledged
  bool irq_level_ = false;
  std::deque<uint8_t> rx_;
};

}  // namespace svmm
