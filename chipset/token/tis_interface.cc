#include "chipset/token/tis_interface.h"

#include <algorithm>

namespace svmm {

namespace {

constexpr uint32_t kDword = 4;

[[nodiscard]] bool is_fifo(uint32_t reg) {
  return reg == SVMM_TIS_DATA_FIFO ||
         (reg >= SVMM_TIS_XDATA_FIFO && reg <= SVMM_TIS_XDATA_FIFO_END);
}

// The commandSize field of a TPM command or response header (big-endian, bytes 2-5).
[[nodiscard]] uint32_t header_size(const uint8_t* b) {
  return (uint32_t{b[2]} << 24) | (uint32_t{b[3]} << 16) | (uint32_t{b[4]} << 8) | b[5];
}

}  // namespace

const char* tis_state_name(TisState s) {
  switch (s) {
    case TisState::Idle:
      return "idle";
    case TisState::Ready:
      return "ready";
    case TisState::Reception:
      return "reception";
    case TisState::Execution:
      return "execution";
    case TisState::Completion:
      return "completion";
  }
  return "?";
}

TisInterface::TisInterface(TpmBackend& backend) : backend_(backend) {}

// --- accesses: cut into 32-bit registers ----------------------------------------------------

void TisInterface::read(uint64_t offset, std::span<uint8_t> data) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t i = 0;
  while (i < data.size()) {
    const uint64_t at = offset + i;
    const uint32_t first = static_cast<uint32_t>(at % kDword);
    const std::size_t n = std::min<std::size_t>(kDword - first, data.size() - i);
    if (at >= kWindowSize) {
      std::fill_n(data.begin() + static_cast<std::ptrdiff_t>(i), n, uint8_t{0xFF});
    } else {
      const auto l = static_cast<unsigned>(at >> SVMM_TOKEN_LOCALITY_SHIFT);
      const auto reg = static_cast<uint32_t>(at & 0xFFCu);
      read_part(l, reg, first, data.subspan(i, n));
    }
    i += n;
  }
}

void TisInterface::write(uint64_t offset, std::span<const uint8_t> data) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t i = 0;
  while (i < data.size()) {
    const uint64_t at = offset + i;
    const uint32_t first = static_cast<uint32_t>(at % kDword);
    const std::size_t n = std::min<std::size_t>(kDword - first, data.size() - i);
    if (at < kWindowSize) {
      const auto l = static_cast<unsigned>(at >> SVMM_TOKEN_LOCALITY_SHIFT);
      const auto reg = static_cast<uint32_t>(at & 0xFFCu);
      write_part(l, reg, first, data.subspan(i, n));
    }
    i += n;
  }
}

// --- reads ----------------------------------------------------------------------------------

void TisInterface::read_part(unsigned l, uint32_t reg, unsigned first, std::span<uint8_t> out) {
  if (is_fifo(reg)) {
    // Non-active localities read 0xFF (QEMU: val stays all ones).
    for (auto& b : out) b = active_ == l ? fifo_read(l) : uint8_t{SVMM_TIS_NO_DATA_BYTE};
    return;
  }
  const uint32_t v = register_value(l, reg, out.size());
  for (std::size_t k = 0; k < out.size(); ++k)
    out[k] = static_cast<uint8_t>(v >> (8 * (first + k)));
}

uint32_t TisInterface::register_value(unsigned l, uint32_t reg, std::size_t width) {
  Locality& loc = loc_[l];
  switch (reg) {
    case SVMM_TIS_ACCESS: {
      // Seize is internal only; pendingRequest is computed; bit 0 is !tpmEstablished.
      uint32_t v = loc.access & ~uint32_t{SVMM_TIS_ACCESS_SEIZE} & 0xFFu;
      if (request_pending_except(l)) v |= SVMM_TIS_ACCESS_PENDING_REQUEST;
      if (!backend_.established()) v |= SVMM_TIS_ACCESS_ESTABLISHMENT;
      return v;
    }
    case SVMM_TIS_INT_ENABLE:
      return loc.inte;
    case SVMM_TIS_INT_VECTOR:
      return 0;  // no interrupt line
    case SVMM_TIS_INT_STATUS:
      return 0;  // never an interrupt pending
    case SVMM_TIS_INTF_CAPABILITY:
      return SVMM_TIS_INTF_CAPABILITY_VALUE;
    case SVMM_TIS_STS: {
      if (active_ != l) return 0xFFFFFFFFu;
      std::size_t burst;
      if (loc.sts & SVMM_TIS_STS_DATA_AVAIL) {
        burst = loc.response_len - loc.offset;
      } else {
        burst = kBufferSize - loc.offset;
        // A byte read must not show 0x00 for 0x100 or more (QEMU does the same).
        if (width == 1 && burst > 0xFF) burst = 0xFF;
      }
      return loc.sts | (static_cast<uint32_t>(burst) << SVMM_TIS_STS_BURST_SHIFT);
    }
    case SVMM_TIS_INTERFACE_ID:
      return loc.iface_id;
    case SVMM_TIS_DID_VID:
      return SVMM_TIS_DID_VID_VALUE;
    case SVMM_TIS_RID:
      return SVMM_TIS_RID_VALUE;
    default:
      return 0xFFFFFFFFu;  // unassigned
  }
}

