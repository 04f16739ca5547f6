#include "devices/serial_16550.h"

#include "devices/serial_16550_regs.h"

namespace svmm {

using namespace uart;  // NOLINT(google-build-using-namespace): register names, .cc only

Serial16550::Serial16550(Sink& out, IrqLine& irq) : out_(out), irq_(irq) { irq_.set_level(false); }

void Serial16550::read(uint64_t offset, std::span<uint8_t> data, const Requester& /*who*/) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < data.size(); ++i) {
    const uint64_t reg = offset + i;
    data[i] = reg < kRangeLength ? read_register(static_cast<uint8_t>(reg)) : 0xFF;
  }
}

void Serial16550::write(uint64_t offset, std::span<const uint8_t> data, const Requester& /*who*/) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < data.size(); ++i) {
    const uint64_t reg = offset + i;
    if (reg < kRangeLength) write_register(static_cast<uint8_t>(reg), data[i]);
  }
}

std::size_t Serial16550::enqueue_input(std::span<const uint8_t> bytes) {
  std::lock_guard lock(mutex_);
  if (loopback()) return 0;
  std::size_t taken = 0;
  while (taken < bytes.size() && rx_.size() < kInputFifoCapacity) rx_.push_back(bytes[taken++]);
  if (taken > 0) update_irq();
  return taken;
}

std::size_t Serial16550::input_space() const {
  std::lock_guard lock(mutex_);
  return loopback() ? 0 : kInputFifoCapacity - rx_.size();
}

uint16_t Serial16550::divisor() const {
  std::lock_guard lock(mutex_);
  return static_cast<uint16_t>(dlm_ << 8 | dll_);
}

uint8_t Serial16550::read_register(uint8_t offset) {
  if (dlab() && offset == kDll) return dll_;
  if (dlab() && offset == kDlm) return dlm_;
  switch (offset) {
    case kRbrThr: {
      // Reading RBR pops one byte; LSR.DR and the RDI interrupt follow the FIFO level.
      uint8_t byte = 0;
      if (!rx_.empty()) {
        byte = rx_.front();
        rx_.pop_front();
        update_irq();
      }
      return byte;
    }
    case kIer:
      return ier_;
    case kIirFcr: {
      const uint8_t id = interrupt_id();
      // Datasheet: the THRE interrupt is cleared by reading IIR when it is the reported
      // source (or by writing THR). Linux's UART_BUG_THRE probe depends on exactly this.
      if (id == kIirThri) {
        thr_pending_ = false;
        update_irq();
      }
      return static_cast<uint8_t>(id | ((fcr_ & kFcrEnable) ? kIirFifoEnabled : 0));
    }
    case kLcr:
      return lcr_;
    case kMcr:
      return mcr_;
    case kLsr: {
      const uint8_t lsr = line_status();
      // Datasheet: the error bits (OE here; we never see parity/framing/break) clear on read.
      if (overrun_) {
        overrun_ = false;
        update_irq();
      }
      return lsr;
    }
    case kMsr: {
      const uint8_t msr = static_cast<uint8_t>(modem_lines() | msr_delta_);
      if (msr_delta_ != 0) {
        msr_delta_ = 0;
        update_irq();
      }
      return msr;
    }
    case kScr:
      return scr_;
    default:
      return 0xFF;
  }
}

void Serial16550::write_register(uint8_t offset, uint8_t value) {
  if (dlab() && offset == kDll) {
    dll_ = value;
    return;
  }
  if (dlab() && offset == kDlm) {
    dlm_ = value;
    return;
  }
  switch (offset) {
    case kRbrThr:
      // In loopback the transmitter output is wired to the receiver input instead of the
      // line. Either way the THR empties at once, so its interrupt becomes pending again.
      if (loopback()) {
        receive(value);
      } else {
        out_.write(std::span<const uint8_t>(&value, 1));
      }
      thr_pending_ = true;
      update_irq();
      break;
    case kIer: {
      const uint8_t changed = static_cast<uint8_t>((ier_ ^ value) & kIerMask);
      ier_ = value & kIerMask;
      // Enabling ETBEI while THR is empty (always, here) raises THRE at once; disabling it
      // drops the pending state. Not spelled out in the datasheet, but real parts do it,
      // QEMU and Bochs do it, and Linux's __start_tx() relies on it to start transmission.
      if (changed & kIerThri) thr_pending_ = (ier_ & kIerThri) != 0;
      update_irq();
      break;
    }
    case kIirFcr:
      write_fcr(value);
      break;
    case kLcr:
      lcr_ = value;
      break;
    case kMcr:
      write_mcr(value);
      break;
    case kScr:
      scr_ = value;
      break;
    default:
      break;  // LSR and MSR are read-only: writes are ignored (factory test registers).
  }
}

