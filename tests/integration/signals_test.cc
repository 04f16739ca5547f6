// SIGTERM and SIGINT end a running guest OS in normal mode with exit status 0, through the
// machine's orderly stop path (spec/control.md section 2), and the pidfile comes and goes.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "protocol/exit_status.h"
#include "tests/support/process.h"

namespace svmm::test {
namespace {

using namespace std::chrono_literals;

class StopSignalTest : public ::testing::TestWithParam<int> {};

TEST_P(StopSignalTest, RunningGuestStopsWithStatusZero) {
  SVMM_REQUIRE_KVM();
  TempDir dir;
  std::string out = dir.path() + "/out", err = dir.path() + "/err", pid = dir.path() + "/pid";
  ChildProcess svmm({SVMM_BINARY, "--pidfile", pid, "run", "--kernel", SVMM_TEST_KERNEL,
                     "--cmdline", "spin", "--vcpus", "2", "--memory", "32"},
                    out, err);
  ASSERT_TRUE(wait_for_text(out, "spin: running", 30s)) << read_file(out) << read_file(err);
  EXPECT_EQ(read_file(pid), std::to_string(svmm.pid()) + "\n");
  svmm.signal(GetParam());
  EXPECT_EQ(svmm.wait(30s), SVMM_EXIT_OK) << read_file(err);
  EXPECT_NE(read_file(err).find(GetParam() == SIGTERM ? "stopped by TERM" : "stopped by INT"),
            std::string::npos)
      << read_file(err);
  EXPECT_NE(::access(pid.c_str(), F_OK), 0) << "the pidfile must be removed at exit";
}

INSTANTIATE_TEST_SUITE_P(Signals, StopSignalTest, ::testing::Values(SIGTERM, SIGINT));

}  // namespace
}  // namespace svmm::test
