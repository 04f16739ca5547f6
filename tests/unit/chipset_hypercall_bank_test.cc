// The hypercall bank (spec/chipset.md 0xB00-0xB2F, guest-abi.md section 5): banked per
// requester vCPU, HC.CALL passes the right arguments and stores HC.RESULT, scrub.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "chipset/config_space.h"
#include "chipset/hypercall_bank.h"
#include "protocol/chipset.h"
#include "protocol/hypercall.h"
#include "tests/unit/chipset_test_fixture.h"

namespace svmm {
namespace {

using fakes::ChipsetFixture;
using fakes::kGuest;
using fakes::kMonitor;
using fakes::kPriv;
using fakes::kPub;
using fakes::read_value;
using fakes::write_value;

const Requester kGuest0 = Requester::guest_os(0);
const Requester kGuest1 = Requester::guest_os(1);
const Requester kTrusted0 = Requester::trusted_vm(0, 0);

class ChipsetBank : public ChipsetFixture<> {
 protected:
  void set_args(const Requester& who, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                ChipsetWindow w = kPub) {
    write_value(cs_, w, SVMM_CS_HC_ARG0, a0, who);
    write_value(cs_, w, SVMM_CS_HC_ARG1, a1, who);
    write_value(cs_, w, SVMM_CS_HC_ARG2, a2, who);
    write_value(cs_, w, SVMM_CS_HC_ARG3, a3, who);
  }
};

TEST_F(ChipsetBank, TwoVcpusNeverSeeEachOthersValues) {
  set_args(kGuest0, 1, 2, 3, 4);
  for (uint32_t off = SVMM_CS_HC_ARG0; off <= SVMM_CS_HC_RESULT; off += 8)
    EXPECT_EQ(read_value(cs_, kPub, off, kGuest1), 0u) << std::hex << off;
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_HC_ARG2, kGuest0), 3u);
}

TEST_F(ChipsetBank, AGuestVcpuAndATrustedVcpuWithTheSameIndexHaveDifferentBanks) {
  cs_.secure_launch({});
  set_args(kGuest0, 10, 11, 12, 13);
  set_args(kTrusted0, 20, 21, 22, 23, kPriv);
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_HC_ARG0, kGuest0), 10u);
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_HC_ARG0, kTrusted0), 20u);
  EXPECT_EQ(read_value(cs_, kPriv, SVMM_CS_HC_ARG0, kTrusted0), 20u) << "same bank, both windows";
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_HC_ARG0, Requester::trusted_vm(1, 0)), 0u);
  EXPECT_EQ(cs_.bank(Requester::monitor()).args[0], 0u);
}

TEST_F(ChipsetBank, HcCallPassesFunctionArgsAndRequesterThenStoresTheResult) {
  host_.next_result = -SVMM_ENOSYS;
  set_args(Requester::guest_os(2, 3), 0xA, 0xB, 0xC, 0xD);
  write_value(cs_, kPub, SVMM_CS_HC_CALL, 0xFFFFFFFF00000000ull | SVMM_HC_VERSION,
              Requester::guest_os(2, 3));
  const auto calls = host_.hypercalls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].function, SVMM_HC_VERSION) << "the low 32 bits";
  EXPECT_EQ(calls[0].args, (std::array<uint64_t, 4>{0xA, 0xB, 0xC, 0xD}));
  EXPECT_TRUE(fakes::same_requester(calls[0].who, Requester::guest_os(2, 3)));
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_HC_RESULT, Requester::guest_os(2)),
            static_cast<uint64_t>(-int64_t{SVMM_ENOSYS}));
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_HC_RESULT, kGuest0), 0u);
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_HC_CALL, Requester::guest_os(2)), 0u);
}

TEST_F(ChipsetBank, HcCallTriggersOnWritesOfEveryWidth) {
  for (const std::size_t width : {1u, 2u, 4u, 8u}) {
    host_.next_result = static_cast<int64_t>(width);
    write_value(cs_, kPub, SVMM_CS_HC_CALL, 0x53564D01, kGuest0, width);
    EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_HC_RESULT, kGuest0), width);
  }
  const auto calls = host_.hypercalls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].function, 0x01u);
  EXPECT_EQ(calls[1].function, 0x4D01u);
  EXPECT_EQ(calls[2].function, 0x53564D01u);
  EXPECT_EQ(calls[3].function, 0x53564D01u);
}

TEST_F(ChipsetBank, ResultIsReadOnly) {
  write_value(cs_, kPub, SVMM_CS_HC_RESULT, 5, kGuest0);
  EXPECT_EQ(cs_.read_register(SVMM_CS_ABORT_COUNT), 1u);
  EXPECT_EQ(read_value(cs_, kPub, SVMM_CS_HC_RESULT, kGuest0), 0u);
}

