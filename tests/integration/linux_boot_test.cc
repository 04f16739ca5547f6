// Linux boot with a real kernel: Debian's stock kernel (the package linux-image-amd64 depends
// on), fetched with apt-get download and unpacked with dpkg -x into the build directory once by
// scripts/debian-kernel.sh, which also unpacks the ELF vmlinux from the bzImage's payload. The
// tests are skipped, saying why, where apt cannot fetch it (SVMM_SKIP_LINUX_DOWNLOAD=1 skips
// them on purpose: offline machines, sanitizer builds).
//
// This host's KVM emulates CPL 0 code instruction by instruction, so Linux gets only as far as
// its early boot messages within a test's budget (and dies 40-50 s in on instructions kvm_pvm
// cannot emulate). Those early messages are a real check of svmm's boot structures, as Linux
// itself reads them back:
//  - PVH vmlinux: the banner, the e820 map (exactly spec/guest-abi.md section 2), the command
//    line, KVM's CPUID leaves and the ACPI tables (RSDP in 0xE0000-0xFFFFF, XSDT, FACP, DSDT,
//    APIC) as Linux's ACPI code prints them.
//  - bzImage: the decompressor's first serial output, which shows svmm entered startup_64 in
//    long mode with RSI = boot_params and the kernel found its command line there.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/exit_status.h"
#include "tests/integration/guest_run.h"
#include "tests/unit/loader_test_images.h"

