// The secure core through the real binary: the tiny kernel's secure scenarios as the guest OS
// beside trusted VMs running the trusted scenarios (guest/README.md). What the guest saw is in
// its console (each check prints what it saw and PASS/FAIL); how svmm ended is the exit status.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <regex>
#include <thread>

#include "guest/test_abi.h"
#include "protocol/exit_status.h"
#include "tests/integration/guest_run.h"
#include "tests/integration/secure_config.h"

#if defined(__SANITIZE_ADDRESS__)
#define SVMM_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SVMM_TEST_ASAN 1
#endif
#endif
#ifndef SVMM_TEST_ASAN
#define SVMM_TEST_ASAN 0
#endif

namespace svmm::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr int kPass = SVMM_DEBUG_EXIT_STATUS(SVMM_TEST_EXIT_PASS);

using SecureScenario = ConfigScenario;

TEST_F(SecureScenario, HypercallsInNormalModeWithoutTrustedVms) {
  expect_pass(run(secure_config("hc-basic vms=0", 1, {})));
}

TEST_F(SecureScenario, HypercallsInNormalModeWithATrustedVm) {
  expect_pass(run(secure_config("hc-basic vms=1", 1, {{"trusted-secret", 2}})));
}

TEST_F(SecureScenario, FuseDisabledRefusesLaunchAndHidesThePrivateWindow) {
  json extra = {{"chipset", {{"fuse", "disabled"}}}};
  expect_pass(run(secure_config("hc-basic vms=1 fuse=0", 1, {{"trusted-secret", 2}}, extra)));
  extra["token"] = {{"enabled", false}};  // and without a token: ICH.TOKEN-STS 0
  expect_pass(run(secure_config("chipset-guest fuse=0 token=0", 1, {}, extra)));
}

TEST_F(SecureScenario, ChipsetAsSeenByTheGuestOs) {
  expect_pass(run(secure_config("chipset-guest", 1, {})));  // the token is there by default
}

class LaunchTeardownTest : public SecureScenario, public ::testing::WithParamInterface<int> {};

// 1, 2 and 4 trusted VMs; a 2-vCPU guest OS whose other vCPU writes memory throughout; the
// launch and teardown through the port, then again through the bank.
TEST_P(LaunchTeardownTest, LaunchAndTeardownThroughBothTransports) {
  const int n = GetParam();
  std::vector<TrustedSpec> vms;
  std::string mem;
  for (int i = 0; i < n; ++i) {
    int mib = 2 << i;  // 2, 4, 8, 16
    vms.push_back({"trusted-secret", mib, 1, "file:" + console(i)});
    if (i != 0) mem += ',';
    mem += std::to_string(mib);
  }
  auto r = run(secure_config("launch-teardown writers=1 mem=" + mem, 2, vms));
  expect_pass(r);
  EXPECT_NE(r.out.find("vCPU 1 wrote on"), std::string::npos) << r.out;
  for (int i = 0; i < n; ++i)
    EXPECT_NE(read_file(console(i)).find("secret: "), std::string::npos) << "trusted VM " << i;
}

INSTANTIATE_TEST_SUITE_P(TrustedVms, LaunchTeardownTest, ::testing::Values(1, 2, 4));

TEST_F(SecureScenario, UntouchedStateThroughThePort) {
  expect_pass(run(secure_config("state-check transport=port vms=1", 1, {{"trusted-secret", 4}})));
}

TEST_F(SecureScenario, UntouchedStateThroughTheBank) {
  expect_pass(run(secure_config("state-check transport=bank vms=1", 1, {{"trusted-secret", 4}})));
}

TEST_F(SecureScenario, TheBankIsBankedPerVcpu) {
  expect_pass(run(secure_config("bank-banked", 2, {})));
}

TEST_F(SecureScenario, Cpl3CallsThroughTheBank) {
  expect_pass(run(secure_config("cpl3-kernel-only", 1, {})));
}

