#include "chipset/hypercall_bank.h"

#include <cstddef>

namespace svmm {
namespace {

uint64_t& slot_of(HypercallBankValues& bank, BankSlot slot) {
  if (slot == BankSlot::Result) return bank.result;
  return bank.args[static_cast<std::size_t>(slot)];
}

}  // namespace

uint64_t HypercallBanks::read(BankSlot slot, const Requester& who) const {
  if (slot == BankSlot::None) return 0;
  HypercallBankValues bank = values(who);
  return slot_of(bank, slot);
}

void HypercallBanks::write(BankSlot slot, const Requester& who, uint64_t value) {
  if (slot == BankSlot::None) return;
  slot_of(banks_[key(who)], slot) = value;
}

HypercallBankValues HypercallBanks::values(const Requester& who) const {
  const auto it = banks_.find(key(who));
  return it == banks_.end() ? HypercallBankValues{} : it->second;
}

void HypercallBanks::scrub_trusted() {
  for (auto it = banks_.begin(); it != banks_.end();) {
    if (std::get<0>(it->first) == RequesterRole::TrustedVm) {
      // Overwrite before releasing the node: the values held trusted data.
      volatile uint64_t* words = &it->second.args[0];
      for (std::size_t i = 0; i < it->second.args.size(); ++i) words[i] = 0;
      *static_cast<volatile uint64_t*>(&it->second.result) = 0;
      it = banks_.erase(it);
    } else {
      ++it;
    }
  }
  ++generation_;
}

}  // namespace svmm
