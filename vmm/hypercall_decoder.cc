#include "vmm/hypercall_decoder.h"

#include "protocol/hypercall.h"

namespace svmm {

HypercallAction decode_hypercall(uint32_t function, const std::array<uint64_t, 4>& args,
                                 const Requester& who, const HypercallPolicy& policy) {
  const bool guest_os = who.role == RequesterRole::GuestOs;
  const bool trusted = who.role == RequesterRole::TrustedVm;
  // -EPERM first: CPL > 0 under hypercall.kernel_only, or a requester not in the "who" column,
  // is a refused hypercall.
  if (policy.kernel_only && who.cpl > 0) return hc::Refuse{};
  switch (function) {
    case SVMM_HC_VERSION: return hc::Answer{SVMM_HC_VERSION_VALUE};
    case SVMM_HC_STATE: return hc::QueryState{};
    case SVMM_HC_SECURE_LAUNCH:
      if (!guest_os) return hc::Refuse{};
      return hc::Launch{args[0]};
    case SVMM_HC_TEARDOWN:
      if (!guest_os) return hc::Refuse{};
      // A trigger not enabled does not tear down: -EPERM, but not an abort (section 6).
      if (!policy.guest_request_enabled) return hc::Answer{-int64_t{SVMM_EPERM}};
      if (args[1] != 0) return hc::Answer{-int64_t{SVMM_EINVAL}};  // flags must be 0
      return hc::Teardown{args[0]};
    case SVMM_HC_TRUSTED_EXIT:
      if (!trusted) return hc::Refuse{};
      return hc::TrustedExit{static_cast<int64_t>(args[0])};
    default: return hc::Answer{-int64_t{SVMM_ENOSYS}};
  }
}

}  // namespace svmm
