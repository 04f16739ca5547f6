// The receiver of port hypercalls (spec/guest-abi.md section 5): a 32-bit OUT to port 0x5A0
// forces an exit into the monitor. It is not a bus device: it needs the caller's registers.
#pragma once

#include <array>
#include <cstdint>

namespace svmm {

class Vcpu;

struct HypercallResult {
  int64_t value = 0;       // into RAX: >= 0 success, -errno as 64-bit two's complement
  bool stop_vcpu = false;  // TRUSTED_EXIT: the caller does not return to its guest
};

class HypercallHandler {
 public:
  virtual ~HypercallHandler() = default;
  // Runs on the calling vCPU's thread; may block (a teardown), during which the caller counts
  // as parked. `args` are RBX, RCX, RSI, RDI (zero-extended from 32 bits outside 64-bit mode).
  virtual HypercallResult port_hypercall(Vcpu& caller, uint32_t function,
                                         const std::array<uint64_t, 4>& args) = 0;
};

}  // namespace svmm