TEST_F(SecureScenario, KernelOnlyRefusesCpl3Calls) {
  json extra = {{"hypercall", {{"kernel_only", true}}}};
  expect_pass(run(secure_config("cpl3-kernel-only kernel_only=1", 1, {}, extra)));
}

TEST_F(SecureScenario, PrivateWindowGrantFromATrustedVm) {
  expect_pass(run(secure_config("grant vms=1", 1, {{"trusted-grant", 2}})));
  expect_pass(run(secure_config("grant vms=1 close=teardown", 1, {{"trusted-grant", 2}})));
}

TEST_F(SecureScenario, OwnerScratchIsWritableByVcpuZeroOnly) {
  expect_pass(run(secure_config("owner-scratch vms=1", 2, {{"trusted-grant", 2}})));
}

TEST_F(SecureScenario, TrustedVmAccessMatrix) {
  auto r = run(secure_config("launch-teardown vms=1 transport=port", 1,
                             {{"trusted-chipset", 2, 1, "file:" + console(0)}}));
  expect_pass(r);
  EXPECT_TRUE(has_line(read_file(console(0)), SVMM_TEST_LINE_PASS)) << read_file(console(0));
}

class AbortPolicyTest : public SecureScenario, public ::testing::WithParamInterface<const char*> {};

