// What an aborted access looks like to the requester under each `chipset.abort_policy`
// (spec/chipset.md section 4; seed 0023, 0027: meaningless data, an error code, an interrupt,
// leaving the protected environment, a reset). The chipset applies the data side here; the
// effects beyond it (event, interrupt, teardown, reset) are ChipsetHost::aborted's.
#pragma once

#include <cstdint>

#include "chipset/chipset_types.h"
#include "protocol/chipset.h"

namespace svmm {

// The byte an aborted read returns: zeros under `all-zeros`, all ones otherwise.
[[nodiscard]] constexpr uint8_t abort_read_fill(AbortPolicy p) {
  return p == AbortPolicy::AllZeros ? 0x00 : 0xFF;
}

// Whether the policy writes the abort into ERRORCODE.
[[nodiscard]] constexpr bool abort_sets_error_code(AbortPolicy p) {
  return p == AbortPolicy::ErrorCode;
}

// ERRORCODE under `error-code`: valid | external | (0x5356 << 16) | reason.
[[nodiscard]] constexpr uint64_t abort_error_code(uint32_t reason) {
  return SVMM_ERRORCODE_VALID | SVMM_ERRORCODE_EXTERNAL | SVMM_ERRORCODE_SVMM_TAG | reason;
}

}  // namespace svmm
