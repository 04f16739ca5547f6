// ConfigSpace: the monitor-facing operations (spec/chipset.md section 3, token.md section 2,
// control.md query-chipset).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "chipset/abort_policy.h"
#include "chipset/config_space.h"
#include "protocol/chipset.h"

namespace svmm {

void ConfigSpace::secure_launch(const std::array<uint8_t, 32>& manifest_hash) {
  std::lock_guard lock(mutex_);
  if (options_.fuse != FuseState::Enabled || get(SVMM_CS_STATE) == 1) return;
  std::vector<Deferred> none;
  update_sts(SVMM_STS_SENTER_DONE | SVMM_STS_PRIVATE_OPEN | SVMM_STS_MEM_CONFIG_LOCK,
             SVMM_STS_SEXIT_DONE);
  command_locked(Command::Secrets, Requester::monitor(), 0, none);
  command_locked(Command::OpenLocality2, Requester::monitor(), 0, none);
  std::copy(manifest_hash.begin(), manifest_hash.end(), file_.begin() + SVMM_CS_PUBLIC_KEY);
  set(SVMM_CS_STATE, 1);
}

void ConfigSpace::teardown_close() {
  std::lock_guard lock(mutex_);
  std::vector<Deferred> none;
  // guest-abi.md section 6 step 4, in this order. PUBLIC.KEY keeps the last manifest hash.
  command_locked(Command::NoSecrets, Requester::monitor(), 0, none);
  command_locked(Command::UnlockMemConfig, Requester::monitor(), 0, none);
  command_locked(Command::ClosePrivate, Requester::monitor(), 0, none);
  update_sts(SVMM_STS_SEXIT_DONE, SVMM_STS_SENTER_DONE);
  set(SVMM_CS_STATE, 0);
  set(SVMM_CS_TEARDOWN_COUNT, get(SVMM_CS_TEARDOWN_COUNT) + 1);
}

void ConfigSpace::scrub_trusted_banks() {
  std::lock_guard lock(mutex_);
  banks_.scrub_trusted();
}

void ConfigSpace::hypercall_refused(uint32_t function, const Requester& who) {
  AbortRecord record;
  record.window = ChipsetWindow::Public;  // no window: neither the private nor the token bit
  record.offset = function;
  record.width = 4;
  record.write = true;
  record.hypercall = true;
  record.reason = SVMM_ABORT_HYPERCALL_REFUSED;
  record.who = who;
  {
    std::lock_guard lock(mutex_);
    record = abort_locked(record);
  }
  host_.aborted(record, options_.abort_policy);
}

bool ConfigSpace::locality_usable(unsigned locality, const Requester& who) const {
  std::lock_guard lock(mutex_);
  if (!options_.token_present || locality > 4 || locality == 3) return false;
  const uint64_t sts = get(SVMM_CS_STS);
  switch (who.role) {
    case RequesterRole::Monitor:
      return true;
    case RequesterRole::GuestOs:
      return locality == 0 || (locality == 1 && (sts & SVMM_STS_LOCALITY1_OPEN) != 0);
    case RequesterRole::TrustedVm:
      return locality == 2 && (sts & SVMM_STS_LOCALITY2_OPEN) != 0;
  }
  return false;
}

uint8_t ConfigSpace::token_abort(uint32_t offset, uint8_t width, bool write, const Requester& who) {
  AbortRecord record;
  record.window = ChipsetWindow::Token;
  record.offset = offset;
  record.width = width;
  record.write = write;
  record.reason = SVMM_ABORT_TOKEN_LOCALITY;
  record.who = who;
  {
    std::lock_guard lock(mutex_);
    record = abort_locked(record);
  }
  host_.aborted(record, options_.abort_policy);
  return abort_read_fill(options_.abort_policy);
}

void ConfigSpace::count_token_forward() {
  std::lock_guard lock(mutex_);
  set(SVMM_CS_ICH_TOKEN_FORWARDS, get(SVMM_CS_ICH_TOKEN_FORWARDS) + 1);
}

uint64_t ConfigSpace::read_register(uint32_t offset) const {
  std::lock_guard lock(mutex_);
  uint64_t v = 0;
  for (unsigned i = 0; i < 8; ++i) {
    const uint64_t at = uint64_t{offset} + i;
    v |= uint64_t{byte_locked(find_register(at), at, Requester::monitor())} << (8 * i);
  }
  return v;
}

std::vector<NamedRegister> ConfigSpace::registers() const {
  std::lock_guard lock(mutex_);
  std::vector<NamedRegister> out;
  out.reserve(register_table().size());
  for (const RegisterDef& reg : register_table()) {
    NamedRegister named{std::string(reg.name), reg.offset, {}};
    named.value.reserve(reg.width);
    for (uint32_t i = 0; i < reg.width; ++i)
      named.value.push_back(byte_locked(&reg, reg.offset + i, Requester::monitor()));
    out.push_back(std::move(named));
  }
  return out;
}

bool ConfigSpace::secure_mode() const {
  std::lock_guard lock(mutex_);
  return get(SVMM_CS_STATE) == 1;
}

bool ConfigSpace::private_granted() const {
  std::lock_guard lock(mutex_);
  return private_granted_;
}

HypercallBankValues ConfigSpace::bank(const Requester& who) const {
  std::lock_guard lock(mutex_);
  return banks_.values(who);
}

}  // namespace svmm
