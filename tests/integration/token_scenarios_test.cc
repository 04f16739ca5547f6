// The token through the real binary (spec/token.md): the test kernel's token scenarios
// (guest/README.md) as the guest OS and as trusted VMs, `svmm measure` against what the TPM
// reports after a real launch, the state directory across runs, corrupt states, and kill -9
// during NV writes.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include "guest/test_abi.h"
#include "protocol/exit_status.h"
#include "tests/integration/guest_run.h"
#include "tests/integration/secure_config.h"
#include "vmm/token/measure.h"
#include "vmm/util/sha256.h"

namespace svmm::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr int kPass = SVMM_DEBUG_EXIT_STATUS(SVMM_TEST_EXIT_PASS);

Sha256 from_hex(const std::string& hex) {
  Sha256 out{};
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return out;
}

class TokenScenario : public ConfigScenario {
 protected:
  // `svmm measure` of `config`, parsed.
  json measure(const json& config, std::optional<int> vm = std::nullopt) {
    const std::string path = dir.write("measure.json", config.dump(2));
    std::vector<std::string> argv = {SVMM_BINARY, "measure", "--config", path};
    if (vm) argv.insert(argv.end(), {"--vm", std::to_string(*vm)});
    const auto r = run_process(argv);
    EXPECT_EQ(r.exit_status, 0) << r.err;
    return json::parse(r.out);
  }
  // The guest's expectations from `svmm measure`: the launch values and the capped ones.
  std::string launch_args(const json& m) {
    const Sha256 p17 = from_hex(m["pcr17"]), p18 = from_hex(m["pcr18"]);
    return " pcr17=" + std::string(m["pcr17"]) + " pcr18=" + std::string(m["pcr18"]) +
           " cap17=" + to_hex(capped(p17)) + " cap18=" + to_hex(capped(p18));
  }
  json nv_config(const std::string& cmdline, bool with_state = true) {
    json j = secure_config(cmdline, 1, {});
    if (with_state) j["token"] = {{"state_dir", dir.path() + "/tpm-state"}};
    return j;
  }
};

TEST_F(TokenScenario, LocalityZeroRegistersTisProtocolAndTpmCommands) {
  Sha256 digest;
  for (int i = 0; i < 32; ++i)
    digest[static_cast<std::size_t>(i)] = static_cast<uint8_t>(i * 7 + 1);
  const std::string pcr16 = to_hex(pcr_extend(Sha256{}, digest));
  expect_pass(run_test_kernel({"token-basic pcr16=" + pcr16}));
}

TEST_F(TokenScenario, DisabledTokenIsUnassignedMmioWithCpuidBitClear) {
  json j = secure_config("token-basic token=0", 1, {});
  j["token"] = {{"enabled", false}};
  expect_pass(run(j));
}

TEST_F(TokenScenario, GuestOsAccessesToLocalitiesOneToFourAbort) {
  auto r = run_test_kernel({"token-localities"});
  expect_pass(r);
  EXPECT_NE(r.err.find("\"window\":\"token\""), std::string::npos) << "CHIPSET_ABORT events";
}

TEST_F(TokenScenario, MeasuredLaunchEqualsSvmmMeasureAndTeardownCaps) {
  const std::vector<TrustedSpec> vms = {{"trusted-secret", 2},
                                        {"trusted-token", 4, 1, "file:" + console(1)}};
  json cfg = secure_config("X", 1, vms);
  const json m = measure(cfg);
  ASSERT_EQ(m["images"].size(), 2u);
  EXPECT_EQ(m["images"][0]["name"], "tvm0");
  cfg["guest_os"]["cmdline"] = "token-launch vms=2 cycles=2" + launch_args(m);
  auto r = run(cfg);
  expect_pass(r);
  EXPECT_NE(r.err.find("\"manifest_sha256\":\"" + std::string(m["manifest_sha256"]) + "\""),
            std::string::npos)
      << "the SECURE_LAUNCH event names the measured manifest\n"
      << r.err;
  EXPECT_TRUE(has_line(read_file(console(1)), SVMM_TEST_LINE_PASS)) << read_file(console(1));
}

