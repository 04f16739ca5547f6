// The requester rules of spec/chipset.md sections 1, 2, 4 and 5 as pure functions over a
// register's table row: what an access by a given requester through a given window does, and
// which abort reason refuses it. ConfigSpace holds the state; these functions hold the rules.
//
// Decisions the spec leaves open, fixed here:
// - The public window gives every requester (monitor and trusted VMs included) the `pub`
//   column: the spec's "read" for the monitor and "as the guest OS" for trusted VMs.
// - A trusted VM outside secure mode (its vCPUs may still be running while a teardown freezes
//   them) is not protected: for the private window it is treated as the guest OS, grant
//   included. Protected requesters are the monitor and trusted VMs in secure mode.
// - The private window is gated first: an unprotected requester without the grant is aborted
//   with reason 1 whatever the offset (assigned or not) and whatever the operation.
// - Unassigned offsets of the private window are aborted with reason 2 (no register: nothing
//   readable or writable there), for reads and writes alike.
// - A write to a `-` register through the public window is reason 3 when the row is a
//   command (every `-` row is one), reason 2 otherwise.
// - An unprotected requester's write to a `cmd` register of the private window is reason 3
//   ("never commands"), SVMM.HC.CALL included: the guest OS calls through the public window.
// - Fuse disabled (seed 0026): the private window reads all ones and drops writes for every
//   requester. For the guest OS without a grant (the only guest OS there is with the fuse
//   disabled: nothing can grant) that is still the reason-1 abort of section 4; for a
//   protected requester it is not an abort: the protected space is absent, as unassigned MMIO.
// - Write checks run in this order, the first failing one giving the reason: per-vCPU
//   restriction (2), MEM-CONFIG-LOCK or the register's own lock bit (4), writable bits (5).
//   A locked register refuses every write, even one that would change nothing.
#pragma once

#include <cstdint>

#include "chipset/chipset_types.h"
#include "chipset/register_table.h"

namespace svmm {

enum class AccessOp : uint8_t { Read, Write };

// The requester as the rules see it.
struct RequesterView {
  bool is_protected = false;     // the monitor, or a trusted VM in secure mode
  bool private_granted = false;  // SVMM.CMD.GRANT-PRIVATE active (opens the private window)
  bool fuse_enabled = true;      // chipset.fuse
};

enum class Verdict : uint8_t {
  Serve,    // read the value, or go on to the write checks
  Zero,     // a read that returns zeros (`cmd`, public `-`, unassigned public offsets)
  Ones,     // a read that returns all ones without an abort (fuse disabled)
  Ignore,   // a write that is dropped without an abort (unassigned public offset, fuse)
  Trigger,  // a write that triggers the row's command
  Abort,    // refused with `reason` (SVMM_ABORT_*)
};

struct Decision {
  Verdict verdict = Verdict::Serve;
  uint32_t reason = 0;
  friend bool operator==(const Decision&, const Decision&) = default;
};

// `reg` is the row holding the accessed bytes, or nullptr for an unassigned offset.
[[nodiscard]] Decision decide_access(const RegisterDef* reg, ChipsetWindow window, AccessOp op,
                                     const RequesterView& who);

// A permitted write's bytes, placed at their position inside the 64-bit register.
struct WriteBits {
  uint64_t value = 0;      // the written bytes, shifted to their offset in the register
  uint64_t byte_mask = 0;  // ones over the written bytes
};

// The checks after decide_access() said Serve for a write to an `rw`/`w1c` register:
// returns the abort reason, or 0 when the write may proceed.
[[nodiscard]] uint32_t write_refusal(const RegisterDef& reg, Access access, uint64_t old_value,
                                     const WriteBits& bits, uint32_t vcpu_index,
                                     bool mem_config_locked);

// The register's value after a permitted write: `rw` replaces the written bytes, `w1c` clears
// the bits written as ones.
[[nodiscard]] uint64_t value_after_write(Access access, uint64_t old_value, const WriteBits& bits);

}  // namespace svmm
