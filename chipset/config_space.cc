// ConfigSpace: construction, register storage and the window access paths. The monitor-side
// operations are in config_space_monitor.cc.
#include "chipset/config_space.h"

#include <algorithm>
#include <optional>

#include "chipset/abort_policy.h"
#include "chipset/access_rules.h"
#include "chipset/register_parts.h"
#include "protocol/chipset.h"

namespace svmm {
namespace {

AbortRecord window_abort(ChipsetWindow window, uint64_t offset, std::size_t size, bool write,
                         uint32_t reason, const Requester& who) {
  AbortRecord r;
  r.window = window;
  r.offset = static_cast<uint32_t>(offset);  // inside a 64 KiB window
  r.width = static_cast<uint8_t>(std::min<std::size_t>(size, 0xFF));
  r.write = write;
  r.reason = reason;
  r.who = who;
  return r;
}

}  // namespace

ConfigSpace::ConfigSpace(const ChipsetOptions& options, ChipsetHost& host)
    : options_(options), host_(host) {
  // spec/chipset.md section 3, start: STS = MEM-CONFIG-LOCK only, E2STS, SVMM.STATE and
  // PUBLIC.KEY 0. Section 5: VER.FSBIF/QPIIF bit 31 shows the fuse.
  const uint64_t fuse = options_.fuse == FuseState::Enabled ? SVMM_VER_FUSE_ENABLED : 0;
  set(SVMM_CS_VER_FSBIF, fuse);
  set(SVMM_CS_VER_QPIIF, fuse);
  set(SVMM_CS_DIDVID, SVMM_DIDVID_VALUE);
  set(SVMM_CS_SINIT_BASE, options_.sinit_base);
  set(SVMM_CS_SINIT_SIZE, options_.sinit_size);
  set(SVMM_CS_HEAP_BASE, options_.heap_base);
  set(SVMM_CS_HEAP_SIZE, options_.heap_size);
  set(SVMM_CS_DPR, options_.dpr);
  update_sts(SVMM_STS_MEM_CONFIG_LOCK, 0);  // also computes ICH.TOKEN-STS
}

// ---- storage -------------------------------------------------------------------------------

uint64_t ConfigSpace::get(uint32_t offset) const {
  uint64_t v = 0;
  for (unsigned i = 0; i < 8; ++i) v |= uint64_t{file_[offset + i]} << (8 * i);
  return v;
}

void ConfigSpace::set(uint32_t offset, uint64_t value) {
  for (unsigned i = 0; i < 8; ++i) file_[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

uint8_t ConfigSpace::byte_locked(const RegisterDef* reg, uint64_t offset,
                                 const Requester& who) const {
  if (reg == nullptr || reg->is_command()) return 0;  // `cmd` reads 0
  if (reg->banked()) {
    const uint64_t v = banks_.read(reg->bank, who);
    return static_cast<uint8_t>(v >> (8 * (offset - reg->offset)));
  }
  return file_[offset];
}

uint64_t ConfigSpace::value_locked(const RegisterDef& reg, const Requester& who) const {
  if (reg.is_command()) return 0;
  if (reg.banked()) return banks_.read(reg.bank, who);
  return get(reg.offset);
}

void ConfigSpace::store_locked(const RegisterDef& reg, const Requester& who, uint64_t value) {
  if (reg.banked()) {
    banks_.write(reg.bank, who, value);
  } else {
    set(reg.offset, value);
  }
}

void ConfigSpace::update_sts(uint64_t set_bits, uint64_t clear_bits) {
  const uint64_t sts = (get(SVMM_CS_STS) & ~clear_bits) | set_bits;
  set(SVMM_CS_STS, sts);
  // ICH.TOKEN-STS follows the localities (spec/chipset.md section 2): bit 0 present, bit 8+n
  // while locality n is usable by its requester; 0 and 4 always, 1 and 2 while open, 3 never.
  uint64_t token = 0;
  if (options_.token_present) {
    token = SVMM_TOKEN_STS_PRESENT;
    token |= 1ull << (SVMM_TOKEN_STS_LOCALITY_SHIFT + 0);
    token |= 1ull << (SVMM_TOKEN_STS_LOCALITY_SHIFT + 4);
    if (sts & SVMM_STS_LOCALITY1_OPEN) token |= 1ull << (SVMM_TOKEN_STS_LOCALITY_SHIFT + 1);
    if (sts & SVMM_STS_LOCALITY2_OPEN) token |= 1ull << (SVMM_TOKEN_STS_LOCALITY_SHIFT + 2);
  }
  set(SVMM_CS_ICH_TOKEN_STS, token);
}

bool ConfigSpace::protected_locked(const Requester& who) const {
  switch (who.role) {
    case RequesterRole::Monitor:
      return true;
    case RequesterRole::TrustedVm:
      return get(SVMM_CS_STATE) == 1;  // a trusted VM is protected only in secure mode
    case RequesterRole::GuestOs:
      return false;
  }
  return false;
}

// ---- commands and aborts -------------------------------------------------------------------

void ConfigSpace::command_locked(Command command, const Requester& who, uint64_t written,
                                 std::vector<Deferred>& deferred) {
  switch (command) {
    case Command::None:
      return;
    case Command::Reset:
      deferred.push_back({.command = command});
      return;
    case Command::ClosePrivate:
      update_sts(0, SVMM_STS_PRIVATE_OPEN | SVMM_STS_LOCALITY1_OPEN | SVMM_STS_LOCALITY2_OPEN);
      private_granted_ = false;
      return;
    case Command::UnlockMemConfig:
      update_sts(0, SVMM_STS_MEM_CONFIG_LOCK);
      return;
    case Command::OpenLocality1:
      update_sts(SVMM_STS_LOCALITY1_OPEN, 0);
      return;
    case Command::CloseLocality1:
      update_sts(0, SVMM_STS_LOCALITY1_OPEN);
      return;
    case Command::OpenLocality2:
      update_sts(SVMM_STS_LOCALITY2_OPEN, 0);
      return;
    case Command::CloseLocality2:
      update_sts(0, SVMM_STS_LOCALITY2_OPEN);
      return;
    case Command::Secrets:
      set(SVMM_CS_E2STS, get(SVMM_CS_E2STS) | SVMM_E2STS_SECRETS);
      return;
    case Command::NoSecrets:
      set(SVMM_CS_E2STS, get(SVMM_CS_E2STS) & ~SVMM_E2STS_SECRETS);
      return;
    case Command::GrantPrivate:
      private_granted_ = true;
      return;
    case Command::HypercallCall: {
      const HypercallBankValues bank = banks_.values(who);
      deferred.push_back({.command = command,
                          .function = static_cast<uint32_t>(written),
                          .args = bank.args,
                          .bank_generation = banks_.generation()});
      return;
    }
  }
}

AbortRecord ConfigSpace::abort_locked(AbortRecord record) {
  // spec/chipset.md section 4: every abort counts, is recorded, then the policy applies.
  set(SVMM_CS_ABORT_COUNT, get(SVMM_CS_ABORT_COUNT) + 1);
  set(SVMM_CS_LAST_ABORT, encode_last_abort(record));
  if (abort_sets_error_code(options_.abort_policy))
    set(SVMM_CS_ERRORCODE, abort_error_code(record.reason));
  return record;
}

void ConfigSpace::run(const Deferred& action, const Requester& who) {
  switch (action.command) {
    case Command::Reset:
      host_.reset_requested(who);
      return;
    case Command::HypercallCall: {
      // The host may block (a teardown) and call back into us: no lock is held here.
      const int64_t result = host_.hypercall(action.function, action.args, who);
      std::lock_guard lock(mutex_);
      // A trusted bank scrubbed while the call ran stays forgotten (guest-abi.md section 6).
      if (who.role == RequesterRole::TrustedVm && banks_.generation() != action.bank_generation)
        return;
      banks_.write(BankSlot::Result, who, static_cast<uint64_t>(result));
      return;
    }
    default:
      return;  // every other command acts inside the chipset, under the lock
  }
}

// ---- window accesses -----------------------------------------------------------------------

void ConfigSpace::read(ChipsetWindow window, uint64_t offset, std::span<uint8_t> data,
                       const Requester& who) {
  if (window == ChipsetWindow::Token) {
    std::fill(data.begin(), data.end(), uint8_t{0xFF});
    return;
  }
  std::optional<AbortRecord> aborted;
  {
    std::lock_guard lock(mutex_);
    const RequesterView view{protected_locked(who), private_granted_,
                             options_.fuse == FuseState::Enabled};
    uint32_t reason = 0;
    for_each_part(offset, data.size(), [&](const RegisterPart& part) {
      const Decision d = decide_access(part.reg, window, AccessOp::Read, view);
      if (d.verdict == Verdict::Abort) reason = d.reason;
      return reason == 0;
    });
    if (reason != 0) {
      // Section 5 overrides the policy's read value: with the fuse disabled the private window
      // reads all ones for every requester (the guest OS's access still counts as an abort).
      const bool fused_off = window == ChipsetWindow::Private && options_.fuse == FuseState::Disabled;
      std::fill(data.begin(), data.end(),
                fused_off ? uint8_t{0xFF} : abort_read_fill(options_.abort_policy));
      aborted = abort_locked(window_abort(window, offset, data.size(), false, reason, who));
    } else {
      for_each_part(offset, data.size(), [&](const RegisterPart& part) {
        const Verdict v = decide_access(part.reg, window, AccessOp::Read, view).verdict;
        for (std::size_t k = 0; k < part.length; ++k) {
          uint8_t b = 0;
          if (v == Verdict::Serve) b = byte_locked(part.reg, part.offset + k, who);
          if (v == Verdict::Ones) b = 0xFF;
          data[part.index + k] = b;
        }
        return true;
      });
    }
  }
  if (aborted) host_.aborted(*aborted, options_.abort_policy);
}

uint32_t ConfigSpace::check_write_locked(ChipsetWindow window, uint64_t offset,
                                         std::span<const uint8_t> data, const Requester& who) {
  const RequesterView view{protected_locked(who), private_granted_,
                           options_.fuse == FuseState::Enabled};
  const bool locked = (get(SVMM_CS_STS) & SVMM_STS_MEM_CONFIG_LOCK) != 0;
  uint32_t reason = 0;
  for_each_part(offset, data.size(), [&](const RegisterPart& part) {
    const Decision d = decide_access(part.reg, window, AccessOp::Write, view);
    if (d.verdict == Verdict::Abort) {
      reason = d.reason;
    } else if (d.verdict == Verdict::Serve) {
      reason = write_refusal(*part.reg, part.reg->access(window), value_locked(*part.reg, who),
                             write_bits(part, data), who.vcpu_index, locked);
    }
    return reason == 0;
  });
  return reason;
}

void ConfigSpace::write(ChipsetWindow window, uint64_t offset, std::span<const uint8_t> data,
                        const Requester& who) {
  if (window == ChipsetWindow::Token) return;
  std::optional<AbortRecord> aborted;
  std::vector<Deferred> deferred;
  {
    std::lock_guard lock(mutex_);
    // Check every part against the state before the access, then apply them all.
    const uint32_t reason = check_write_locked(window, offset, data, who);
    if (reason != 0) {
      aborted = abort_locked(window_abort(window, offset, data.size(), true, reason, who));
    } else {
      const RequesterView view{protected_locked(who), private_granted_,
                               options_.fuse == FuseState::Enabled};
      for_each_part(offset, data.size(), [&](const RegisterPart& part) {
        const Verdict v = decide_access(part.reg, window, AccessOp::Write, view).verdict;
        const WriteBits bits = write_bits(part, data);
        if (v == Verdict::Serve) {
          const uint64_t old = value_locked(*part.reg, who);
          store_locked(*part.reg, who, value_after_write(part.reg->access(window), old, bits));
        } else if (v == Verdict::Trigger) {
          command_locked(part.reg->command, who, bits.value, deferred);
        }
        return true;
      });
    }
  }
  if (aborted) host_.aborted(*aborted, options_.abort_policy);
  for (const Deferred& action : deferred) run(action, who);
}

}  // namespace svmm
