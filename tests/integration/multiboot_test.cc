// The Multiboot boot protocol (spec/guest-abi.md section 1) with svmm's own Multiboot test
// kernel (guest/multiboot/): what the kernel saw in the multiboot information (magic, memory
// map exactly as section 2, mem_lower/mem_upper, command line, initrd module), the CPU count
// from fw_cfg (when svmm provides it) and from its AP bring-up, and svmm's exit status.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "guest/test_abi.h"
#include "protocol/exit_status.h"
#include "protocol/memory_map.h"
#include "tests/integration/guest_run.h"
#include "vmm/memory/layout.h"

namespace svmm::test {
namespace {

constexpr int kPass = SVMM_DEBUG_EXIT_STATUS(SVMM_TEST_EXIT_PASS);

ProcessResult run_multiboot(const std::string& cmdline, int vcpus, int mib,
                            std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {SVMM_BINARY, "run",     "--kernel", SVMM_MULTIBOOT_KERNEL,
                                   "--cmdline", cmdline,   "--vcpus",  std::to_string(vcpus),
                                   "--memory",  std::to_string(mib)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run_process(argv, std::chrono::seconds(60));
}

// The memory map lines the kernel prints, from the layout of spec/guest-abi.md section 2.
void expect_memmap(const ProcessResult& r, int mib) {
  uint32_t mem_lower = 0, mem_upper = 0;
  for (const auto& e : guest_memmap(static_cast<uint64_t>(mib), true)) {
    EXPECT_TRUE(has_line(r.out, fmt::format("multiboot: mmap {:#018x} {:#018x} {}", e.addr,
                                            e.size, e.type)))
        << r.out;
    if (e.type == SVMM_E820_RAM && e.addr == 0) mem_lower = static_cast<uint32_t>(e.size / 1024);
    if (e.type == SVMM_E820_RAM && e.addr == SVMM_E820_HIGH_AREA_START)
      mem_upper = static_cast<uint32_t>(e.size / 1024);
  }
  EXPECT_EQ(mem_lower, 639u);
  EXPECT_TRUE(has_line(r.out, fmt::format("multiboot: mem_lower {} mem_upper {}", mem_lower,
                                          mem_upper)))
      << r.out;
  // Nothing but the map's entries.
  size_t count = 0;
  for (size_t p = 0; (p = r.out.find("multiboot: mmap ", p)) != std::string::npos; ++p) ++count;
  EXPECT_EQ(count, guest_memmap(static_cast<uint64_t>(mib), true).size()) << r.out;
}

// The CPU count: from fw_cfg when svmm provides it, always from the AP bring-up.
void expect_cpus(const ProcessResult& r, int vcpus) {
  const bool fw_cfg = r.out.find("fw_cfg: absent") == std::string::npos;
  if (fw_cfg) {
    EXPECT_TRUE(has_line(r.out, fmt::format("fw_cfg: cpus {}", vcpus))) << r.out;
  } else {
    std::cout << "[ NOTE     ] fw_cfg absent in this svmm build: CPU count from the AP "
                 "bring-up only\n";
  }
  EXPECT_TRUE(has_line(r.out, fmt::format("smp: started {} cpus", vcpus))) << r.out;
}

class MultibootSmp : public ::testing::TestWithParam<int> {};

TEST_P(MultibootSmp, BootsReportsTheMachineAndPasses) {
  SVMM_REQUIRE_KVM();
  const int vcpus = GetParam();
  const std::string cmdline = fmt::format("cpus={} hello multiboot", vcpus);
  const auto r = run_multiboot(cmdline, vcpus, 64);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_status, kPass) << "stdout:\n" << r.out << "\nstderr:\n" << r.err;
  EXPECT_TRUE(has_line(r.out, SVMM_TEST_LINE_START "multiboot")) << r.out;
  EXPECT_NE(r.out.find("multiboot: magic 0x2badb002 info 0x"), std::string::npos) << r.out;
  EXPECT_TRUE(has_line(r.out, "multiboot: cmdline '" + cmdline + "'")) << r.out;
  EXPECT_TRUE(has_line(r.out, "multiboot: mods 0")) << r.out;
  EXPECT_TRUE(has_line(r.out, "multiboot: loader 'svmm'")) << r.out;
  expect_memmap(r, 64);
  expect_cpus(r, vcpus);
  EXPECT_TRUE(has_line(r.out, SVMM_TEST_LINE_PASS)) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Vcpus, MultibootSmp, ::testing::Values(1, 2));

TEST(Multiboot, MemoryAbove4GiBIsInTheMmap) {
  SVMM_REQUIRE_KVM();
  const auto r = run_multiboot("cpus=1", 1, 5120);
  EXPECT_EQ(r.exit_status, kPass) << "stdout:\n" << r.out << "\nstderr:\n" << r.err;
  expect_memmap(r, 5120);
}

TEST(Multiboot, InitrdIsOneModule) {
  SVMM_REQUIRE_KVM();
  TempDir dir;
  const std::string initrd = dir.path() + "/ramdisk.txt";
  {
    std::ofstream f(initrd, std::ios::binary);
    f << "INITRD-CONTENT-0123456789";
  }
  const auto r = run_multiboot("cpus=1", 1, 64, {"--initrd", initrd});
  EXPECT_EQ(r.exit_status, kPass) << "stdout:\n" << r.out << "\nstderr:\n" << r.err;
  EXPECT_TRUE(has_line(r.out, "multiboot: mods 1")) << r.out;
  // Page-aligned, as high as possible below the chipset's areas at L - 1 MiB = 63 MiB.
  const uint64_t end = 63 * SVMM_MIB;
  const uint64_t start = (end - 25) & ~uint64_t{0xFFF};
  EXPECT_TRUE(has_line(r.out, fmt::format("multiboot: module {:#010x} {:#010x} 'ramdisk.txt' "
                                          "first bytes 'INITRD-CONTENT-0'",
                                          start, start + 25)))
      << r.out;
}

TEST(Multiboot, FailingKernelGivesItsStatus) {
  SVMM_REQUIRE_KVM();
  // cpus=2 on one vCPU: fw_cfg (when present) and the AP bring-up both disagree.
  const auto r = run_multiboot("cpus=2", 1, 64);
  EXPECT_EQ(r.exit_status, SVMM_DEBUG_EXIT_STATUS(SVMM_TEST_EXIT_FAIL)) << r.out;
  EXPECT_TRUE(has_line(r.out, "smp: started 1 cpus")) << r.out;
  const bool fw_cfg = r.out.find("fw_cfg: absent") == std::string::npos;
  EXPECT_TRUE(has_line(r.out, std::string(SVMM_TEST_LINE_FAIL) +
                                  (fw_cfg ? "fw_cfg's CPU count differs from cpus="
                                          : "the number of CPUs started differs")))
      << r.out;
}

}  // namespace
}  // namespace svmm::test
