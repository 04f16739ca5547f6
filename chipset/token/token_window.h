// The token's MMIO window (spec/token.md sections 1-2; guest-abi.md section 2): 0xFED40000,
// 0x5000 bytes, locality = offset >> 12. Every access goes through the ICH (seed 0025: the
// token sits on a bus behind the ICH), which decides whether the requester may use that
// locality: permitted accesses are counted in ICH.TOKEN-FORWARDS and reach the TIS; others are
// aborted (reason 6: SVMM.ABORT-COUNT, LAST-ABORT with the token bit, CHIPSET_ABORT, the abort
// policy), reads return the policy's fill and writes are dropped.
//
// An access that crosses a locality boundary is cut there and each piece is routed on its own
// (a locality 0 access can never reach into locality 1's registers).
//
// Localities the chipset closes (CMD.CLOSE-LOCALITY1/2, CLOSE-PRIVATE, teardown) are reset in
// the TIS (released, idle, buffer zeroed) at the next access that reaches it, so that a
// requester who lost a locality cannot keep the TPM from the others.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>

#include "chipset/config_space.h"
#include "chipset/ich.h"
#include "chipset/token/tis_interface.h"
#include "vmm/bus/bus_device.h"

namespace svmm {

class TokenWindow final : public BusDevice {
 public:
  // `ich` and `chipset` must outlive the window.
  TokenWindow(Ich& ich, const ConfigSpace& chipset, std::shared_ptr<TisInterface> tis);

  void read(uint64_t offset, std::span<uint8_t> data, const Requester& who) override;
  void write(uint64_t offset, std::span<const uint8_t> data, const Requester& who) override;

  [[nodiscard]] TisInterface& tis() { return *tis_; }

 private:
  [[nodiscard]] uint8_t open_localities() const;
  void reset_closed_localities();

  Ich& ich_;
  const ConfigSpace& chipset_;
  std::shared_ptr<TisInterface> tis_;
  std::atomic<uint8_t> open_{0};  // bit n: locality n (1 or 2) was open at the last access
};

}  // namespace svmm