uint8_t TisInterface::fifo_read(unsigned l) {
  Locality& loc = loc_[l];
  if (loc.state != TisState::Completion || !(loc.sts & SVMM_TIS_STS_DATA_AVAIL))
    return SVMM_TIS_NO_DATA_BYTE;
  const uint8_t b = loc.buffer[loc.offset++];
  if (loc.offset >= loc.response_len) set_sts(loc, SVMM_TIS_STS_VALID);  // got the last byte
  return b;
}

// --- writes ---------------------------------------------------------------------------------

void TisInterface::write_part(unsigned l, uint32_t reg, unsigned first,
                              std::span<const uint8_t> in) {
  if (is_fifo(reg)) {
    if (active_ != l) return;
    for (uint8_t b : in) fifo_write(l, b);
    if (loc_[l].state == TisState::Reception) {
      // Is the command complete? (QEMU: once the header's size field has arrived.)
      Locality& loc = loc_[l];
      if (loc.offset > 5 && (loc.sts & SVMM_TIS_STS_EXPECT)) {
        if (header_size(loc.buffer.data()) > loc.offset)
          set_sts(loc, SVMM_TIS_STS_EXPECT | SVMM_TIS_STS_VALID);
        else
          set_sts(loc, SVMM_TIS_STS_VALID);
      }
    }
    return;
  }
  // The written bytes at their place in the 32-bit register, and which bytes were written.
  uint32_t value = 0, mask = 0;
  for (std::size_t k = 0; k < in.size(); ++k) {
    value |= uint32_t{in[k]} << (8 * (first + k));
    mask |= 0xFFu << (8 * (first + k));
  }
  Locality& loc = loc_[l];
  switch (reg) {
    case SVMM_TIS_ACCESS:
      if (mask & 0xFFu) write_access(l, static_cast<uint8_t>(value));
      break;
    case SVMM_TIS_INT_ENABLE: {
      if (active_ != l) break;
      // No interrupt is offered: only globalIntEnable and the polarity bits are kept.
      const uint32_t writable = mask & (SVMM_TIS_INT_GLOBAL_ENABLE | SVMM_TIS_INT_POLARITY_MASK);
      loc.inte = (loc.inte & ~writable) | (value & writable);
      break;
    }
    case SVMM_TIS_STS:
      if (active_ != l) break;
      write_sts(l, value, (mask & 0xFFu) != 0, (mask & 0xFF000000u) != 0);
      break;
    case SVMM_TIS_INTERFACE_ID:
      if (value & mask & SVMM_TIS_IFACE_ID_INT_SEL_LOCK)
        for (auto& x : loc_) x.iface_id |= SVMM_TIS_IFACE_ID_INT_SEL_LOCK;
      break;
    default:
      break;  // INT_VECTOR (hard-wired), INT_STATUS (nothing to clear), read-only, unassigned
  }
}