TEST(TokenMeasureCli, RefusesNoTrustedVmsAndAnUnknownVm) {
  TempDir dir;
  json cfg = secure_config("hello", 1, {});
  auto r = run_process({SVMM_BINARY, "measure", "--config", dir.write("a.json", cfg.dump())});
  EXPECT_EQ(r.exit_status, SVMM_EXIT_USAGE);
  EXPECT_NE(r.err.find("no trusted VM to measure"), std::string::npos) << r.err;
  cfg = secure_config("hello", 1, {{"trusted-secret", 2}});
  r = run_process(
      {SVMM_BINARY, "measure", "--config", dir.write("b.json", cfg.dump()), "--vm", "1"});
  EXPECT_EQ(r.exit_status, SVMM_EXIT_USAGE);
  EXPECT_NE(r.err.find("--vm 1"), std::string::npos) << r.err;
  r = run_process({SVMM_BINARY, "measure", "--config", dir.path() + "/b.json"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const json m = json::parse(r.out);
  for (const char* key : {"manifest_sha256", "pcr17", "pcr18"})
    EXPECT_TRUE(std::regex_match(std::string(m[key]), std::regex("[0-9a-f]{64}"))) << key;
  EXPECT_EQ(r.out.find("manifest_sha256"), 2u) << "keys in the order of spec/token.md: " << r.out;
}

TEST_F(TokenScenario, LaunchOfOneVmMeasuresThatVmAlone) {
  const std::vector<TrustedSpec> vms = {{"trusted-secret", 2}, {"trusted-secret", 4}};
  json cfg = secure_config("X", 1, vms);
  const json all = measure(cfg), one = measure(cfg, 1);
  EXPECT_NE(all["pcr17"], one["pcr17"]);
  EXPECT_EQ(one["images"].size(), 1u);
  cfg["guest_os"]["cmdline"] = "token-launch vms=2 vm=1 cycles=1" + launch_args(one);
  expect_pass(run(cfg));
}

TEST_F(TokenScenario, ALaunchFailingAfterTheMeasurementCapsPcrs) {
#ifndef SVMM_TEST_HOOKS
  GTEST_SKIP() << "needs a build with SVMM_TEST_HOOKS";
#endif
  json cfg = secure_config("X", 1, {{"trusted-secret", 2}});
  const json m = measure(cfg);
  cfg["guest_os"]["cmdline"] = "token-launch vms=1 fail=1" + launch_args(m);
  const std::string path = dir.write("svmm.json", cfg.dump(2));
  auto r = run_process(
      {"/usr/bin/env", "SVMM_TEST_FAIL_LAUNCH=after-measure", SVMM_BINARY, "run", "--config", path},
      120s);
  expect_pass(r);
  EXPECT_NE(r.err.find("injected failure"), std::string::npos) << r.err;
}

TEST_F(TokenScenario, QueryTokenShowsTheLaunchPcrsAndOpenLocalities) {
  json cfg = secure_config("spin-secure vms=1", 1, {{"trusted-secret", 2}});
  const json m = measure(cfg);
  const std::string sock = dir.path() + "/svmm.sock";
  cfg["api"] = {{"socket", sock}};
  const std::string path = dir.write("svmm.json", cfg.dump(2));
  const std::string out = dir.path() + "/out", err = dir.path() + "/err";
  ChildProcess svmm({SVMM_BINARY, "run", "--config", path}, out, err);
  ASSERT_TRUE(wait_for_text(out, "spin: running", 60s)) << read_file(out) << read_file(err);
  const auto q = run_process(
      {SVMM_BINARY, "ctl", "--socket", sock, "query-token", R"({"pcrs": [17, 18, 19]})"});
  ASSERT_EQ(q.exit_status, 0) << q.err;
  const json r = json::parse(q.out);
  EXPECT_EQ(r["localities_open"], json::array({0, 2, 4}));
  EXPECT_EQ(r["pcrs"]["17"], m["pcr17"]);
  EXPECT_EQ(r["pcrs"]["18"], m["pcr18"]);
  EXPECT_EQ(r["pcrs"]["19"], std::string(64, '0'));
  svmm.signal(SIGTERM);
  EXPECT_EQ(svmm.wait(60s), 0) << read_file(err);
}

TEST_F(TokenScenario, TrustedVmUsesLocalityTwoWhileOpen) {
  auto r = run(secure_config("token-trusted vms=1", 1,
                             {{"trusted-token pcr21=1", 2, 1, "file:" + console(0)}}));
  expect_pass(r);
  EXPECT_TRUE(has_line(read_file(console(0)), SVMM_TEST_LINE_PASS)) << read_file(console(0));
}

TEST_F(TokenScenario, TrustedVmLosesLocalityTwoAfterCloseLocality2) {
  // It holds locality 2, then closes it: its accesses abort, and the guest OS gets the TPM.
  auto r = run(secure_config("token-trusted vms=1 held=1 closed2=1", 1,
                             {{"trusted-token hold=1 close2=1", 2, 1, "file:" + console(0)}}));
  expect_pass(r);
  EXPECT_TRUE(has_line(read_file(console(0)), SVMM_TEST_LINE_PASS)) << read_file(console(0));
}

TEST_F(TokenScenario, AHeldLocalityTwoIsReleasedByTeardown) {
  auto r = run(secure_config("token-trusted vms=1 held=1", 1,
                             {{"trusted-token hold=1", 2, 1, "file:" + console(0)}}));
  expect_pass(r);
  EXPECT_TRUE(has_line(read_file(console(0)), SVMM_TEST_LINE_PASS)) << read_file(console(0));
}

TEST_F(TokenScenario, LocalityOneOpenedByATrustedVmServesTheGuestOs) {
  auto r = run(secure_config("token-trusted vms=1 open1=1", 1,
                             {{"trusted-token open1=1", 2, 1, "file:" + console(0)}}));
  expect_pass(r);
  EXPECT_TRUE(has_line(read_file(console(0)), SVMM_TEST_LINE_PASS)) << read_file(console(0));
}

TEST_F(TokenScenario, AnNvIndexDefinedInOneRunIsReadInTheNext) {
  expect_pass(run(nv_config("token-nv define=1 write=42")));
  expect_pass(run(nv_config("token-nv expect=42")));
  expect_pass(run(nv_config("token-nv write=43")));
  expect_pass(run(nv_config("token-nv expect=43")));
  expect_pass(run(nv_config("token-nv missing=1", false)));  // ephemeral: a fresh TPM
}

class TokenCorruptState : public TokenScenario,
                          public ::testing::WithParamInterface<const char*> {};

TEST_P(TokenCorruptState, SvmmExitsTwoNamingTheFile) {
  expect_pass(run(nv_config("token-nv define=1 write=7")));
  const std::string file = dir.path() + "/tpm-state/permall";
  std::string content = read_file(file);
  ASSERT_FALSE(content.empty());
  const std::string how = GetParam();
  if (how == "truncated") content.resize(content.size() / 3);
  if (how == "garbled") content.replace(0, 12, "not a TPM!!!");
  if (how == "empty") content.clear();
  std::ofstream(file, std::ios::trunc | std::ios::binary) << content;
  auto r = run(nv_config("token-nv expect=7"));
  EXPECT_EQ(r.exit_status, SVMM_EXIT_USAGE) << r.out << r.err;
  EXPECT_NE(r.err.find("token state '" + file + "' is corrupt"), std::string::npos) << r.err;
  EXPECT_FALSE(has_line(r.out, SVMM_TEST_LINE_PASS)) << "nothing ran";
  EXPECT_EQ(read_file(file), content) << "the state was not replaced";
}

INSTANTIATE_TEST_SUITE_P(Ways, TokenCorruptState,
                         ::testing::Values("truncated", "garbled", "empty"));

TEST_F(TokenScenario, TwoSvmmsCannotShareAStateDir) {
  const std::string cfg = dir.write("spin.json", nv_config("spin").dump());
  const std::string out = dir.path() + "/out", err = dir.path() + "/err";
  ChildProcess first({SVMM_BINARY, "run", "--config", cfg}, out, err);
  ASSERT_TRUE(wait_for_text(out, "spin: running", 60s)) << read_file(err);
  auto r = run(nv_config("token-nv missing=1"));
  EXPECT_EQ(r.exit_status, SVMM_EXIT_USAGE) << r.err;
  EXPECT_NE(r.err.find("is in use by another svmm"), std::string::npos) << r.err;
  first.signal(SIGTERM);
  EXPECT_EQ(first.wait(30s), 0);
}

// kill -9 at random moments while the guest writes an NV index 50 times: the next start always
// finds a state libtpms accepts, holding the last value the guest saw written or the next one.
TEST_F(TokenScenario, KillNineDuringNvWritesNeverLeavesACorruptState) {
  expect_pass(run(nv_config("token-nv define=1 write=0")));
  const std::string cfg = dir.write("writes.json", nv_config("token-nv writes=50").dump());
  std::mt19937 rng(::testing::UnitTest::GetInstance()->random_seed());
  const int kRounds = 10;
  int killed_mid_run = 0;
  uint64_t previous = 0;  // the value at the end of the previous round
  for (int round = 0; round < kRounds; ++round) {
    const std::string out = dir.path() + "/out" + std::to_string(round), err = out + ".err";
    const int after = std::uniform_int_distribution<int>(0, 45)(rng);
    {
      ChildProcess svmm({SVMM_BINARY, "run", "--config", cfg}, out, err);
      if (after > 0) {
        ASSERT_TRUE(wait_for_text(out, "token-nv: wrote " + std::to_string(after) + "\n", 60s))
            << read_file(out) << read_file(err);
      }
      std::this_thread::sleep_for(
          std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(rng)));
      svmm.signal(SIGKILL);
      const int status = svmm.wait(30s);
      if (status == 128 + SIGKILL) ++killed_mid_run;
    }
    // The last value the guest reported as written before the kill.
    uint64_t last = 0;
    const std::string text = read_file(out);
    std::regex wrote("token-nv: wrote ([0-9]+)\n");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), wrote);
         it != std::sregex_iterator(); ++it)
      last = std::stoull((*it)[1]);
    auto r = run(nv_config("token-nv"));
    ASSERT_EQ(r.exit_status, kPass)
        << "round " << round << " (killed after 'wrote " << last << "'):\n"
        << r.out << r.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex("token-nv: value ([0-9]+)"))) << r.out;
    const uint64_t value = std::stoull(m[1]);
    if (last == 0)
      EXPECT_TRUE(value == previous || value == 1) << "round " << round << ": holds " << value;
    else
      EXPECT_TRUE(value == last || value == last + 1)
          << "round " << round << ": the guest saw " << last << " written, the TPM holds " << value;
    previous = value;
  }
  RecordProperty("killed_mid_run", killed_mid_run);
  EXPECT_GT(killed_mid_run, 0);
}

}  // namespace
}  // namespace svmm::test
