// The configs in examples/ run as documented (their kernel paths point at this build's test
// kernel; everything else is used as written).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "guest/test_abi.h"
#include "protocol/exit_status.h"
#include "tests/integration/guest_run.h"

namespace svmm::test {
namespace {

nlohmann::json example(const std::string& name) {
  std::ifstream f(std::string(SVMM_SOURCE_DIR) + "/examples/" + name);
  auto j = nlohmann::json::parse(f);
  j["guest_os"]["kernel"] = SVMM_TEST_KERNEL;
  if (j.contains("trusted_vms"))
    for (auto& t : j["trusted_vms"]) t["kernel"] = SVMM_TEST_KERNEL;
  return j;
}

TEST(Examples, DemoBootsShowsItsConsoleAndExitsZero) {
  SVMM_REQUIRE_KVM();
  TempDir dir;
  auto cfg = dir.write("demo.json", example("demo.json").dump());
  EXPECT_EQ(run_process({SVMM_BINARY, "validate", "--config", cfg}).out, "ok\n");
  auto r = run_process({SVMM_BINARY, "run", "--config", cfg});
  EXPECT_EQ(r.exit_status, SVMM_EXIT_OK) << r.err;
  EXPECT_TRUE(has_line(r.out, "Hello from the svmm test kernel")) << r.out;
  EXPECT_TRUE(has_line(r.out, "smp: cpu 1 apic 1")) << r.out;
}

TEST(Examples, SecureDemoLaunchesTearsDownAndPrintsTheReport) {
  SVMM_REQUIRE_KVM();
  TempDir dir;
  auto cfg = dir.write("secure-demo.json", example("secure-demo.json").dump());
  auto r = run_process({SVMM_BINARY, "run", "--config", cfg});
  EXPECT_EQ(r.exit_status, SVMM_DEBUG_EXIT_STATUS(SVMM_TEST_EXIT_PASS)) << r.out << r.err;
  EXPECT_NE(r.out.find("report: magic=0x52545653 version=1 trigger=1 trusted_vms=2 "
                       "bytes_scrubbed=25165824"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("event: TEARDOWN"), std::string::npos) << r.err;
}

// The libvirt-like scripts of examples/scripts, whole lifecycle (start, status, secure launch,
// teardown with report, stop), using only svmm and standard tools.
TEST(Examples, LifecycleScriptRunsEveryStep) {
  SVMM_REQUIRE_KVM();
  TempDir dir;
  auto cfg = dir.write("lifecycle.json", example("lifecycle.json").dump());
  ::setenv("SVMM", SVMM_BINARY, 1);
  ::setenv("SVMM_RUN_DIR", (dir.path() + "/run").c_str(), 1);
  auto r = run_process({"/bin/bash", std::string(SVMM_SOURCE_DIR) + "/examples/scripts/lifecycle.sh", cfg},
                       std::chrono::seconds(60));
  ::unsetenv("SVMM");
  ::unsetenv("SVMM_RUN_DIR");
  EXPECT_EQ(r.exit_status, 0) << r.out << r.err;
  EXPECT_TRUE(has_line(r.out, "lifecycle: ok")) << r.out << r.err;
}

}  // namespace
}  // namespace svmm::test