void TisInterface::write_access(unsigned l, uint8_t val) {
  // QEMU tpm_tis_mmio_write(), case TPM_TIS_REG_ACCESS, with the abort completed at once
  // (execution is synchronous: no command is ever executing here).
  if (val & SVMM_TIS_ACCESS_SEIZE)
    val &= static_cast<uint8_t>(~(SVMM_TIS_ACCESS_REQUEST_USE | SVMM_TIS_ACCESS_ACTIVE_LOCALITY));
  uint8_t next_active = active_;
  bool set_new = true;

  if (val & SVMM_TIS_ACCESS_ACTIVE_LOCALITY) {
    if (active_ == l) {
      // Relinquish: the highest locality with a pending request becomes active.
      const uint8_t next = highest_requester();
      if (next != kNone) {
        set_new = false;
        new_active_locality(next);
      } else {
        next_active = kNone;
      }
    } else {
      loc_[l].access &= static_cast<uint8_t>(~SVMM_TIS_ACCESS_REQUEST_USE);  // withdraw a request
    }
  }

  if (val & SVMM_TIS_ACCESS_BEEN_SEIZED)
    loc_[l].access &= static_cast<uint8_t>(~SVMM_TIS_ACCESS_BEEN_SEIZED);

  if ((val & SVMM_TIS_ACCESS_SEIZE) && (active_ == kNone || l > active_)) {
    // Seize: refused while this locality or a higher one already seizes; cancels lower ones.
    bool higher = false;
    for (unsigned k = l + 1; k < kLocalities; ++k)
      higher = higher || (loc_[k].access & SVMM_TIS_ACCESS_SEIZE) != 0;
    if (!(loc_[l].access & SVMM_TIS_ACCESS_SEIZE) && !higher) {
      for (unsigned k = 0; k < l; ++k)
        loc_[k].access &= static_cast<uint8_t>(~SVMM_TIS_ACCESS_SEIZE);
      loc_[l].access |= SVMM_TIS_ACCESS_SEIZE;
      set_new = false;
      new_active_locality(static_cast<uint8_t>(l));
    }
  }

  if ((val & SVMM_TIS_ACCESS_REQUEST_USE) && active_ != l) {
    if (active_ != kNone)
      loc_[l].access |= SVMM_TIS_ACCESS_REQUEST_USE;  // pending until the owner relinquishes
    else
      next_active = static_cast<uint8_t>(l);  // the TPM is free: take it now
  }

  if (set_new) new_active_locality(next_active);
}

void TisInterface::write_sts(unsigned l, uint32_t val, bool low_byte, bool high_byte) {
  Locality& loc = loc_[l];
  if (high_byte) {
    // commandCancel: nothing to cancel, execution is synchronous.
    if ((val & SVMM_TIS_STS_RESET_ESTABLISHMENT) && (l == 3 || l == 4))
      backend_.reset_established(l);
  }
  if (!low_byte) return;
  val &= SVMM_TIS_STS_COMMAND_READY | SVMM_TIS_STS_GO | SVMM_TIS_STS_RESPONSE_RETRY;
  if (val == SVMM_TIS_STS_COMMAND_READY) {
    switch (loc.state) {
      case TisState::Ready:
        loc.offset = 0;
        break;
      case TisState::Idle:
      case TisState::Reception:  // abort the command being received
      case TisState::Execution:
      case TisState::Completion:
        to_ready(loc);
        break;
    }
  } else if (val == SVMM_TIS_STS_GO) {
    if (loc.state == TisState::Reception && !(loc.sts & SVMM_TIS_STS_EXPECT)) execute(l);
  } else if (val == SVMM_TIS_STS_RESPONSE_RETRY) {
    if (loc.state == TisState::Completion) {
      loc.offset = 0;
      set_sts(loc, SVMM_TIS_STS_VALID | SVMM_TIS_STS_DATA_AVAIL);
    }
  }
}

void TisInterface::fifo_write(unsigned l, uint8_t byte) {
  Locality& loc = loc_[l];
  if (loc.state != TisState::Ready && loc.state != TisState::Reception) return;  // dropped
  if (loc.state == TisState::Ready) {
    loc.state = TisState::Reception;
    set_sts(loc, SVMM_TIS_STS_EXPECT | SVMM_TIS_STS_VALID);
  }
  if (!(loc.sts & SVMM_TIS_STS_EXPECT)) return;  // the command is complete: dropped
  if (loc.offset < kBufferSize) {
    loc.buffer[loc.offset++] = byte;
  } else {
    set_sts(loc, SVMM_TIS_STS_VALID);  // overflow: no more bytes expected
  }
}

void TisInterface::execute(unsigned l) {
  Locality& loc = loc_[l];
  loc.state = TisState::Execution;
  const std::size_t command_len = loc.offset;
  std::size_t n = backend_.execute(l, std::span<const uint8_t>(loc.buffer.data(), command_len),
                                   std::span<uint8_t>(loc.buffer));
  n = std::min(n, kBufferSize);
  // Nothing of the command survives behind the response.
  std::fill(loc.buffer.begin() + static_cast<std::ptrdiff_t>(n), loc.buffer.end(), uint8_t{0});
  ++executed_;
  loc.response_len = n;
  loc.offset = 0;
  loc.state = TisState::Completion;
  set_sts(loc, n > 0 ? SVMM_TIS_STS_VALID | SVMM_TIS_STS_DATA_AVAIL : SVMM_TIS_STS_VALID);
}

