// The svmm-guest binary itself: a static executable, its exit statuses, what it does on a host
// without svmm's chipset, and the whole path main -> mmap -> commands with --mem (a sparse
// file holding a window at offset 0xFED30000, standing in for /dev/mem).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "guest/linux/svmm_guest_core.h"
#include "protocol/chipset.h"
#include "protocol/hypercall.h"
#include "protocol/memory_map.h"
#include "tests/guest_linux/guest_core_support.h"
#include "tests/support/process.h"

namespace svmm::test {
namespace {

ProcessResult tool(const std::vector<std::string>& words) {
  std::vector<std::string> argv = {SVMM_GUEST_TOOL};
  argv.insert(argv.end(), words.begin(), words.end());
  return run_process(argv, std::chrono::seconds(20));
}

// A sparse file as large as the physical address space up to the window's end, with
// registers set at window offsets.
class WindowFile {
 public:
  explicit WindowFile(const std::string& path) : path_(path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::ftruncate(fd, static_cast<off_t>(SVMM_MMIO_CHIPSET_PUBLIC + SVMM_MMIO_CHIPSET_WINDOW_SIZE)), 0);
    ::close(fd);
  }
  void set(uint32_t offset, uint64_t value) const {
    const int fd = ::open(path_.c_str(), O_RDWR);
    ASSERT_EQ(::pwrite(fd, &value, sizeof value, static_cast<off_t>(SVMM_MMIO_CHIPSET_PUBLIC + offset)), 8);
    ::close(fd);
  }
  [[nodiscard]] uint64_t get(uint32_t offset) const {
    uint64_t v = 0;
    const int fd = ::open(path_.c_str(), O_RDONLY);
    EXPECT_EQ(::pread(fd, &v, sizeof v, static_cast<off_t>(SVMM_MMIO_CHIPSET_PUBLIC + offset)), 8);
    ::close(fd);
    return v;
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(GuestTool, IsAStaticX86_64Executable) {
  std::ifstream f(SVMM_GUEST_TOOL, std::ios::binary);
  const std::string elf((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(elf_is_static(elf)) << "the tool must be a static x86-64 executable (an initramfs has no ld.so)";
  // The check itself: a dynamically linked program (the test binary) fails it.
  std::ifstream self("/proc/self/exe", std::ios::binary);
  const std::string dyn((std::istreambuf_iterator<char>(self)), std::istreambuf_iterator<char>());
  EXPECT_FALSE(elf_is_static(dyn));
}

TEST(GuestTool, HelpExitsZeroAndUsageErrorsExitTwo) {
  auto r = tool({"--help"});
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.out.rfind("usage: svmm-guest", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("exit status: 0 done, 1 no svmm chipset"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");

  r = tool({"frobnicate"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.err, "svmm-guest: unknown command 'frobnicate'\nTry 'svmm-guest --help'.\n");
  EXPECT_EQ(r.out, "");
  r = tool({});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("no command given"), std::string::npos) << r.err;
  r = tool({"launch", "vault"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("launch: 'vault' is not a trusted VM index"), std::string::npos) << r.err;
}

// This host runs no svmm: /dev/mem is missing, refused, or has something else (or nothing) at
// 0xFED30000. Whatever it is, the tool says so and exits 1; it does not crash.
TEST(GuestTool, OnAHostWithoutSvmmItSaysSoAndExitsOne) {
  for (const char* cmd : {"info", "state", "registers"}) {
    auto r = tool({cmd});
    EXPECT_EQ(r.exit_status, SVMM_GUEST_EXIT_NO_CHIPSET) << cmd << ": " << r.err;
    EXPECT_NE(r.err.find("svmm-guest: no svmm chipset"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "") << cmd;
  }
}

TEST(GuestTool, AFileWithoutTheChipsetIsRefused) {
  TempDir dir;
  auto small = dir.write("small", "tiny");
  auto r = tool({"--mem", small, "info"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("the file ends before the window (0xfed30000-0xfed3ffff)"), std::string::npos) << r.err;

  r = tool({"--mem", dir.path() + "/missing", "state"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("cannot open " + dir.path() + "/missing"), std::string::npos) << r.err;

  WindowFile zeros(dir.path() + "/zeros");
  r = tool({"--mem", zeros.path(), "info"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.err, "svmm-guest: no svmm chipset at 0xfed30000 (DIDVID = 0x0000000000000000, "
                   "expected vendor 0x5356 device 0x4d4d)\n");
}

TEST(GuestTool, ReadsTheWindowThroughItsMapping) {
  TempDir dir;
  WindowFile win(dir.path() + "/mem");
  win.set(SVMM_CS_DIDVID, SVMM_DIDVID_VALUE);
  win.set(SVMM_CS_VER_FSBIF, SVMM_VER_FUSE_ENABLED);
  win.set(SVMM_CS_ICH_TOKEN_STS, 0x1101);
  win.set(SVMM_CS_STATE, 1);
  win.set(SVMM_CS_TEARDOWN_COUNT, 3);
  win.set(SVMM_CS_ABORT_COUNT, 5);
  win.set(SVMM_CS_STS, SVMM_STS_SENTER_DONE | SVMM_STS_MEM_CONFIG_LOCK);
  for (uint32_t i = 0; i < 4; ++i) win.set(SVMM_CS_PUBLIC_KEY + 8 * i, 0x0706050403020100ull + 0x0808080808080808ull * i);

  auto r = tool({"--mem", win.path(), "info"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.out,
            "chipset: svmm at 0xfed30000\nvendor: 0x5356\ndevice: 0x4d4d\nrevision: 1\n"
            "fuse: enabled\ntoken: present\nstate: secure\nteardown-count: 3\nabort-count: 5\n");
  r = tool({"--mem", win.path(), "state"});
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.out, "secure\n");

  r = tool({"--json", "--mem", win.path(), "info"});
  ASSERT_EQ(r.exit_status, 0);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["state"], "secure");
  EXPECT_EQ(j["teardown_count"], 3);
  EXPECT_EQ(j["token_sts"], "0x1101");

  r = tool({"--mem", win.path(), "registers"});
  ASSERT_EQ(r.exit_status, 0);
  EXPECT_TRUE(contains_line(r.out, "0x400 PUBLIC.KEY               r   "
                                   "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"))
      << r.out;
  EXPECT_TRUE(contains_line(r.out, "0x000 STS                      r   0x0000000000000041")) << r.out;
  EXPECT_EQ(lines_of(r.out).size(), svmm_guest_register_count);

  win.set(SVMM_CS_STATE, 0);
  r = tool({"--mem", win.path(), "state"});
  EXPECT_EQ(r.out, "normal\n");
  win.set(SVMM_CS_STATE, 7);
  r = tool({"--mem", win.path(), "state"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("SVMM.STATE holds 7"), std::string::npos) << r.err;
}

// Through a file nobody answers HC.CALL: the result is what RESULT holds. What counts is what
// the tool wrote into the window: the arguments and the function code.
TEST(GuestTool, HypercallsWriteTheBankAndReadTheResult) {
  TempDir dir;
  WindowFile win(dir.path() + "/mem");
  win.set(SVMM_CS_DIDVID, SVMM_DIDVID_VALUE);
  win.set(SVMM_CS_HC_ARG1, 0x1111);
  win.set(SVMM_CS_HC_RESULT, static_cast<uint64_t>(-int64_t{SVMM_EINVAL}));
  auto r = tool({"--mem", win.path(), "teardown", "--report"});
  EXPECT_EQ(r.exit_status, SVMM_GUEST_EXIT_HYPERCALL);
  EXPECT_TRUE(contains_line(r.out, "teardown: -EINVAL (not in secure mode)")) << r.out;
  EXPECT_EQ(win.get(SVMM_CS_HC_CALL), SVMM_HC_TEARDOWN);
  EXPECT_EQ(win.get(SVMM_CS_HC_ARG0), 0u) << "--mem has no guest RAM for a report";
  EXPECT_EQ(win.get(SVMM_CS_HC_ARG1), 0u) << "flags must be 0";

  win.set(SVMM_CS_HC_RESULT, 0);
  r = tool({"--mem", win.path(), "launch", "5"});
  EXPECT_EQ(r.exit_status, 0) << r.out << r.err;
  EXPECT_TRUE(contains_line(r.out, "launch: ok")) << r.out;
  EXPECT_EQ(win.get(SVMM_CS_HC_CALL), SVMM_HC_SECURE_LAUNCH);
  EXPECT_EQ(win.get(SVMM_CS_HC_ARG0), 5u);

  r = tool({"--mem", win.path(), "teardown", "--report"});
  EXPECT_EQ(r.exit_status, 0) << r.out;
  EXPECT_TRUE(contains_line(r.out, "report: unavailable (--mem: no guest RAM behind a window file)")) << r.out;

  win.set(SVMM_CS_HC_RESULT, static_cast<uint64_t>(-int64_t{SVMM_EBUSY}));
  r = tool({"--json", "--mem", win.path(), "launch"});
  EXPECT_EQ(r.exit_status, SVMM_GUEST_EXIT_HYPERCALL);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["vm"], "all");
  EXPECT_EQ(j["error"], "EBUSY");
  EXPECT_EQ(win.get(SVMM_CS_HC_ARG0), SVMM_HC_LAUNCH_ALL);
}

}  // namespace
}  // namespace svmm::test
