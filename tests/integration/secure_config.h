// Configs for secure-core tests: the guest OS and the trusted VMs all boot the tiny test kernel,
// each with its own scenario.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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

}  // namespace svmm::test