TEST_P(AbortPolicyTest, PolicyHasItsEffect) {
  const std::string policy = GetParam();
  json extra = {{"chipset", {{"abort_policy", policy}}}};
  auto r = run(secure_config("abort-policy policy=" + policy + " vms=1", 1, {{"trusted-secret", 2}},
                             extra));
  if (policy == "reset") {
    // A system reset: teardown (in secure mode), then the guest OS reset path: exit 0.
    EXPECT_EQ(r.exit_status, SVMM_EXIT_OK) << r.out << r.err;
    EXPECT_FALSE(has_line(r.out, SVMM_TEST_LINE_PASS));
    EXPECT_NE(r.err.find("\"trigger\":\"poweroff\""), std::string::npos) << r.err;
  } else {
    expect_pass(r);
    if (policy == "teardown") {
      EXPECT_NE(r.err.find("\"trigger\":\"breach\""), std::string::npos) << r.err;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Policies, AbortPolicyTest,
                         ::testing::Values("all-ones", "all-zeros", "error-code", "interrupt",
                                           "teardown", "reset"));

TEST_F(SecureScenario, TrustedExitWithNonZeroStatusTearsDown) {
  auto r = run(secure_config("launch-await-teardown vms=1", 1, {{"trusted-exit code=3 ready=1", 2}}));
  expect_pass(r);
  EXPECT_NE(r.err.find("\"trigger\":\"trusted-fault\""), std::string::npos) << r.err;
}

TEST_F(SecureScenario, TrustedTripleFaultTearsDown) {
  auto r = run(secure_config("launch-await-teardown vms=1", 1, {{"trusted-fault ready=1", 2}}));
  expect_pass(r);
  EXPECT_NE(r.err.find("\"trigger\":\"trusted-fault\""), std::string::npos) << r.err;
}

TEST_F(SecureScenario, I8042ResetInSecureModeTearsDownThenExitsZero) {
  auto r = run(secure_config("reset launch=1", 1, {{"trusted-secret", 2}}));
  EXPECT_EQ(r.exit_status, SVMM_EXIT_OK) << r.out << r.err;
  EXPECT_NE(r.err.find("\"trigger\":\"poweroff\""), std::string::npos) << r.err;
}

TEST_F(SecureScenario, PoweroffIsRefusedInSecureModeWhenNotATrigger) {
  json only_guest = {{"secure", {{"teardown_on", {"guest-request"}}}}};
  auto r = run(secure_config("reset launch=1", 1, {{"trusted-secret", 2}}, only_guest), 8s);
  // The reset request is refused: the guest runs on and notices (its FAIL line). Its debug exit
  // that follows is a power-off request too, refused as well: svmm keeps running (the test
  // ends it).
  EXPECT_TRUE(r.timed_out);
  EXPECT_TRUE(has_line(r.out, std::string(SVMM_TEST_LINE_FAIL) +
                                  "still running 1000 ms after the reset request"))
      << r.out << r.err;
  EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;
}

TEST_F(SecureScenario, GuestCrashInSecureModeTearsDownThenExitsSix) {
  auto r = run(secure_config("triple-fault launch=1", 1, {{"trusted-secret", 2}}));
  EXPECT_EQ(r.exit_status, SVMM_EXIT_GUEST_CRASH) << r.out << r.err;
  EXPECT_NE(r.err.find("\"trigger\":\"guest-crash\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("triple fault"), std::string::npos) << r.err;
}

TEST_F(SecureScenario, SigtermInSecureModeTearsDownThenExitsZero) {
  std::string cfg = dir.write("svmm.json", secure_config("spin-secure vms=1", 2,
                                                         {{"trusted-secret", 8}}).dump());
  std::string out = dir.path() + "/out", err = dir.path() + "/err";
  ChildProcess svmm({SVMM_BINARY, "run", "--config", cfg}, out, err);
  ASSERT_TRUE(wait_for_text(out, "spin: running", 60s)) << read_file(out) << read_file(err);
  svmm.signal(SIGTERM);
  EXPECT_EQ(svmm.wait(60s), SVMM_EXIT_OK) << read_file(err);
  EXPECT_NE(read_file(err).find("\"trigger\":\"signal\""), std::string::npos) << read_file(err);
}

// 200 launch/teardown cycles through the hypercalls in one process: the fd count and the RSS of
// svmm stay flat (sampled from outside at the guest's progress lines).
TEST_F(SecureScenario, TwoHundredCyclesKeepFdsAndRssFlat) {
  std::string cfg = dir.write("svmm.json", secure_config("launch-cycles count=200 vms=1 mem=2 pause_ms=300", 1,
                                                         {{"trusted-secret", 2}}).dump());
  std::string out = dir.path() + "/out", err = dir.path() + "/err";
  ChildProcess svmm({SVMM_BINARY, "run", "--config", cfg}, out, err);
  auto fds = [&] {
    size_t n = 0;
    DIR* d = ::opendir(("/proc/" + std::to_string(svmm.pid()) + "/fd").c_str());
    if (!d) return n;
    while (auto* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
    return n;
  };
  auto rss_kb = [&] {
    std::ifstream f("/proc/" + std::to_string(svmm.pid()) + "/status");
    std::string line;
    while (std::getline(f, line))
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return 0l;
  };
  std::vector<size_t> fd_samples;
  std::vector<long> rss_samples;
  for (int done = 20; done <= 180; done += 20) {
    ASSERT_TRUE(wait_for_text(out, "launch-cycles: " + std::to_string(done) + " of 200", 120s))
        << read_file(out);
    // The guest pauses 300 ms in normal mode after each progress line: sample then.
    std::this_thread::sleep_for(50ms);
    fd_samples.push_back(fds());
    rss_samples.push_back(rss_kb());
  }
  EXPECT_EQ(svmm.wait(120s), kPass) << read_file(out) << read_file(err);
  for (size_t i = 1; i < fd_samples.size(); ++i) EXPECT_EQ(fd_samples[i], fd_samples[0]);
  // RSS: allow 2 MiB of allocator noise around the first sample, not growth per cycle. Under
  // AddressSanitizer freed memory sits in its quarantine, so RSS grows by design there.
#if !SVMM_TEST_ASAN
  for (size_t i = 1; i < rss_samples.size(); ++i) EXPECT_LT(rss_samples[i], rss_samples[0] + 2048);
#endif
  std::string report;
  for (size_t i = 0; i < fd_samples.size(); ++i)
    report += " [" + std::to_string(fd_samples[i]) + " fds, " + std::to_string(rss_samples[i]) + " kB]";
  RecordProperty("samples", report);
  std::cout << "fd/RSS samples every 20 cycles:" << report << "\n";
}

}  // namespace
}  // namespace svmm::test
