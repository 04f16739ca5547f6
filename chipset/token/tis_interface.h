// The token's TPM TIS 1.3 FIFO interface (spec/token.md section 1; TCG PC Client TIS 1.3 and
// PTP, FIFO interface): five locality windows of registers in front of one TPM, a pure state
// machine (no KVM, no libtpms: the TPM is a TpmBackend). Who may use which locality is not
// decided here but by the ICH in front of it (TokenWindow, Ich::route_token_access).
//
// Behaviour follows QEMU's tpm-tis (hw/tpm/tpm_tis_common.c) so that Linux's tpm_tis driver
// (drivers/char/tpm/tpm_tis_core.c) and QEMU's tests (tests/qtest/tpm-tis-util.c) see what they
// expect:
// - ACCESS: requestUse makes an idle TPM's locality active at once, otherwise it is pending
//   (pendingRequest shows in every other locality's ACCESS); writing activeLocality
//   relinquishes (the highest pending locality becomes active) or withdraws a pending request;
//   Seize by a locality above the active one (or with none active) takes the TPM, and the
//   loser sees beenSeized (write 1 to clear). tpmEstablishment (bit 0) reads 1 until a DRTM
//   sequence set the TPM's tpmEstablished flag. tpmRegValidSts always reads 1.
// - STS (active locality only; others read all ones): commandReady, tpmGo, responseRetry (one
//   per write), Expect, dataAvail, stsValid; burstCount (bits 8-23) = bytes that can be written
//   (free buffer) or read (response left); a 1-byte STS read caps it at 0xFF, as QEMU does, so
//   that a byte read of burstCount's low byte never shows 0x00 for 0x100. Family bits 26-27 =
//   01 (TPM 2.0). resetEstablishmentBit at locality 3 or 4 clears tpmEstablished.
// - States per locality: idle -> (commandReady) ready -> (first FIFO byte) reception ->
//   (tpmGo once Expect is clear) execution -> completion (dataAvail) -> (commandReady) ready.
//   commandReady in reception aborts the command; responseRetry in completion rewinds the
//   response. Execution is synchronous (inside the tpmGo write): a polling driver finds
//   dataAvail|stsValid on its first STS read.
// - DATA_FIFO (0x24-0x27) and XDATA_FIFO (0x80-0xBF): each byte of an access is one FIFO
//   byte. Reads without response data return 0xFF; writes outside ready/reception, and bytes
//   past a complete command (Expect clear), are dropped; a command longer than the buffer
//   clears Expect when the buffer is full.
// - No interrupts: INTF_CAPABILITY advertises none, INT_VECTOR reads 0, INT_STATUS reads 0;
//   INT_ENABLE keeps only globalIntEnable and the polarity bits a driver writes.
//
// Where svmm differs from QEMU (QEMU has one buffer for all localities):
// - every locality has its own 4 KiB command/response buffer, so one locality's response is
//   never readable through another and a locality's buffer can be wiped on its own;
// - a locality that stops being the active one (relinquished, seized, or reset by the
//   monitor) drops any command or response in progress: it goes back to idle and its buffer
//   is zeroed. Linux writes commandReady before it relinquishes, so it never notices.
//
// Accesses of any width at any alignment are cut into the 32-bit registers they touch (as a
// bus splitting 8-byte accesses into two 4-byte ones would); bytes of unassigned registers
// read 0xFF and ignore writes; bytes of assigned registers beyond the register's width read 0.
//
// Thread safety: one mutex guards everything, and is held while the backend executes a
// command.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>

#include "chipset/token/tpm_backend.h"
#include "protocol/token.h"

namespace svmm {

enum class TisState : uint8_t { Idle, Ready, Reception, Execution, Completion };
[[nodiscard]] const char* tis_state_name(TisState s);

class TisInterface {
 public:
  static constexpr unsigned kLocalities = SVMM_TOKEN_LOCALITIES;
  static constexpr uint64_t kWindowSize = uint64_t{kLocalities} * SVMM_TOKEN_LOCALITY_STRIDE;
  static constexpr std::size_t kBufferSize = SVMM_TIS_BUFFER_SIZE;

  // `backend` must outlive the interface.
  explicit TisInterface(TpmBackend& backend);
  TisInterface(const TisInterface&) = delete;
  TisInterface& operator=(const TisInterface&) = delete;

  // An access at `offset` inside the window (0x1000 * locality + register). Bytes beyond the
  // window read 0xFF and are ignored.
  void read(uint64_t offset, std::span<uint8_t> data);
  void write(uint64_t offset, std::span<const uint8_t> data);

  // Locality `l` gives up the TPM as if it relinquished (the highest locality with a pending
  // request becomes active), loses its own pending request, seize and beenSeized, and goes back
  // to idle with its buffer zeroed. For localities the chipset closed and for teardown step 3
  // (spec/guest-abi.md section 6: the FIFO buffers of localities 1 and 2 are reset).
  void reset_locality(unsigned l);

  // Views for tests and the fuzzer.
  [[nodiscard]] std::optional<unsigned> active_locality() const;
  [[nodiscard]] TisState state(unsigned l) const;
  [[nodiscard]] uint8_t access_bits(unsigned l) const;  // internal ACCESS flags (incl. Seize)
  [[nodiscard]] uint32_t sts_bits(unsigned l) const;    // STS flags and family, no burstCount
  [[nodiscard]] bool buffer_is_zero(unsigned l) const;
  [[nodiscard]] uint64_t commands_executed() const;

 private:
  static constexpr uint8_t kNone = 0xFF;

  struct Locality {
    TisState state = TisState::Idle;
    uint8_t access = SVMM_TIS_ACCESS_REG_VALID_STS;
    uint32_t sts = SVMM_TIS_STS_FAMILY_TPM2;  // flags (bits 0-7) and family; no burstCount
    uint32_t inte = SVMM_TIS_INT_POLARITY_LOW_LEVEL;
    uint32_t iface_id = SVMM_TIS_IFACE_ID_VALUE;
    std::size_t offset = 0;        // next byte of the buffer to write or read
    std::size_t response_len = 0;  // valid in completion
    std::array<uint8_t, kBufferSize> buffer{};
  };

  // One 32-bit register's bytes [first, first + count) of locality `l`.
  void read_part(unsigned l, uint32_t reg, unsigned first, std::span<uint8_t> out);
  void write_part(unsigned l, uint32_t reg, unsigned first, std::span<const uint8_t> in);
  [[nodiscard]] uint32_t register_value(unsigned l, uint32_t reg, std::size_t width);
  void write_access(unsigned l, uint8_t value);
  void write_sts(unsigned l, uint32_t value, bool low_byte, bool high_byte);
  uint8_t fifo_read(unsigned l);
  void fifo_write(unsigned l, uint8_t byte);
  void execute(unsigned l);

  void set_sts(Locality& loc, uint32_t flags);
  void to_idle(Locality& loc);
  void to_ready(Locality& loc);
  [[nodiscard]] bool request_pending_except(unsigned l) const;
  [[nodiscard]] uint8_t highest_requester() const;
  void new_active_locality(uint8_t next);

  TpmBackend& backend_;
  mutable std::mutex mutex_;
  std::array<Locality, kLocalities> loc_{};
  uint8_t active_ = kNone;
  uint64_t executed_ = 0;
};

}  // namespace svmm
