#include "chipset/access_rules.h"

#include "protocol/chipset.h"

namespace svmm {
namespace {

constexpr Decision serve() { return {Verdict::Serve, 0}; }
constexpr Decision abort_with(uint32_t reason) { return {Verdict::Abort, reason}; }

Decision decide_read(const RegisterDef* reg, ChipsetWindow window) {
  switch (reg ? reg->access(window) : Access::None) {
    case Access::Read:
    case Access::ReadWrite:
    case Access::W1c:
      return serve();
    case Access::Cmd:
      return {Verdict::Zero, 0};
    case Access::None:
      break;
  }
  // `-` and unassigned: the public window reads 0, the private window aborts.
  if (window == ChipsetWindow::Public) return {Verdict::Zero, 0};
  return abort_with(SVMM_ABORT_READ_ONLY);
}

Decision decide_write(const RegisterDef* reg, ChipsetWindow window, const RequesterView& who) {
  if (reg == nullptr) {
    if (window == ChipsetWindow::Public) return {Verdict::Ignore, 0};
    return abort_with(SVMM_ABORT_READ_ONLY);
  }
  switch (reg->access(window)) {
    case Access::ReadWrite:
    case Access::W1c:
      return serve();
    case Access::Read:
      return abort_with(SVMM_ABORT_READ_ONLY);
    case Access::Cmd:
      if (reg->protected_only && !who.is_protected) return abort_with(SVMM_ABORT_COMMAND_DENIED);
      // A granted guest OS reads and writes the private window but never issues commands.
      if (window == ChipsetWindow::Private && !who.is_protected)
        return abort_with(SVMM_ABORT_COMMAND_DENIED);
      return {Verdict::Trigger, 0};
    case Access::None:
      break;
  }
  return abort_with(reg->is_command() ? SVMM_ABORT_COMMAND_DENIED : SVMM_ABORT_READ_ONLY);
}

}  // namespace

Decision decide_access(const RegisterDef* reg, ChipsetWindow window, AccessOp op,
                       const RequesterView& who) {
  if (window == ChipsetWindow::Private) {
    // Section 1: the guest OS reaches the private window only through a grant (seed 0029);
    // section 4 lists any other guest OS access there as an abort (reason 1), fuse or not.
    if (!who.is_protected && !who.private_granted) return abort_with(SVMM_ABORT_PRIVATE_NO_GRANT);
    // Section 5: with the fuse disabled the protected space is absent for everyone else.
    if (!who.fuse_enabled) return {op == AccessOp::Read ? Verdict::Ones : Verdict::Ignore, 0};
  }
  return op == AccessOp::Read ? decide_read(reg, window) : decide_write(reg, window, who);
}

uint32_t write_refusal(const RegisterDef& reg, Access access, uint64_t old_value,
                       const WriteBits& bits, uint32_t vcpu_index, bool mem_config_locked) {
  // seed 0030 (1): a register some processors may read but not write.
  if (reg.vcpu0_only && vcpu_index != 0) return SVMM_ABORT_READ_ONLY;
  if (reg.mem_config_lock && mem_config_locked) return SVMM_ABORT_LOCKED;
  if (reg.self_lock_bit != 0 && (old_value & reg.self_lock_bit) != 0) return SVMM_ABORT_LOCKED;
  // seed 0030 (3): restricting modification of certain bits.
  if (access == Access::W1c) {
    if ((bits.value & ~reg.w1c_mask) != 0) return SVMM_ABORT_WRITE_MASK;
  } else {
    const uint64_t changed = value_after_write(access, old_value, bits) ^ old_value;
    if ((changed & ~reg.write_mask) != 0) return SVMM_ABORT_WRITE_MASK;
  }
  return 0;
}

uint64_t value_after_write(Access access, uint64_t old_value, const WriteBits& bits) {
  if (access == Access::W1c) return old_value & ~bits.value;
  return (old_value & ~bits.byte_mask) | (bits.value & bits.byte_mask);
}

}  // namespace svmm