// --- locality bookkeeping -------------------------------------------------------------------

void TisInterface::set_sts(Locality& loc, uint32_t flags) {
  // QEMU tpm_tis_sts_set(): keeps selfTestDone and the family, replaces the rest.
  loc.sts &= SVMM_TIS_STS_SELFTEST_DONE | SVMM_TIS_STS_FAMILY_MASK;
  loc.sts |= flags;
}

void TisInterface::to_idle(Locality& loc) {
  loc.state = TisState::Idle;
  set_sts(loc, 0);
  loc.offset = 0;
  loc.response_len = 0;
  loc.buffer.fill(0);
}

void TisInterface::to_ready(Locality& loc) {
  loc.state = TisState::Ready;
  set_sts(loc, SVMM_TIS_STS_COMMAND_READY);
  loc.offset = 0;
  loc.response_len = 0;
  loc.buffer.fill(0);
}

bool TisInterface::request_pending_except(unsigned l) const {
  for (unsigned k = 0; k < kLocalities; ++k)
    if (k != l && (loc_[k].access & SVMM_TIS_ACCESS_REQUEST_USE)) return true;
  return false;
}

uint8_t TisInterface::highest_requester() const {
  for (unsigned k = kLocalities; k-- > 0;)
    if (loc_[k].access & SVMM_TIS_ACCESS_REQUEST_USE) return static_cast<uint8_t>(k);
  return kNone;
}

void TisInterface::new_active_locality(uint8_t next) {
  // QEMU tpm_tis_new_active_locality(); in addition the locality that loses the TPM drops its
  // command or response (back to idle, buffer zeroed).
  const bool change = active_ != next;
  if (change && active_ != kNone) {
    const bool seize = next != kNone && (loc_[next].access & SVMM_TIS_ACCESS_SEIZE);
    Locality& old = loc_[active_];
    if (seize) {
      old.access &= static_cast<uint8_t>(~SVMM_TIS_ACCESS_ACTIVE_LOCALITY);
      old.access |= SVMM_TIS_ACCESS_BEEN_SEIZED;
    } else {
      old.access &=
          static_cast<uint8_t>(~(SVMM_TIS_ACCESS_ACTIVE_LOCALITY | SVMM_TIS_ACCESS_REQUEST_USE));
    }
    to_idle(old);
  }
  active_ = next;
  if (next != kNone) {
    loc_[next].access |= SVMM_TIS_ACCESS_ACTIVE_LOCALITY;
    loc_[next].access &=
        static_cast<uint8_t>(~(SVMM_TIS_ACCESS_REQUEST_USE | SVMM_TIS_ACCESS_SEIZE));
  }
}

void TisInterface::reset_locality(unsigned l) {
  if (l >= kLocalities) return;
  std::lock_guard<std::mutex> lock(mutex_);
  Locality& loc = loc_[l];
  loc.access = SVMM_TIS_ACCESS_REG_VALID_STS;  // no request, seize or beenSeized
  if (active_ == l) {
    new_active_locality(highest_requester());  // clears its activeLocality, idles it
    loc.access = SVMM_TIS_ACCESS_REG_VALID_STS;
  }
  to_idle(loc);
  loc.inte = SVMM_TIS_INT_POLARITY_LOW_LEVEL;
}

// --- views ----------------------------------------------------------------------------------

std::optional<unsigned> TisInterface::active_locality() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (active_ == kNone) return std::nullopt;
  return active_;
}

TisState TisInterface::state(unsigned l) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return loc_.at(l).state;
}

uint8_t TisInterface::access_bits(unsigned l) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return loc_.at(l).access;
}

uint32_t TisInterface::sts_bits(unsigned l) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return loc_.at(l).sts;
}

bool TisInterface::buffer_is_zero(unsigned l) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto& b = loc_.at(l).buffer;
  return std::all_of(b.begin(), b.end(), [](uint8_t x) { return x == 0; });
}

uint64_t TisInterface::commands_executed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return executed_;
}

}  // namespace svmm