void Serial16550::write_fcr(uint8_t value) {
  const bool enable = (value & kFcrEnable) != 0;
  // Changing the FIFO mode clears both FIFOs (datasheet FCR bit 0; QEMU does the same).
  if (enable != ((fcr_ & kFcrEnable) != 0)) rx_.clear();
  // Datasheet: the other FCR bits are only programmed while FCR0 is (being set to) 1.
  if (enable && (value & kFcrClearRx)) rx_.clear();
  // kFcrClearTx: the transmitter is always empty, nothing to clear.
  fcr_ = enable ? static_cast<uint8_t>(kFcrEnable | (value & kFcrTriggerMask)) : 0;
  update_irq();
}

void Serial16550::write_mcr(uint8_t value) {
  const uint8_t before = modem_lines();
  mcr_ = value & kMcrMask;
  const uint8_t after = modem_lines();
  // The delta bits record changes of the modem inputs, which (in loopback) follow MCR.
  const uint8_t changed = before ^ after;
  if (changed & kMsrCts) msr_delta_ |= kMsrDcts;
  if (changed & kMsrDsr) msr_delta_ |= kMsrDdsr;
  if ((before & kMsrRi) && !(after & kMsrRi)) msr_delta_ |= kMsrTeri;
  if (changed & kMsrDcd) msr_delta_ |= kMsrDdcd;
  update_irq();
}

void Serial16550::receive(uint8_t byte) {
  if (rx_.size() < kInputFifoCapacity) {
    rx_.push_back(byte);
  } else {
    overrun_ = true;  // datasheet: the FIFO keeps its bytes, the new character is lost
  }
}

bool Serial16550::loopback() const { return (mcr_ & kMcrLoop) != 0; }

bool Serial16550::dlab() const { return (lcr_ & kLcrDlab) != 0; }

uint8_t Serial16550::line_status() const {
  uint8_t lsr = kLsrThre | kLsrTemt;
  if (!rx_.empty()) lsr |= kLsrDr;
  if (overrun_) lsr |= kLsrOe;
  return lsr;
}

uint8_t Serial16550::modem_lines() const {
  if (!loopback()) {
    // No real modem: report a present, ready peer (CTS, DSR, DCD), like vm-superio.
    return kMsrCts | kMsrDsr | kMsrDcd;
  }
  // Datasheet, loopback: CTS <- RTS, DSR <- DTR, RI <- OUT1, DCD <- OUT2. Linux's probe sets
  // LOOP|OUT2|RTS and expects exactly DCD|CTS.
  uint8_t lines = 0;
  if (mcr_ & kMcrRts) lines |= kMsrCts;
  if (mcr_ & kMcrDtr) lines |= kMsrDsr;
  if (mcr_ & kMcrOut1) lines |= kMsrRi;
  if (mcr_ & kMcrOut2) lines |= kMsrDcd;
  return lines;
}

uint8_t Serial16550::interrupt_id() const {
  // Datasheet "Interrupt Control Functions": highest priority first.
  if ((ier_ & kIerRlsi) && overrun_) return kIirRlsi;
  if ((ier_ & kIerRdi) && !rx_.empty()) return kIirRdi;
  if ((ier_ & kIerThri) && thr_pending_) return kIirThri;
  if ((ier_ & kIerMsi) && msr_delta_ != 0) return kIirMsi;
  return kIirNoInt;
}

void Serial16550::update_irq() {
  const bool level = interrupt_id() != kIirNoInt;
  if (level == irq_level_) return;  // only edges reach the line (one ioctl each)
  irq_level_ = level;
  irq_.set_level(level);
}

}  // namespace svmm
