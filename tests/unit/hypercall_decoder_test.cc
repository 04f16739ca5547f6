#include "vmm/hypercall_decoder.h"

#include <gtest/gtest.h>

#include "protocol/hypercall.h"

namespace svmm {
namespace {

const Requester kGuest = Requester::guest_os(0, 0);
const Requester kGuestCpl3 = Requester::guest_os(1, 3);
const Requester kTrusted = Requester::trusted_vm(2, 0, 0);
const HypercallPolicy kDefault{};

int64_t answer(const HypercallAction& a) { return std::get<hc::Answer>(a).value; }

TEST(HypercallDecoder, VersionAndStateForEveryone) {
  for (const auto& who : {kGuest, kGuestCpl3, kTrusted}) {
    EXPECT_EQ(answer(decode_hypercall(SVMM_HC_VERSION, {}, who, kDefault)), 0x10000);
    EXPECT_TRUE(std::holds_alternative<hc::QueryState>(decode_hypercall(SVMM_HC_STATE, {}, who, kDefault)));
  }
}

TEST(HypercallDecoder, WrongRequesterIsARefusal) {
  EXPECT_TRUE(std::holds_alternative<hc::Refuse>(decode_hypercall(SVMM_HC_SECURE_LAUNCH, {}, kTrusted, kDefault)));
  EXPECT_TRUE(std::holds_alternative<hc::Refuse>(decode_hypercall(SVMM_HC_TEARDOWN, {}, kTrusted, kDefault)));
  EXPECT_TRUE(std::holds_alternative<hc::Refuse>(decode_hypercall(SVMM_HC_TRUSTED_EXIT, {}, kGuest, kDefault)));
}

TEST(HypercallDecoder, KernelOnlyRefusesCpl3BeforeAnythingElse) {
  HypercallPolicy p{true, true};
  EXPECT_TRUE(std::holds_alternative<hc::Refuse>(decode_hypercall(SVMM_HC_VERSION, {}, kGuestCpl3, p)));
  EXPECT_TRUE(std::holds_alternative<hc::Refuse>(decode_hypercall(0x1234, {}, kGuestCpl3, p)));
  EXPECT_EQ(answer(decode_hypercall(SVMM_HC_VERSION, {}, kGuest, p)), 0x10000);
}

TEST(HypercallDecoder, TeardownChecksInSpecOrder) {
  // Trigger disabled: -EPERM (not a refusal), before the flags' -EINVAL.
  EXPECT_EQ(answer(decode_hypercall(SVMM_HC_TEARDOWN, {0x1000, 1, 0, 0}, kGuest, {false, false})),
            -SVMM_EPERM);
  EXPECT_EQ(answer(decode_hypercall(SVMM_HC_TEARDOWN, {0x1001, 1, 0, 0}, kGuest, kDefault)),
            -SVMM_EINVAL);
  auto t = decode_hypercall(SVMM_HC_TEARDOWN, {0x1000, 0, 0, 0}, kGuest, kDefault);
  ASSERT_TRUE(std::holds_alternative<hc::Teardown>(t));
  EXPECT_EQ(std::get<hc::Teardown>(t).report_gpa, 0x1000u);
}

TEST(HypercallDecoder, LaunchAndTrustedExitCarryTheirArgument) {
  auto l = decode_hypercall(SVMM_HC_SECURE_LAUNCH, {SVMM_HC_LAUNCH_ALL, 0, 0, 0}, kGuest, kDefault);
  EXPECT_EQ(std::get<hc::Launch>(l).index, SVMM_HC_LAUNCH_ALL);
  auto e = decode_hypercall(SVMM_HC_TRUSTED_EXIT, {uint64_t(-3), 0, 0, 0}, kTrusted, kDefault);
  EXPECT_EQ(std::get<hc::TrustedExit>(e).status, -3);
}

TEST(HypercallDecoder, UnknownFunctionsAreEnosys) {
  for (uint32_t f : {0u, 0x53564D05u, 0xFFFFFFFFu, 0x53564CFFu})
    EXPECT_EQ(answer(decode_hypercall(f, {}, kGuest, kDefault)), -SVMM_ENOSYS) << f;
}

}  // namespace
}  // namespace svmm
