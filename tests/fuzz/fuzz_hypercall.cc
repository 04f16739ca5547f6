// libFuzzer target for the hypercall decoder (vmm/hypercall_decoder.h): arbitrary function
// codes, arguments, requesters, privilege levels and policies. Invariants of
// spec/guest-abi.md section 5 are checked on every input; a violation aborts.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "protocol/hypercall.h"
#include "vmm/hypercall_decoder.h"

namespace {

template <typename T>
T take(const uint8_t*& p, size_t& n) {
  T v{};
  size_t k = n < sizeof(T) ? n : sizeof(T);
  std::memcpy(&v, p, k);
  p += k;
  n -= k;
  return v;
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace svmm;
  const uint8_t* p = data;
  size_t n = size;
  const uint8_t sel = take<uint8_t>(p, n);
  uint32_t function = take<uint32_t>(p, n);
  // Mostly real function codes, sometimes anything.
  if (sel & 0x80) function = SVMM_HC_VERSION + (function % 6);
  std::array<uint64_t, 4> args;
  for (auto& a : args) a = take<uint64_t>(p, n);
  Requester who;
  who.role = static_cast<RequesterRole>((sel >> 1) % 3);
  who.vm_index = who.role == RequesterRole::TrustedVm ? 1 + (take<uint8_t>(p, n) % 16) : 0;
  who.vcpu_index = take<uint8_t>(p, n);
  who.cpl = static_cast<uint8_t>((sel >> 3) & 3);
  HypercallPolicy policy{(sel & 0x20) != 0, (sel & 0x40) != 0};

  const HypercallAction a = decode_hypercall(function, args, who, policy);
  const bool guest = who.role == RequesterRole::GuestOs;
  const bool trusted = who.role == RequesterRole::TrustedVm;
  // kernel_only refuses every call made above CPL 0, whatever the function.
  if (policy.kernel_only && who.cpl > 0) check(std::holds_alternative<hc::Refuse>(a));
  // Only the guest OS launches or tears down; only a trusted VM exits.
  if (std::holds_alternative<hc::Launch>(a) || std::holds_alternative<hc::Teardown>(a)) check(guest);
  if (std::holds_alternative<hc::TrustedExit>(a)) check(trusted);
  // A teardown action only with flags 0 and the guest-request trigger enabled.
  if (const auto* t = std::get_if<hc::Teardown>(&a)) {
    check(args[1] == 0 && policy.guest_request_enabled);
    check(t->report_gpa == args[0]);
  }
  if (const auto* l = std::get_if<hc::Launch>(&a)) check(l->index == args[0]);
  // Immediate answers are the spec's values only.
  if (const auto* ans = std::get_if<hc::Answer>(&a)) {
    check(ans->value == SVMM_HC_VERSION_VALUE || ans->value == -SVMM_ENOSYS ||
          ans->value == -SVMM_EPERM || ans->value == -SVMM_EINVAL);
    if (ans->value == SVMM_HC_VERSION_VALUE) check(function == SVMM_HC_VERSION);
  }
  // Unknown functions are -ENOSYS (unless refused first).
  if (function < SVMM_HC_VERSION || function > SVMM_HC_TRUSTED_EXIT)
    check(std::holds_alternative<hc::Refuse>(a) ||
          (std::holds_alternative<hc::Answer>(a) && std::get<hc::Answer>(a).value == -SVMM_ENOSYS));
  return 0;
}
