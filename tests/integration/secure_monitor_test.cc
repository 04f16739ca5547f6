// The secure monitor driven from the host, in process: launch and teardown of trusted VMs
// beside a running guest OS, with the guarantees of spec/guest-abi.md section 6 checked from
// the outside: the guest OS's vCPU state is untouched, no trusted byte is left in this
// process's memory, the trusted VMs' fds are closed, and a failing step fails closed.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "guest/test_abi.h"
#include "protocol/chipset.h"
#include "protocol/exit_status.h"
#include "tests/support/memory_scan.h"
#include "tests/support/process.h"
#include "tests/support/test_machine_config.h"
#include "vmm/machine.h"

namespace svmm {
namespace {

using namespace std::chrono_literals;

Config machine_config(const std::string& guest_cmdline, uint32_t guest_vcpus, uint32_t trusted,
                      const std::string& trusted_cmdline, const std::string& console_dir,
                      uint64_t trusted_mib = 16) {
  Config c = test::test_kernel_config(guest_cmdline, guest_vcpus);
  for (uint32_t i = 0; i < trusted; ++i) {
    const std::string name = "tvm" + std::to_string(i);
    test::add_trusted_test_vm(c, name, trusted_cmdline, trusted_mib,
                              console_dir + "/" + name + ".log");
  }
  return c;
}

uint64_t counter(Machine& m, uint32_t cpu) {
  return m.guest_os()
      .memory()
      .read_obj<uint64_t>(GuestAddress(SVMM_TEST_SPIN_COUNTERS_GPA + 64ull * cpu))
      .value_or(0);
}

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 30s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

size_t open_fds() {
  size_t n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (auto* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

using test::count_marker_in_self;
using test::inverted_marker;

bool trusted_ready(Machine& m, uint32_t n) {
  uint64_t scratch = m.monitor().chipset().read_register(SVMM_CS_SCRATCH);
  uint64_t all = (1ull << n) - 1;
  return (scratch & all) == all;
}

class SecureMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!test::kvm_available(&why)) GTEST_SKIP() << why;
  }
  test::TempDir dir;
};

TEST_F(SecureMonitorTest, TeardownLeavesNothingAndTheGuestRunsOnUntouched) {
  const uint32_t vcpus = 2;
  Machine m(machine_config("spin", vcpus, 1, "trusted-secret", dir.path()));
  m.monitor().set_verify_untouched(true);
  int status = -1;
  std::thread runner([&] { status = m.run(); });
  ASSERT_TRUE(wait_until([&] { return counter(m, 0) > 0 && counter(m, 1) > 0; }));

  const size_t fds_before = open_fds();
  ASSERT_EQ(m.monitor().secure_launch(SVMM_HC_LAUNCH_ALL), 0);
  ASSERT_TRUE(m.monitor().secure());
  ASSERT_TRUE(wait_until([&] { return trusted_ready(m, 1); }, 60s)) << "trusted VM never ready";
  auto inv = inverted_marker(dir.path() + "/tvm0.log");
  ASSERT_EQ(inv.size(), 16u) << test::read_file(dir.path() + "/tvm0.log");
  EXPECT_GT(count_marker_in_self(inv), 1000u) << "the scanner must see the trusted RAM before the teardown";
  EXPECT_GT(open_fds(), fds_before);

  auto out = m.monitor().teardown(TeardownTrigger::Control);
  ASSERT_TRUE(out.torn_down);
  EXPECT_EQ(out.result, 0);
  EXPECT_EQ(out.report.magic, SVMM_TEARDOWN_REPORT_MAGIC);
  EXPECT_EQ(out.report.trigger, SVMM_TRIGGER_CONTROL);
  EXPECT_EQ(out.report.trusted_vms, 1u);
  EXPECT_EQ(out.report.bytes_scrubbed, 16ull << 20);
  EXPECT_FALSE(m.monitor().secure());

  EXPECT_EQ(count_marker_in_self(inv), 0u) << "trusted bytes left in svmm's memory";
  EXPECT_EQ(open_fds(), fds_before) << "the trusted VM's fds must be closed";
  auto diffs = m.monitor().last_state_diffs();
  ASSERT_EQ(diffs.size(), vcpus);
  for (uint32_t i = 0; i < vcpus; ++i)
    EXPECT_TRUE(diffs[i].empty()) << "vCPU " << i << ": " << diffs[i].front();

  // The guest OS runs on.
  std::vector<uint64_t> c = {counter(m, 0), counter(m, 1)};
  EXPECT_TRUE(wait_until([&] { return counter(m, 0) > c[0] && counter(m, 1) > c[1]; }));
  EXPECT_EQ(m.monitor().chipset().read_register(SVMM_CS_STS), SVMM_STS_SEXIT_DONE);
  EXPECT_EQ(m.monitor().chipset().read_register(SVMM_CS_TEARDOWN_COUNT), 1u);
  m.request_stop({0, "test finished"});
  runner.join();
  EXPECT_EQ(status, 0);
}

// The guest-request teardown, with the canaries of the guest's own state check loaded: the full
// snapshot of every guest OS vCPU at the freeze (for the caller: at its hypercall exit) equals the
// one just before the resume. (The caller's RAX changes only after the resume, as it re-enters.)
TEST_F(SecureMonitorTest, GuestRequestTeardownLeavesEveryVcpuSnapshotUnchanged) {
  Machine m(machine_config("state-check transport=port vms=1", 1, 1, "trusted-secret", dir.path(), 4));
  m.monitor().set_verify_untouched(true);
  EXPECT_EQ(m.run(), SVMM_DEBUG_EXIT_STATUS(SVMM_TEST_EXIT_PASS));
  auto diffs = m.monitor().last_state_diffs();
  ASSERT_EQ(diffs.size(), 1u) << "no teardown happened";
  EXPECT_TRUE(diffs[0].empty()) << diffs[0].front();
}

TEST_F(SecureMonitorTest, TwoTriggersAtOnceMakeOneTeardown) {
  Machine m(machine_config("spin", 1, 1, "trusted-secret", dir.path(), 2));
  std::thread runner([&] { (void)m.run(); });
  ASSERT_TRUE(wait_until([&] { return counter(m, 0) > 0; }));
  ASSERT_EQ(m.monitor().secure_launch(SVMM_HC_LAUNCH_ALL), 0);
  TeardownOutcome a, b;
  std::thread t1([&] { a = m.monitor().teardown(TeardownTrigger::Control); });
  std::thread t2([&] { b = m.monitor().teardown(TeardownTrigger::Signal); });
  t1.join();
  t2.join();
  EXPECT_NE(a.torn_down, b.torn_down) << "exactly one of them tears down";
  EXPECT_EQ((a.torn_down ? b : a).result, -SVMM_EINVAL) << "the other finds normal mode";
  EXPECT_EQ(m.monitor().chipset().read_register(SVMM_CS_TEARDOWN_COUNT), 1u);
  m.request_stop({0, "test finished"});
  runner.join();
}

class FailClosedTest : public SecureMonitorTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(FailClosedTest, AFailingStepEndsTheMachineWithStatusTenAndLeavesNothing) {
  Machine m(machine_config("spin", 2, 1, "trusted-secret", dir.path()));
  int status = -1;
  std::thread runner([&] { status = m.run(); });
  ASSERT_TRUE(wait_until([&] { return counter(m, 0) > 0 && counter(m, 1) > 0; }));
  ASSERT_EQ(m.monitor().secure_launch(SVMM_HC_LAUNCH_ALL), 0);
  ASSERT_TRUE(wait_until([&] { return trusted_ready(m, 1); }, 60s));
  auto inv = inverted_marker(dir.path() + "/tvm0.log");
  ASSERT_EQ(inv.size(), 16u);

  ::setenv("SVMM_TEST_FAIL_TEARDOWN", GetParam(), 1);
  auto out = m.monitor().teardown(TeardownTrigger::Control);
  ::unsetenv("SVMM_TEST_FAIL_TEARDOWN");
  EXPECT_TRUE(out.failed);
  EXPECT_FALSE(out.torn_down);
  // The guest OS never ran again: its counters stand still.
  std::vector<uint64_t> c = {counter(m, 0), counter(m, 1)};
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(counter(m, 0), c[0]);
  EXPECT_EQ(counter(m, 1), c[1]);
  runner.join();
  EXPECT_EQ(status, SVMM_EXIT_TEARDOWN_FAILED);
  EXPECT_EQ(count_marker_in_self(inv), 0u) << "trusted bytes left after a failed teardown";
}

INSTANTIATE_TEST_SUITE_P(Steps, FailClosedTest,
                         ::testing::Values("freeze", "cap", "scrub", "close", "leave", "resume"));

}  // namespace
}  // namespace svmm