namespace svmm::test {
namespace {

using test::make_bzimage;

// The path of Debian's kernel as `what` ("bzimage" or "vmlinux"), or "" with `why` set.
// scripts/debian-kernel.sh fetches the package once into <build>/linux-kernel and unpacks the
// vmlinux from the bzImage's payload.
std::string debian_kernel(const std::string& what, std::string* why) {
  if (std::getenv("SVMM_SKIP_LINUX_DOWNLOAD") != nullptr) {
    *why = "SVMM_SKIP_LINUX_DOWNLOAD is set: not fetching Debian's kernel";
    return "";
  }
  const std::string dir = std::string(SVMM_BUILD_DIR) + "/linux-kernel";
  const auto r = run_process(
      {"/bin/bash", std::string(SVMM_SOURCE_DIR) + "/scripts/debian-kernel.sh", dir, what},
      std::chrono::seconds(300));
  std::string path = r.out;
  while (!path.empty() && (path.back() == '\n' || path.back() == ' ')) path.pop_back();
  if (r.exit_status != 0 || r.timed_out || path.empty()) {
    *why = "cannot get Debian's kernel (scripts/debian-kernel.sh, status " +
           std::to_string(r.exit_status) + "): " + r.err;
    return "";
  }
  return path;
}

// A fake bzImage whose 64-bit entry (protected-mode kernel + 0x200) is hand-assembled code:
// it checks that it runs in 64-bit mode (a 64-bit shift), that RSI points at boot_params with
// the setup header ("HdrS" at 0x202), type_of_loader 0xff and a command line at cmd_line_ptr
// starting with 'L', prints "ok" on COM1 and writes 42 to the debug-exit port (7 on failure).
std::vector<uint8_t> entry64_probe() {
  std::vector<uint8_t> c = {
      0x48, 0xB8, 0, 0, 0, 0, 1, 0, 0, 0,        // mov rax, 0x100000000
      0x48, 0xC1, 0xE8, 0x20,                    // shr rax, 32
      0x48, 0x83, 0xF8, 0x01,                    // cmp rax, 1
      0x75, 0,                                   // jne fail
      0x81, 0xBE, 0x02, 0x02, 0, 0, 0x48, 0x64, 0x72, 0x53,  // cmp dword [rsi+0x202], "HdrS"
      0x75, 0,                                   // jne fail
      0x80, 0xBE, 0x10, 0x02, 0, 0, 0xFF,        // cmp byte [rsi+0x210], 0xff
      0x75, 0,                                   // jne fail
      0x8B, 0x86, 0x28, 0x02, 0, 0,              // mov eax, [rsi+0x228] (cmd_line_ptr)
      0x80, 0x38, 'L',                           // cmp byte [rax], 'L'
      0x75, 0,                                   // jne fail
      0x66, 0xBA, 0xF8, 0x03,                    // mov dx, 0x3f8
      0xB0, 'o', 0xEE, 0xB0, 'k', 0xEE, 0xB0, '\n', 0xEE,  // "ok\n"
      0xB0, 42, 0xE6, 0xF4, 0xF4,                // out 0xf4, 42; hlt
  };
  const size_t fail = c.size();
  c.insert(c.end(), {0xB0, 7, 0xE6, 0xF4, 0xF4});  // fail: out 0xf4, 7; hlt
  for (size_t i = 0; i + 1 < fail; ++i)
    if (c[i] == 0x75 && c[i + 1] == 0) c[i + 1] = static_cast<uint8_t>(fail - (i + 2));
  return c;
}

TEST(LinuxBoot, FakeBzImageEntersLongModeWithBootParams) {
  SVMM_REQUIRE_KVM();
  auto img = make_bzimage({.kernel_size = 0x1000, .init_size = 0x100000});
  const auto code = entry64_probe();
  std::copy(code.begin(), code.end(), img.begin() + 5 * 512 + 0x200);
  TempDir dir;
  const std::string kernel = dir.write("bzImage", std::string(img.begin(), img.end()));
  for (const char* vcpus : {"1", "2"}) {
    const auto r = run_process({SVMM_BINARY, "run", "--kernel", kernel, "--cmdline",
                                "Linux-like command line", "--vcpus", vcpus, "--memory", "64"},
                               std::chrono::seconds(30));
    EXPECT_EQ(r.exit_status, SVMM_DEBUG_EXIT_STATUS(42)) << r.out << r.err;
    EXPECT_TRUE(has_line(r.out, "ok")) << r.out;
  }
  // The probe's own failure path: a command line that does not start with 'L'.
  const auto bad = run_process({SVMM_BINARY, "run", "--kernel", kernel, "--cmdline", "X",
                                "--memory", "64"},
                               std::chrono::seconds(30));
  EXPECT_EQ(bad.exit_status, SVMM_DEBUG_EXIT_STATUS(7)) << bad.out << bad.err;
}

TEST(LinuxBoot, DebianBzImageReachesTheDecompressor) {
  SVMM_REQUIRE_KVM();
  std::string why;
  const std::string kernel = debian_kernel("bzimage", &why);
  if (kernel.empty()) GTEST_SKIP() << why;

  TempDir dir;
  const std::string out = dir.path() + "/console.log";
  const std::string err = dir.path() + "/svmm.log";
  // nokaslr: the decompressor says so on the serial console before it decompresses
  // (arch/x86/boot/compressed/kaslr.c), which is the first output it makes.
  ChildProcess svmm({SVMM_BINARY, "run", "--kernel", kernel, "--cmdline",
                     "console=ttyS0 earlyprintk=serial,ttyS0,115200 nokaslr panic=-1",
                     "--vcpus", "1", "--memory", "256", "--console", "file:" + out},
                    dir.path() + "/stdout", err);
  const bool decompressor = wait_for_text(out, "KASLR disabled: 'nokaslr' on cmdline.",
                                          std::chrono::seconds(60));
  EXPECT_TRUE(decompressor) << "console:\n" << read_file(out) << "\nsvmm:\n" << read_file(err);
  // Decompressing the rest takes minutes under CPL 0 emulation: the banner is checked with
  // the PVH vmlinux below.
  const std::string log = read_file(err);
  EXPECT_EQ(log.find("crash"), std::string::npos) << log;
  EXPECT_EQ(log.find("triple fault"), std::string::npos) << log;
}

// The console's lines without the printk timestamp ("[    0.000000] "), '\r' dropped.
std::vector<std::string> console_lines(const std::string& text) {
  static const std::regex stamp(R"(^\[ *[0-9]+\.[0-9]+\] )");
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(std::regex_replace(l, stamp, ""));
  }
  return lines;
}

// The BIOS-e820 lines Linux prints (arch/x86/kernel/e820.c, e820__print_table) for the map of
// spec/guest-abi.md section 2, computed here from the spec's rule, not from svmm's code.
std::vector<std::string> expected_e820(uint64_t memory_mib) {
  constexpr uint64_t kMiB = 1ull << 20;
  constexpr uint64_t k3GiB = 3072 * kMiB;
  constexpr uint64_t k4GiB = 4096 * kMiB;
  const uint64_t low_end = std::min(memory_mib * kMiB, k3GiB);  // L
  auto line = [](uint64_t start, uint64_t end, const char* type) {
    return fmt::format("BIOS-e820: [mem {:#018x}-{:#018x}] {}", start, end - 1, type);
  };
  std::vector<std::string> e = {line(0, 0x9FC00, "usable"), line(0x9FC00, 0x100000, "reserved"),
                                line(0x100000, low_end - kMiB, "usable"),
                                line(low_end - kMiB, low_end, "reserved")};
  if (memory_mib > 3072) e.push_back(line(k4GiB, k4GiB + (memory_mib - 3072) * kMiB, "usable"));
  return e;
}

struct EarlyBoot {
  std::vector<std::string> lines;
  std::string svmm_log;
  int exit_status = -1;  // svmm's, after SIGTERM
};

// Boots `vmlinux` and stops svmm with SIGTERM once `last_line` is on the console (bounded).
// `last_line` must be a line after those the test checks: the line being written when svmm
// stops may be cut short.
EarlyBoot boot_until(const std::string& vmlinux, const std::string& cmdline, uint64_t memory_mib,
                     uint32_t vcpus, const std::string& last_line) {
  TempDir dir;
  const std::string out = dir.path() + "/console.log";
  const std::string err = dir.path() + "/svmm.log";
  ChildProcess svmm({SVMM_BINARY, "run", "--kernel", vmlinux, "--cmdline", cmdline, "--vcpus",
                     std::to_string(vcpus), "--memory", std::to_string(memory_mib), "--console",
                     "file:" + out},
                    dir.path() + "/stdout", err);
  // ~28 s here on an idle host (CPL 0 emulation); the bound leaves room for a loaded CI host.
  const bool seen = wait_for_text(out, last_line, std::chrono::seconds(100));
  EarlyBoot r;
  svmm.signal(SIGTERM);
  r.exit_status = svmm.wait(std::chrono::seconds(20));
  r.lines = console_lines(read_file(out));
  r.svmm_log = read_file(err);
  if (!seen) ADD_FAILURE() << "no '" << last_line << "' within 100 s; console:\n" << read_file(out);
  return r;
}

std::vector<std::string> matching(const std::vector<std::string>& lines, const std::string& prefix) {
  std::vector<std::string> m;
  for (const auto& l : lines)
    if (l.rfind(prefix, 0) == 0) m.push_back(l);
  return m;
}

TEST(LinuxBoot, DebianVmlinuxPvhEarlyBootSeesSvmmsBootStructures) {
  SVMM_REQUIRE_KVM();
  std::string why;
  const std::string vmlinux = debian_kernel("vmlinux", &why);
  if (vmlinux.empty()) GTEST_SKIP() << why;

  const std::string cmdline = "earlyprintk=serial console=ttyS0 panic=-1 svmm.test=pvh-early";
  // Linux prints the table list, then reserves each table's memory (drivers/acpi/tables.c).
  const auto r = boot_until(vmlinux, cmdline, 256, 1, "ACPI: Reserving APIC table memory");
  EXPECT_EQ(r.exit_status, 0) << "svmm after SIGTERM:\n" << r.svmm_log;
  ASSERT_FALSE(r.lines.empty());

  EXPECT_EQ(r.lines.front().rfind("Linux version ", 0), 0u) << r.lines.front();
  EXPECT_EQ(matching(r.lines, "Command line: "),
            std::vector<std::string>{"Command line: " + cmdline});
  EXPECT_EQ(matching(r.lines, "BIOS-e820: "), expected_e820(256));
  // KVM's paravirtual CPUID leaves at 0x40000000 (spec/guest-abi.md section 4).
  EXPECT_EQ(matching(r.lines, "Hypervisor detected: KVM").size(), 1u);

  // drivers/acpi/acpica/tbprint.c: "ACPI: RSDP 0x<address> <length> (v<rev> <oem>)" and
  // "ACPI: <sig> 0x<address> <length> (v<rev> <oem> <table id> ...)".
  const auto rsdp = matching(r.lines, "ACPI: RSDP 0x");
  ASSERT_EQ(rsdp.size(), 1u);
  const uint64_t rsdp_addr = std::stoull(rsdp[0].substr(std::string("ACPI: RSDP 0x").size(), 16),
                                         nullptr, 16);
  EXPECT_GE(rsdp_addr, 0xE0000u) << rsdp[0];
  EXPECT_LE(rsdp_addr + 36, 0x100000u) << rsdp[0];
  EXPECT_NE(rsdp[0].find("(v02 SVMM"), std::string::npos) << rsdp[0];
  for (const char* sig : {"XSDT", "FACP", "DSDT", "APIC"}) {
    const auto t = matching(r.lines, std::string("ACPI: ") + sig + " 0x");
    ASSERT_EQ(t.size(), 1u) << sig;
    EXPECT_NE(t[0].find(" SVMM "), std::string::npos) << t[0];
  }
  // Linux checked every table's checksum and found no fault in svmm's tables.
  for (const auto& l : r.lines) {
    EXPECT_EQ(l.find("Incorrect checksum"), std::string::npos) << l;
    EXPECT_EQ(l.find("Firmware Bug]: ACPI"), std::string::npos) << l;
  }
  EXPECT_EQ(r.svmm_log.find("crash"), std::string::npos) << r.svmm_log;
}

// RAM above 3 GiB continues at 4 GiB, past the MMIO hole; Linux sees exactly that map.
TEST(LinuxBoot, DebianVmlinuxPvhSeesRamAboveTheMmioHole) {
  SVMM_REQUIRE_KVM();
  std::string why;
  const std::string vmlinux = debian_kernel("vmlinux", &why);
  if (vmlinux.empty()) GTEST_SKIP() << why;

  const std::string cmdline = "earlyprintk=serial console=ttyS0 panic=-1 svmm.test=pvh-high";
  const auto r = boot_until(vmlinux, cmdline, 3584, 2, "printk: bootconsole");
  EXPECT_EQ(r.exit_status, 0) << "svmm after SIGTERM:\n" << r.svmm_log;
  EXPECT_EQ(matching(r.lines, "BIOS-e820: "), expected_e820(3584));
  EXPECT_EQ(matching(r.lines, "Command line: "),
            std::vector<std::string>{"Command line: " + cmdline});
}

}  // namespace
}  // namespace svmm::test
