// Decoding a hypercall (spec/guest-abi.md section 5): who may call what, and the checks that do
// not depend on the secure-mode state, in the spec's order (-EPERM, then -EINVAL). What is left
// (launch, teardown, trusted exit) is an action for the monitor, judged against the state there.
// Pure: the same decoder serves both transports and is fuzzed on its own.
#pragma once

#include <array>
#include <cstdint>
#include <variant>

#include "vmm/bus/requester.h"

namespace svmm {

struct HypercallPolicy {
  bool kernel_only = false;            // hypercall.kernel_only
  bool guest_request_enabled = true;  // "guest-request" in secure.teardown_on
};

namespace hc {
struct Answer {  // the result, nothing else to do
  int64_t value;
};
struct Refuse {};  // -EPERM, counted as an aborted access (reason 7)
struct QueryState {};
struct Launch {
  uint64_t index;  // config order, or SVMM_HC_LAUNCH_ALL
};
struct Teardown {
  uint64_t report_gpa;  // 0 = no report
};
struct TrustedExit {
  int64_t status;
};
}  // namespace hc

using HypercallAction =
    std::variant<hc::Answer, hc::Refuse, hc::QueryState, hc::Launch, hc::Teardown, hc::TrustedExit>;

[[nodiscard]] HypercallAction decode_hypercall(uint32_t function,
                                               const std::array<uint64_t, 4>& args,
                                               const Requester& who,
                                               const HypercallPolicy& policy);

}  // namespace svmm
