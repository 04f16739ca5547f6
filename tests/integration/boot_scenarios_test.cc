// The tiny test kernel's scenarios under the real svmm binary on real KVM: what the guest saw
// (its console) and how svmm ended (exit status, stderr).
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "guest/test_abi.h"
#include "protocol/exit_status.h"
#include "tests/integration/guest_run.h"

namespace svmm::test {
namespace {

constexpr int kPass = SVMM_DEBUG_EXIT_STATUS(SVMM_TEST_EXIT_PASS);

TEST(BootScenario, HelloPrintsGreetingAndPasses) {
  SVMM_REQUIRE_KVM();
  auto r = run_test_kernel({"hello"});
  expect_scenario_pass(r, "hello");
  EXPECT_TRUE(has_line(r.out, "Hello from the svmm test kernel")) << r.out;
}

TEST(BootScenario, CpuidShowsSvmmLeavesAtCpl0) {
  SVMM_REQUIRE_KVM();
  expect_scenario_pass(run_test_kernel({"cpuid"}), "cpuid");
}

TEST(BootScenario, UnassignedPortsAndMmioReadAllOnes) {
  SVMM_REQUIRE_KVM();
  expect_scenario_pass(run_test_kernel({"ports"}), "ports");
}

TEST(BootScenario, ExceptionIsCaughtAndReported) {
  SVMM_REQUIRE_KVM();
  auto r = run_test_kernel({"exception"});
  expect_scenario_pass(r, "exception");
  EXPECT_NE(r.out.find("vector 6"), std::string::npos) << r.out;
}

class MemmapTest : public ::testing::TestWithParam<int> {};

TEST_P(MemmapTest, MemmapMatchesConfiguredRam) {
  SVMM_REQUIRE_KVM();
  int mib = GetParam();
  auto r = run_test_kernel({"memmap mem=" + std::to_string(mib), 1, mib});
  expect_scenario_pass(r, "memmap");
}

// 3072 is the largest RAM without a high range; 4096 and 5120 split around the MMIO hole.
INSTANTIATE_TEST_SUITE_P(Sizes, MemmapTest, ::testing::Values(2 + 2, 64, 3072, 4096, 5120));

class SmpTest : public ::testing::TestWithParam<int> {};

TEST_P(SmpTest, EveryVcpuStartsAndReportsItsApicId) {
  SVMM_REQUIRE_KVM();
  int n = GetParam();
  auto r = run_test_kernel({"smp cpus=" + std::to_string(n), n});
  expect_scenario_pass(r, "smp");
  for (int i = 0; i < n; ++i)
    EXPECT_TRUE(has_line(r.out, "smp: cpu " + std::to_string(i) + " apic " + std::to_string(i)))
        << r.out;
}

INSTANTIATE_TEST_SUITE_P(Vcpus, SmpTest, ::testing::Values(1, 2, 4));

TEST(ExitStatus, I8042ResetEndsWithZero) {
  SVMM_REQUIRE_KVM();
  auto r = run_test_kernel({"reset"});
  EXPECT_EQ(r.exit_status, SVMM_EXIT_OK) << r.out << r.err;
  EXPECT_EQ(r.out.find(SVMM_TEST_LINE_FAIL), std::string::npos) << r.out;
}

class DebugExitTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(DebugExitTest, StatusIsValueShiftedOrOne) {
  SVMM_REQUIRE_KVM();
  unsigned v = GetParam();
  auto r = run_test_kernel({"exit code=" + std::to_string(v)});
  EXPECT_EQ(r.exit_status, static_cast<int>(((v << 1) | 1) & 0xFF)) << r.out << r.err;
}

INSTANTIATE_TEST_SUITE_P(Values, DebugExitTest, ::testing::Values(0u, 1u, 5u, 63u, 127u, 128u, 255u));

TEST(ExitStatus, TripleFaultIsACrashWithStatusSix) {
  SVMM_REQUIRE_KVM();
  auto r = run_test_kernel({"triple-fault"});
  EXPECT_EQ(r.exit_status, SVMM_EXIT_GUEST_CRASH) << r.out << r.err;
  EXPECT_NE(r.err.find("triple fault"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("RIP 0x"), std::string::npos) << r.err;
}

TEST(ExitStatus, MissingKernelIsUsageErrorBeforeAnythingRuns) {
  auto r = run_process({SVMM_BINARY, "run", "--kernel", "/nonexistent/kernel"});
  EXPECT_EQ(r.exit_status, SVMM_EXIT_USAGE);
  EXPECT_NE(r.err.find("/nonexistent/kernel"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(ExitStatus, NotAKernelImageIsUsageError) {
  TempDir dir;
  std::string junk = dir.write("junk.bin", std::string(4096, 'x'));
  auto r = run_process({SVMM_BINARY, "run", "--kernel", junk});
  EXPECT_EQ(r.exit_status, SVMM_EXIT_USAGE);
  EXPECT_NE(r.err.find("is not a bzImage, PVH ELF or Multiboot image"), std::string::npos) << r.err;
}

TEST(ExitStatus, KernelInTheChipsetReservedAreaIsRefused) {
  // With 2 MiB of RAM the last MiB, where the kernel would load, is the chipset's reserved area.
  auto r = run_process({SVMM_BINARY, "run", "--kernel", SVMM_TEST_KERNEL, "--memory", "2"});
  EXPECT_EQ(r.exit_status, SVMM_EXIT_USAGE) << r.err;
  EXPECT_NE(r.err.find("not inside a RAM range of the memory map"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(ExitStatus, MissingKvmDeviceIsHostError) {
  std::vector<std::string> argv = {SVMM_BINARY, "run", "--kernel", SVMM_TEST_KERNEL};
  // SVMM_KVM_DEVICE overrides /dev/kvm (documented in the README for hosts and tests).
  ::setenv("SVMM_KVM_DEVICE", "/nonexistent/kvm", 1);
  auto missing = run_process(argv);
  ::unsetenv("SVMM_KVM_DEVICE");
  EXPECT_EQ(missing.exit_status, SVMM_EXIT_HOST) << missing.err;
  EXPECT_NE(missing.err.find("/nonexistent/kvm"), std::string::npos) << missing.err;
}

// spec/control.md section 3: a live control socket is an error, a stale one is replaced.
TEST(Config, LiveControlSocketIsRefusedStaleOneReplaced) {
  SVMM_REQUIRE_KVM();
  TempDir dir;
  const std::string path = dir.path() + "/s.sock";
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  auto live = run_test_kernel({"hello", 1, 64, {"--api-socket", path}});
  EXPECT_EQ(live.exit_status, SVMM_EXIT_USAGE) << live.err;
  EXPECT_NE(live.err.find("in use"), std::string::npos) << live.err;
  EXPECT_TRUE(live.out.empty()) << "nothing may run: " << live.out;
  ::close(fd);  // the file stays behind: a stale socket
  auto stale = run_test_kernel({"hello", 1, 64, {"--api-socket", path}});
  EXPECT_EQ(stale.exit_status, kPass) << stale.err;
  EXPECT_NE(::access(path.c_str(), F_OK), 0) << "the socket is removed at exit";
}

TEST(Console, FileConsoleReceivesTheGuestOutput) {
  SVMM_REQUIRE_KVM();
  TempDir dir;
  std::string log = dir.path() + "/console.log";
  auto r = run_test_kernel({"hello", 1, 64, {"--console", "file:" + log}});
  EXPECT_EQ(r.exit_status, kPass) << r.err;
  EXPECT_TRUE(r.out.empty()) << "stdout must stay empty with a file console: " << r.out;
  std::ifstream f(log);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_TRUE(has_line(ss.str(), "Hello from the svmm test kernel")) << ss.str();
  EXPECT_TRUE(has_line(ss.str(), SVMM_TEST_LINE_PASS)) << ss.str();
}

TEST(Console, NoneConsoleDropsOutput) {
  SVMM_REQUIRE_KVM();
  auto r = run_test_kernel({"hello", 1, 64, {"--console", "none"}});
  EXPECT_EQ(r.exit_status, kPass) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(Config, ConfigFileBootsTheTestKernel) {
  SVMM_REQUIRE_KVM();
  TempDir dir;
  std::string cfg = dir.write("vm.json", std::string(R"({"guest_os": {"kernel": ")") +
                                             SVMM_TEST_KERNEL +
                                             R"(", "cmdline": "smp cpus=2", "vcpus": 2, "memory_mib": 32}})");
  auto r = run_process({SVMM_BINARY, "run", "--config", cfg});
  EXPECT_EQ(r.exit_status, kPass) << r.out << r.err;
  EXPECT_TRUE(has_line(r.out, "smp: cpu 1 apic 1")) << r.out;
}

}  // namespace
}  // namespace svmm::test
