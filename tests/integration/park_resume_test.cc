// Park/resume of a running 2-vCPU guest, in process: while parked no guest instruction runs
// (the guest's counters stand still) and no vCPU state changes (the snapshot diff is empty);
// after resume the guest makes progress again.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "guest/test_abi.h"
#include "tests/support/process.h"
#include "tests/support/test_machine_config.h"
#include "vmm/machine.h"
#include "vmm/x86/vcpu_snapshot.h"

namespace svmm {
namespace {

using namespace std::chrono_literals;

uint64_t counter(Machine& m, uint32_t cpu) {
  auto v = m.guest_os().memory().read_obj<uint64_t>(
      GuestAddress(SVMM_TEST_SPIN_COUNTERS_GPA + 64ull * cpu));
  EXPECT_TRUE(v.has_value());
  return v.value_or(0);
}

// Waits until every vCPU's counter exceeds `floor`; false on timeout.
bool wait_progress(Machine& m, uint32_t vcpus, const std::vector<uint64_t>& floor,
                   std::chrono::milliseconds timeout = 20s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    bool all = true;
    for (uint32_t i = 0; i < vcpus; ++i) all = all && counter(m, i) > floor[i];
    if (all) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

TEST(ParkResume, ParkedGuestDoesNotRunAndItsStateIsUnchanged) {
  SVMM_REQUIRE_KVM();
  Machine m(test::test_kernel_config("spin", 2, 32));
  int status = -1;
  std::thread runner([&] { status = m.run(); });

  const uint32_t n = 2;
  ASSERT_TRUE(wait_progress(m, n, {0, 0})) << "the guest never started spinning";

  auto& vcpus = m.guest_os().vcpus();
  vcpus.park();
  ASSERT_TRUE(vcpus.parked());

  SnapshotOptions opts;
  opts.msrs = readable_msrs(vcpus.vcpu(0).fd(), m.kvm().msr_index_list());
  std::vector<VcpuSnapshot> before;
  std::vector<uint64_t> frozen;
  for (uint32_t i = 0; i < n; ++i) {
    before.push_back(take_snapshot(vcpus.vcpu(i).fd(), opts));
    frozen.push_back(counter(m, i));
  }
  std::this_thread::sleep_for(200ms);
  for (uint32_t i = 0; i < n; ++i) {
    EXPECT_EQ(counter(m, i), frozen[i]) << "vCPU " << i << " ran while parked";
    auto after = take_snapshot(vcpus.vcpu(i).fd(), opts);
    auto diff = diff_snapshots(before[i], after);
    EXPECT_TRUE(diff.empty()) << "vCPU " << i << " state changed while parked: " << diff.front();
  }
  // The guest is in long mode with its own page tables: the snapshot is not a reset state.
  EXPECT_NE(before[0].sregs.cr3, 0u);
  EXPECT_NE(before[0].sregs.efer & (1u << 10), 0u) << "EFER.LMA";

  vcpus.resume();
  EXPECT_TRUE(wait_progress(m, n, frozen)) << "the guest made no progress after resume";

  m.request_stop({0, "test finished"});
  runner.join();
  EXPECT_EQ(status, 0);
}

TEST(ParkResume, RepeatedParkResumeCyclesKeepTheGuestRunning) {
  SVMM_REQUIRE_KVM();
  Machine m(test::test_kernel_config("spin", 2, 32));
  std::thread runner([&] { (void)m.run(); });
  ASSERT_TRUE(wait_progress(m, 2, {0, 0}));
  auto& vcpus = m.guest_os().vcpus();
  for (int i = 0; i < 50; ++i) {
    vcpus.park();
    std::vector<uint64_t> frozen = {counter(m, 0), counter(m, 1)};
    EXPECT_EQ(counter(m, 0), frozen[0]);
    vcpus.resume();
    ASSERT_TRUE(wait_progress(m, 2, frozen)) << "cycle " << i;
  }
  m.request_stop({0, "test finished"});
  runner.join();
}

}  // namespace
}  // namespace svmm
