// What the chipset needs from the secure monitor, as an interface so that the chipset stays a
// pure state machine (unit-testable without KVM) and never calls KVM itself.
#pragma once

#include <array>
#include <cstdint>

#include "chipset/chipset_types.h"

namespace svmm {

class ChipsetHost {
 public:
  virtual ~ChipsetHost() = default;

  // SVMM.HC.CALL (spec/guest-abi.md section 5, memory-mapped transport): perform `function`
  // with the writer's banked arguments. Returns the result (>= 0, or -errno). May block (a
  // teardown); the chipset holds no lock while it runs.
  virtual int64_t hypercall(uint32_t function, const std::array<uint64_t, 4>& args,
                            const Requester& who) = 0;

  // An access was aborted: the chipset already counted it, set SVMM.LAST-ABORT (and ERRORCODE
  // under `error-code`) and answered the access. The host emits CHIPSET_ABORT and applies what
  // reaches beyond the chipset: `interrupt` (inject the vector into the offending vCPU),
  // `teardown` (a breach teardown in secure mode), `reset`. Called without chipset locks held.
  virtual void aborted(const AbortRecord& record, AbortPolicy policy) = 0;

  // CMD.RESET from a requester allowed to issue it: a system reset (the `poweroff` trigger).
  virtual void reset_requested(const Requester& who) = 0;
};

}  // namespace svmm
