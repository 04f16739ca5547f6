// The guest OS's ACPI-era platform through the real binary on real KVM (guest/README.md,
// scenarios/acpi.c): the ACPI tables as the guest finds them, fw_cfg, ACPI power-off (S5) and
// sleep (S3) in normal and secure mode, and trusted VMs without any of it.
#include <gtest/gtest.h>

#include <fstream>

#include "guest/test_abi.h"
#include "protocol/exit_status.h"
#include "tests/integration/guest_run.h"
#include "tests/integration/secure_config.h"

namespace svmm::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr int kPass = SVMM_DEBUG_EXIT_STATUS(SVMM_TEST_EXIT_PASS);

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

class AcpiTablesTest : public ::testing::TestWithParam<int> {};

TEST_P(AcpiTablesTest, GuestFindsValidTablesWithOneProcessorPerVcpu) {
  SVMM_REQUIRE_KVM();
  const int n = GetParam();
  auto r = run_test_kernel({"acpi cpus=" + std::to_string(n), n});
  expect_scenario_pass(r, "acpi");
  EXPECT_TRUE(has_line(r.out, "acpi: DSDT \\_S5_ SLP_TYP 5, \\_S3_ SLP_TYP 3")) << r.out;
  EXPECT_TRUE(has(r.out, ", " + std::to_string(n) + " processors, 1 IOAPIC, 2 overrides")) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Vcpus, AcpiTablesTest, ::testing::Values(1, 2, 4));

TEST(FwCfg, GuestReadsSignatureRamSizeAndCpuCount) {
  SVMM_REQUIRE_KVM();
  auto r = run_test_kernel({"fw-cfg cpus=2 mem=96", 2, 96});
  expect_scenario_pass(r, "fw-cfg");
  EXPECT_TRUE(has_line(r.out, "fw-cfg: signature QEMU id 0x0 ram 0x6000000 cpus 2 key 0x19 0x0"))
      << r.out;
}

TEST(FwCfg, RamAboveFourGibIsCounted) {
  SVMM_REQUIRE_KVM();
  expect_scenario_pass(run_test_kernel({"fw-cfg mem=5120", 1, 5120}), "fw-cfg");
}

TEST(AcpiPowerOff, SlpTyp5EndsSvmmWithZero) {
  SVMM_REQUIRE_KVM();
  auto r = run_test_kernel({"poweroff"});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_status, SVMM_EXIT_OK) << r.out << r.err;
  EXPECT_FALSE(has(r.out, SVMM_TEST_LINE_FAIL)) << r.out;
  EXPECT_TRUE(has(r.err, "the guest OS powered off (ACPI S5)")) << r.err;
  EXPECT_TRUE(has(r.err, "GUEST_SHUTDOWN")) << r.err;
}

TEST(AcpiSleep, S3IsNotEmulatedAndTheGuestResumesAtOnce) {
  SVMM_REQUIRE_KVM();
  auto r = run_test_kernel({"sleep"});
  expect_scenario_pass(r, "sleep");
  EXPECT_TRUE(has(r.err, "sleep is not emulated")) << r.err;
}

TEST(PciConfig, UnassignedDataPortStillReadsAllOnes) {
  SVMM_REQUIRE_KVM();
  // The `ports` scenario reads 0xCFC (PCI configuration data) as an unassigned port.
  expect_scenario_pass(run_test_kernel({"ports"}), "ports");
}

using AcpiSecure = ConfigScenario;

TEST_F(AcpiSecure, PowerOffInSecureModeTearsDownThenExitsZero) {
  auto r = run(secure_config("poweroff launch=1", 1, {{"trusted-secret", 2}}));
  EXPECT_EQ(r.exit_status, SVMM_EXIT_OK) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "poweroff: in secure mode")) << r.out;
  EXPECT_TRUE(has(r.err, "TEARDOWN {")) << r.err;
  EXPECT_TRUE(has(r.err, "\"trigger\":\"poweroff\"")) << r.err;
  EXPECT_FALSE(has(r.out, SVMM_TEST_LINE_FAIL)) << r.out;
}

TEST_F(AcpiSecure, PowerOffIsRefusedInSecureModeWhenNotATrigger) {
  json only_guest = {{"secure", {{"teardown_on", {"guest-request"}}}}};
  auto r = run(secure_config("poweroff launch=1", 1, {{"trusted-secret", 2}}, only_guest), 8s);
  // Refused: the guest runs on and says so; its debug exit is refused too (svmm keeps running
  // until the test ends it).
  EXPECT_TRUE(r.timed_out);
  EXPECT_TRUE(has_line(r.out, std::string(SVMM_TEST_LINE_FAIL) +
                                  "still running 1000 ms after the ACPI power-off request"))
      << r.out << r.err;
  EXPECT_TRUE(has(r.err, "refused")) << r.err;
  EXPECT_FALSE(has(r.err, "\"trigger\":\"poweroff\"")) << r.err;
}

TEST_F(AcpiSecure, SleepInSecureModeTearsDownAndTheGuestResumesInNormalMode) {
  auto r = run(secure_config("sleep launch=1 state=0", 1, {{"trusted-secret", 2}}));
  EXPECT_EQ(r.exit_status, kPass) << r.out << r.err;
  EXPECT_TRUE(has_line(r.out, SVMM_TEST_LINE_PASS)) << r.out;
  EXPECT_TRUE(has(r.err, "\"trigger\":\"sleep\"")) << r.err;
}

TEST_F(AcpiSecure, SleepIsIgnoredInSecureModeWhenNotATrigger) {
  // poweroff stays a trigger so that the PASS debug exit (a power-off request) ends svmm.
  json no_sleep = {{"secure", {{"teardown_on", {"guest-request", "poweroff"}}}}};
  auto r = run(secure_config("sleep launch=1 state=1", 1, {{"trusted-secret", 2}}, no_sleep));
  EXPECT_EQ(r.exit_status, kPass) << r.out << r.err;
  EXPECT_TRUE(has_line(r.out, SVMM_TEST_LINE_PASS)) << r.out;
  EXPECT_TRUE(has(r.err, "sleep is not in teardown_on")) << r.err;
  EXPECT_FALSE(has(r.err, "\"trigger\":\"sleep\"")) << r.err;
  EXPECT_TRUE(has(r.err, "\"trigger\":\"poweroff\"")) << r.err;
}

TEST_F(AcpiSecure, TrustedVmsHaveNoAcpiTables) {
  const std::string con = dir.path() + "/tvm0.log";
  auto r = run(secure_config("launch-await-teardown vms=1", 1, {{"acpi", 2, 1, "file:" + con}}));
  EXPECT_EQ(r.exit_status, kPass) << r.out << r.err;
  // The trusted VM's `acpi` fails (no rsdp_paddr, TRUSTED_EXIT(1)): the trusted-fault trigger.
  std::ifstream f(con);
  const std::string tvm((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(has(tvm, "acpi: start info rsdp_paddr 0x0")) << tvm;
  EXPECT_TRUE(has(r.err, "\"trigger\":\"trusted-fault\"")) << r.err;
}

}  // namespace
}  // namespace svmm::test
