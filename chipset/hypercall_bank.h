// The hypercall bank (spec/chipset.md 0xB00-0xB2F, guest-abi.md section 5): HC.ARG0-3 and
// HC.RESULT banked per requester vCPU, so that two vCPUs never see each other's values. A bank
// is keyed by (role, VM index, vCPU index): a guest OS vCPU and a trusted VM vCPU with the
// same index have different banks, and so has the monitor. Not thread-safe: ConfigSpace
// serialises every call under its own mutex.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <tuple>

#include "chipset/register_table.h"
#include "vmm/bus/requester.h"

namespace svmm {

struct HypercallBankValues {
  std::array<uint64_t, 4> args{};  // HC.ARG0-3
  uint64_t result = 0;             // HC.RESULT (-errno as 64-bit two's complement)
  friend bool operator==(const HypercallBankValues&, const HypercallBankValues&) = default;
};

class HypercallBanks {
 public:
  // A bank nobody wrote reads as zeros.
  [[nodiscard]] uint64_t read(BankSlot slot, const Requester& who) const;
  void write(BankSlot slot, const Requester& who, uint64_t value);
  [[nodiscard]] HypercallBankValues values(const Requester& who) const;

  // Teardown step 3 (guest-abi.md section 6): zero and forget every trusted vCPU's bank.
  // Each call starts a new generation, so that a result computed before the scrub is not
  // stored into a forgotten bank afterwards (see ConfigSpace's HC.CALL).
  void scrub_trusted();
  [[nodiscard]] uint64_t generation() const { return generation_; }

  [[nodiscard]] std::size_t size() const { return banks_.size(); }

 private:
  using Key = std::tuple<RequesterRole, uint32_t, uint32_t>;
  [[nodiscard]] static Key key(const Requester& who) {
    return {who.role, who.vm_index, who.vcpu_index};
  }
  std::map<Key, HypercallBankValues> banks_;
  uint64_t generation_ = 0;
};

}  // namespace svmm
