// A full Linux boot (issue #6): Debian's bzImage (scripts/debian-kernel.sh, cached in
// SVMM_BUILD_DIR/linux-kernel) with the demo initramfs (guest/linux/make-initramfs.sh) whose
// /init runs `svmm-guest info`, `svmm-guest launch`, checks `svmm-guest state` says secure,
// `svmm-guest teardown --report`, checks it says normal again, and powers off with
// `poweroff -f` through ACPI (S5): svmm must exit 0, the console showing every step. Two
// trusted VMs run the test kernel's trusted-secret scenario (fill RAM, idle).
//
// It needs hardware virtualization: on hosts whose KVM emulates guest CPL 0 (kvm_pvm) a Linux
// boot takes far too long. Without vmx or svm in /proc/cpuinfo it is skipped, saying why on
// one line, as it is with SVMM_SKIP_LINUX_DOWNLOAD=1 or when the kernel or busybox-static
// cannot be fetched.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "protocol/exit_status.h"
#include "tests/integration/guest_run.h"

namespace svmm::test {
namespace {

// "" when the CPU flags have vmx or svm, else why not.
std::string no_hardware_virtualization() {
  std::ifstream f("/proc/cpuinfo");
  if (!f) return "cannot read /proc/cpuinfo";
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::string w;
    while (words >> w)
      if (w == "vmx" || w == "svm") return "";
  }
  return "no hardware virtualization on this host (neither vmx nor svm in /proc/cpuinfo): "
         "a full Linux boot is not practical here";
}

std::string one_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  for (char& c : s)
    if (c == '\n') c = ' ';
  return s;
}

constexpr const char* kInit = R"INIT(#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "fullboot: init started"
svmm-guest info && echo "fullboot: info ok"
svmm-guest launch && echo "fullboot: launch ok"
[ "$(svmm-guest state)" = secure ] && echo "fullboot: state secure"
svmm-guest teardown --report && echo "fullboot: teardown ok"
[ "$(svmm-guest state)" = normal ] && echo "fullboot: state normal"
echo "fullboot: powering off"
poweroff -f
sleep 5
echo "fullboot: still running after poweroff -f"
)INIT";

TEST(LinuxFullBoot, BusyboxShellSecureLaunchTeardownAndAcpiPoweroff) {
  if (auto why = no_hardware_virtualization(); !why.empty()) GTEST_SKIP() << why;
  SVMM_REQUIRE_KVM();
  if (std::getenv("SVMM_SKIP_LINUX_DOWNLOAD") != nullptr)
    GTEST_SKIP() << "SVMM_SKIP_LINUX_DOWNLOAD is set: not fetching Debian's kernel";

  auto k = run_process({"/bin/bash", std::string(SVMM_SOURCE_DIR) + "/scripts/debian-kernel.sh",
                        std::string(SVMM_BUILD_DIR) + "/linux-kernel", "bzimage"},
                       std::chrono::seconds(300));
  if (k.exit_status != 0 || k.timed_out)
    GTEST_SKIP() << "Debian's kernel cannot be fetched: " << one_line(k.err);
  const std::string kernel = one_line(k.out);

  TempDir dir;
  const std::string init = dir.write("init", kInit);
  const std::string initrd = dir.path() + "/fullboot.cpio.gz";
  auto mk = run_process({"/bin/bash", std::string(SVMM_SOURCE_DIR) + "/guest/linux/make-initramfs.sh",
                         initrd, "--init", init, "--svmm-guest", SVMM_GUEST_TOOL, "--cache",
                         std::string(SVMM_BUILD_DIR) + "/busybox-static"},
                        std::chrono::seconds(240));
  if (mk.exit_status != 0 && mk.err.find("cannot obtain a static busybox") != std::string::npos)
    GTEST_SKIP() << "busybox-static cannot be obtained: " << one_line(mk.err);
  ASSERT_EQ(mk.exit_status, 0) << mk.err;

  nlohmann::json cfg = {
      {"guest_os",
       {{"kernel", kernel},
        {"initrd", initrd},
        {"cmdline", "console=ttyS0 panic=-1 rdinit=/init"},
        {"vcpus", 2},
        {"memory_mib", 512},
        {"console", "stdio"}}},
      {"trusted_vms",
       {{{"name", "vault"}, {"kernel", SVMM_TEST_KERNEL}, {"cmdline", "trusted-secret"},
         {"memory_mib", 16}, {"console", "none"}},
        {{"name", "signer"}, {"kernel", SVMM_TEST_KERNEL}, {"cmdline", "trusted-secret"},
         {"memory_mib", 8}, {"console", "none"}}}},
      {"secure", {{"launch", "request"}, {"teardown_on", {"guest-request", "poweroff", "signal"}}}},
  };
  const std::string config = dir.write("linux-secure.json", cfg.dump(2));
  auto r = run_process({SVMM_BINARY, "run", "--config", config}, std::chrono::seconds(120));
  const std::string tail = r.out.size() > 6000 ? r.out.substr(r.out.size() - 6000) : r.out;
  ASSERT_FALSE(r.timed_out) << "no power-off within 120 s; console tail:\n" << tail << r.err;
  EXPECT_EQ(r.exit_status, SVMM_EXIT_OK) << tail << r.err;
  for (const char* line : {"fullboot: init started", "vendor: 0x5356", "device: 0x4d4d",
                           "fullboot: info ok", "launch: ok", "fullboot: launch ok",
                           "fullboot: state secure", "teardown: ok",
                           "teardown-count: 1 (was 0)", "sts: 0x2 (SEXIT.DONE)",
                           "fullboot: teardown ok", "fullboot: state normal",
                           "fullboot: powering off"})
    EXPECT_TRUE(has_line(r.out, line)) << "missing '" << line << "'; console tail:\n" << tail;
  EXPECT_NE(r.out.find("report: magic=0x52545653 version=1 trigger=guest-request trusted_vms=2 "
                       "bytes_scrubbed=25165824"),
            std::string::npos)
      << tail;
  EXPECT_FALSE(has_line(r.out, "fullboot: still running after poweroff -f")) << tail;
}

}  // namespace
}  // namespace svmm::test
