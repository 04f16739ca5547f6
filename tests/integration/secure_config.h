// Configs for secure-core tests: the guest OS and the trusted VMs all boot the tiny test kernel,
// each with its own scenario.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "guest/test_abi.h"
#include "protocol/exit_status.h"
#include "tests/integration/guest_run.h"
#include "tests/support/process.h"

namespace svmm::test {

struct TrustedSpec {
  TrustedSpec(std::string c = "trusted-secret", int mib = 16, int n = 1, std::string con = "")
      : cmdline(std::move(c)), memory_mib(mib), vcpus(n), console(std::move(con)) {}
  std::string cmdline;
  int memory_mib;
  int vcpus;
  std::string console;  // empty: "none"
};

inline nlohmann::json secure_config(const std::string& guest_cmdline, int guest_vcpus,
                                    const std::vector<TrustedSpec>& trusted,
                                    const nlohmann::json& extra = nlohmann::json::object()) {
  nlohmann::json j;
  j["guest_os"] = {{"kernel", SVMM_TEST_KERNEL},
                   {"cmdline", guest_cmdline},
                   {"vcpus", guest_vcpus},
                   {"memory_mib", 64}};
  j["trusted_vms"] = nlohmann::json::array();
  for (size_t i = 0; i < trusted.size(); ++i) {
    const auto& t = trusted[i];
    j["trusted_vms"].push_back({{"name", "tvm" + std::to_string(i)},
                                {"kernel", SVMM_TEST_KERNEL},
                                {"cmdline", t.cmdline},
                                {"vcpus", t.vcpus},
                                {"memory_mib", t.memory_mib},
                                {"console", t.console.empty() ? "none" : t.console}});
  }
  j.merge_patch(extra);
  return j;
}

// Runs svmm on `config` (written into `dir`) and returns what happened.
inline ProcessResult run_config(const TempDir& dir, const nlohmann::json& config,
                                std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  std::string path = dir.write("svmm.json", config.dump(2));
  return run_process({SVMM_BINARY, "run", "--config", path}, timeout);
}

// A test that runs svmm on configs in its own temporary directory; trusted VM i's console file
// (when the config names it) is console(i).
class ConfigScenario : public ::testing::Test {
 protected:
  void SetUp() override { SVMM_REQUIRE_KVM(); }
  ProcessResult run(const nlohmann::json& config,
                    std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
    return run_config(dir, config, timeout);
  }
  // The guest OS's scenario passed: exit status and the PASS line.
  static void expect_pass(const ProcessResult& r) {
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_status, SVMM_DEBUG_EXIT_STATUS(SVMM_TEST_EXIT_PASS))
        << "stdout:\n" << r.out << "\nstderr:\n" << r.err;
    EXPECT_TRUE(has_line(r.out, SVMM_TEST_LINE_PASS));
  }
  [[nodiscard]] std::string console(int i) const {
    return dir.path() + "/tvm" + std::to_string(i) + ".log";
  }
  TempDir dir;
};

}  // namespace svmm::test
