// Running the tiny test kernel under the svmm binary, for integration tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "guest/test_abi.h"
#include "protocol/exit_status.h"
#include "tests/support/process.h"

namespace svmm::test {

struct GuestRun {
  GuestRun(std::string cmdline, int vcpu_count = 1, int mib = 64,
           std::vector<std::string> extra = {})
      : scenario(std::move(cmdline)), vcpus(vcpu_count), memory_mib(mib), extra_args(std::move(extra)) {}
  std::string scenario;  // the kernel command line
  int vcpus;
  int memory_mib;
  std::vector<std::string> extra_args;
};

inline ProcessResult run_test_kernel(const GuestRun& g,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  std::vector<std::string> argv = {SVMM_BINARY,        "run",
                                   "--kernel",         SVMM_TEST_KERNEL,
                                   "--cmdline",        g.scenario,
                                   "--vcpus",          std::to_string(g.vcpus),
                                   "--memory",         std::to_string(g.memory_mib)};
  argv.insert(argv.end(), g.extra_args.begin(), g.extra_args.end());
  return run_process(argv, timeout);
}

inline bool has_line(const std::string& text, const std::string& line) {
  size_t pos = 0;
  while ((pos = text.find(line, pos)) != std::string::npos) {
    bool starts = pos == 0 || text[pos - 1] == '\n';
    size_t end = pos + line.size();
    bool ends = end == text.size() || text[end] == '\n' || text[end] == '\r';
    if (starts && ends) return true;
    pos = end;
  }
  return false;
}

// The test kernel ran `scenario` (its START line) and passed: the PASS line and exit status.
inline void expect_scenario_pass(const ProcessResult& r, const std::string& scenario) {
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_status, SVMM_DEBUG_EXIT_STATUS(SVMM_TEST_EXIT_PASS))
      << "stdout:\n" << r.out << "\nstderr:\n" << r.err;
  EXPECT_TRUE(has_line(r.out, SVMM_TEST_LINE_START + scenario)) << r.out;
  EXPECT_TRUE(has_line(r.out, SVMM_TEST_LINE_PASS)) << r.out;
}

}  // namespace svmm::test