TEST_F(ChipsetBank, TrustedVmCallsThroughEitherWindowInSecureMode) {
  cs_.secure_launch({});
  host_.next_result = 1;
  write_value(cs_, kPriv, SVMM_CS_HC_CALL, SVMM_HC_STATE, kTrusted0);
  write_value(cs_, kPub, SVMM_CS_HC_CALL, SVMM_HC_STATE, kTrusted0);
  EXPECT_EQ(host_.hypercalls().size(), 2u);
  EXPECT_EQ(cs_.bank(kTrusted0).result, 1u);
  EXPECT_EQ(cs_.read_register(SVMM_CS_ABORT_COUNT), 0u);
}

TEST_F(ChipsetBank, GrantedGuestCallsOnlyThroughThePublicWindow) {
  write_value(cs_, kPriv, SVMM_CS_CMD_GRANT_PRIVATE, 0, Requester::monitor());
  write_value(cs_, kPriv, SVMM_CS_HC_ARG0, 9, kGuest0);  // rw: allowed with the grant
  write_value(cs_, kPriv, SVMM_CS_HC_CALL, SVMM_HC_VERSION, kGuest0);
  EXPECT_EQ(host_.aborts().back().record.reason, SVMM_ABORT_COMMAND_DENIED);
  EXPECT_TRUE(host_.hypercalls().empty());
  EXPECT_EQ(cs_.bank(kGuest0).args[0], 9u);
}

TEST_F(ChipsetBank, ScrubZeroesAndForgetsTrustedBanksAndKeepsTheGuestOnes) {
  cs_.secure_launch({});
  set_args(kGuest0, 1, 2, 3, 4);
  set_args(kTrusted0, 5, 6, 7, 8, kPriv);
  set_args(Requester::trusted_vm(3, 7), 9, 9, 9, 9, kPriv);
  cs_.scrub_trusted_banks();
  EXPECT_EQ(cs_.bank(kTrusted0), HypercallBankValues{});
  EXPECT_EQ(cs_.bank(Requester::trusted_vm(3, 7)), HypercallBankValues{});
  EXPECT_EQ(cs_.bank(kGuest0).args, (std::array<uint64_t, 4>{1, 2, 3, 4}));
}

TEST(ChipsetBankStore, ScrubForgetsTrustedBanksEntirely) {
  HypercallBanks banks;
  banks.write(BankSlot::Arg0, Requester::trusted_vm(0, 0), 1);
  banks.write(BankSlot::Result, Requester::trusted_vm(1, 2), 2);
  banks.write(BankSlot::Arg3, Requester::guest_os(0), 3);
  ASSERT_EQ(banks.size(), 3u);
  const uint64_t gen = banks.generation();
  banks.scrub_trusted();
  EXPECT_EQ(banks.size(), 1u);
  EXPECT_EQ(banks.generation(), gen + 1);
  EXPECT_EQ(banks.read(BankSlot::Arg3, Requester::guest_os(0)), 3u);
}

TEST_F(ChipsetBank, AResultForATrustedBankScrubbedDuringTheCallIsDropped) {
  cs_.secure_launch({});
  host_.on_hypercall = [this](uint32_t, const std::array<uint64_t, 4>&, const Requester&) {
    cs_.teardown_close();
    cs_.scrub_trusted_banks();
    return int64_t{42};
  };
  write_value(cs_, kPriv, SVMM_CS_HC_ARG0, 77, kTrusted0);
  write_value(cs_, kPriv, SVMM_CS_HC_CALL, SVMM_HC_TRUSTED_EXIT, kTrusted0);
  EXPECT_EQ(cs_.bank(kTrusted0), HypercallBankValues{});
  // The guest OS's own call during a teardown still gets its result.
  write_value(cs_, kPub, SVMM_CS_HC_CALL, SVMM_HC_TEARDOWN, kGuest0);
  EXPECT_EQ(cs_.bank(kGuest0).result, 42u);
}

TEST_F(ChipsetBank, ConcurrentVcpusEachGetTheirOwnArgumentsAndResults) {
  host_.on_hypercall = [](uint32_t function, const std::array<uint64_t, 4>& args,
                          const Requester& who) {
    return static_cast<int64_t>(function + args[0] + args[3] + who.vcpu_index);
  };
  constexpr uint32_t kThreads = 4;
  constexpr uint64_t kRounds = 300;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const Requester who = Requester::guest_os(t);
      for (uint64_t i = 0; i < kRounds; ++i) {
        write_value(cs_, kPub, SVMM_CS_HC_ARG0, i, who);
        write_value(cs_, kPub, SVMM_CS_HC_ARG3, 1000 * t, who);
        write_value(cs_, kPub, SVMM_CS_HC_CALL, 7, who);
        if (read_value(cs_, kPub, SVMM_CS_HC_RESULT, who) != 7 + i + 1000 * t + t) ++failures;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(host_.hypercalls().size(), kThreads * kRounds);
}

}  // namespace
}  // namespace svmm
