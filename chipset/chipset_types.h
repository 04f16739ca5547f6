// Vocabulary of the chipset (spec/chipset.md): its windows, fuse, abort policies and the record
// of an aborted access. Plain types, shared by the chipset, the token and the monitor.
#pragma once

#include <cstdint>

#include "protocol/chipset.h"
#include "vmm/bus/requester.h"

namespace svmm {

// Which address range an access came through.
enum class ChipsetWindow : uint8_t {
  Public,   // 0xFED30000: the non-protected configuration space (seed 142)
  Private,  // 0xFED20000: the protected configuration space (seed 141)
  Token,    // 0xFED40000: the token's locality windows, behind the ICH (token.md)
};

// spec/chipset.md section 5: fixed for the life of the process.
enum class FuseState { Enabled, Disabled };

// spec/chipset.md section 4.
enum class AbortPolicy { AllOnes, AllZeros, ErrorCode, Interrupt, Teardown, Reset };

// One aborted access (seed 0022-0023), as SVMM.LAST-ABORT and the CHIPSET_ABORT event show it.
struct AbortRecord {
  ChipsetWindow window = ChipsetWindow::Public;
  uint32_t offset = 0;  // inside the window; for a refused hypercall, its function code
  uint8_t width = 0;    // bytes
  bool write = false;
  bool hypercall = false;  // a refused hypercall (reason 7) rather than a window access
  uint32_t reason = 0;     // SVMM_ABORT_* (1-7)
  Requester who;
};

// The chipset's areas in the last MiB of the guest OS's low RAM (guest-abi.md section 2) and
// the initial DPR: the reset values of SINIT.BASE/SIZE, HEAP.BASE/SIZE and DPR. See
// txt_heap.h for the proposed layout.
struct ChipsetAreas {
  uint64_t sinit_base = 0;
  uint64_t sinit_size = 0;
  uint64_t heap_base = 0;
  uint64_t heap_size = 0;
  uint64_t dpr = 0;  // bit 0 lock, bits 4-11 size in MiB, bits 20-31 top >> 20
  friend bool operator==(const ChipsetAreas&, const ChipsetAreas&) = default;
};

// SVMM.LAST-ABORT's encoding (spec/chipset.md section 2).
[[nodiscard]] constexpr uint64_t encode_last_abort(const AbortRecord& r) {
  uint64_t v = r.offset;
  if (r.window == ChipsetWindow::Private) v |= SVMM_LAST_ABORT_PRIVATE;
  if (r.write) v |= SVMM_LAST_ABORT_WRITE;
  if (r.hypercall) v |= SVMM_LAST_ABORT_HYPERCALL;
  if (r.window == ChipsetWindow::Token) v |= SVMM_LAST_ABORT_TOKEN;
  v |= uint64_t{r.width & 0xFu} << SVMM_LAST_ABORT_WIDTH_SHIFT;
  v |= uint64_t{r.who.vm_index & 0xFFu} << SVMM_LAST_ABORT_REQUESTER_SHIFT;
  v |= uint64_t{r.who.vcpu_index & 0xFFFFu} << SVMM_LAST_ABORT_VCPU_SHIFT;
  return v;
}

}  // namespace svmm
