// guest/linux/make-initramfs.sh: a gzipped newc cpio with busybox-static (from Debian's
// package, fetched once into SVMM_BUILD_DIR/busybox-static), its applet links, svmm-guest and
// /init. Skipped, saying why, only when busybox-static cannot be obtained.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/guest_linux/guest_core_support.h"
#include "tests/support/process.h"

namespace svmm::test {
namespace {

const std::string kScript = std::string(SVMM_SOURCE_DIR) + "/guest/linux/make-initramfs.sh";
const std::string kCache = std::string(SVMM_BUILD_DIR) + "/busybox-static";

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs the script; on a failure to get busybox sets `skip` instead of failing.
ProcessResult make(const std::vector<std::string>& extra, std::string* skip) {
  std::vector<std::string> argv = {"/bin/bash", kScript};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto r = run_process(argv, std::chrono::seconds(240));
  if (r.exit_status != 0 && r.err.find("cannot obtain a static busybox") != std::string::npos) {
    std::string line = r.err;
    for (char& c : line)
      if (c == '\n') c = ' ';
    *skip = "busybox-static cannot be obtained: " + line;
  }
  return r;
}

// `cpio -tv` of a gzipped archive, one line per entry.
std::vector<std::string> listing(const std::string& archive, bool verbose) {
  auto r = run_process({"/bin/sh", "-c",
                        "gzip -dc '" + archive + "' | cpio -t --quiet" + (verbose ? " -v" : "")});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  return lines_of(r.out);
}

std::string extract(const std::string& archive, const std::string& name) {
  auto r = run_process({"/bin/sh", "-c",
                        "gzip -dc '" + archive + "' | cpio -i --quiet --to-stdout '" + name + "'"});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  return r.out;
}

bool listed(const std::vector<std::string>& names, const std::string& name) {
  for (const auto& n : names)
    if (n == name) return true;
  return false;
}

TEST(Initramfs, HoldsBusyboxItsAppletsSvmmGuestAndTheDemoInit) {
  TempDir dir;
  const std::string out = dir.path() + "/demo.cpio.gz";
  std::string skip;
  auto r = make({out, "--svmm-guest", SVMM_GUEST_TOOL, "--cache", kCache}, &skip);
  if (!skip.empty()) GTEST_SKIP() << skip;
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.out, out + "\n");

  const auto names = listing(out, false);
  for (const char* n : {"init", "bin/busybox", "bin/svmm-guest", "bin/sh", "sbin/poweroff",
                        "bin/mount", "usr/bin/setsid", "bin/cttyhack", "dev", "proc", "sys", "tmp"})
    EXPECT_TRUE(listed(names, n)) << n << " missing from " << r.out;
  EXPECT_GT(names.size(), 100u) << "one link per busybox applet";

  bool sh_link = false, init_exec = false, tool_exec = false;
  for (const auto& l : listing(out, true)) {
    if (l.size() > 2 && l[0] == 'l' && l.find(" bin/sh -> /bin/busybox") != std::string::npos)
      sh_link = true;
    if (l.rfind("-rwxr-xr-x", 0) == 0 && l.size() >= 5 && l.compare(l.size() - 5, 5, " init") == 0)
      init_exec = true;
    if (l.rfind("-rwxr-xr-x", 0) == 0 && l.find(" bin/svmm-guest") != std::string::npos)
      tool_exec = true;
  }
  EXPECT_TRUE(sh_link) << "bin/sh must be a symlink to /bin/busybox";
  EXPECT_TRUE(init_exec) << "/init must be executable";
  EXPECT_TRUE(tool_exec) << "/bin/svmm-guest must be executable";

  EXPECT_EQ(extract(out, "init"), slurp(std::string(SVMM_SOURCE_DIR) + "/guest/linux/init-demo.sh"));
  EXPECT_EQ(extract(out, "bin/svmm-guest"), slurp(SVMM_GUEST_TOOL));
  const std::string bb = extract(out, "bin/busybox");
  ASSERT_GT(bb.size(), 4u);
  EXPECT_EQ(bb.substr(0, 4), "\x7f" "ELF");
  EXPECT_TRUE(elf_is_static(bb)) << "busybox must be the static one";
}

TEST(Initramfs, TakesAnotherInitAndExtraFiles) {
  TempDir dir;
  const std::string init = dir.write("my-init", "#!/bin/sh\necho custom init\npoweroff -f\n");
  const std::string extra = dir.write("motd", "hello from svmm\n");
  const std::string out = dir.path() + "/sub/custom.cpio.gz";
  std::string skip;
  auto r = make({out, "--svmm-guest", SVMM_GUEST_TOOL, "--cache", kCache, "--init", init,
                 "--add", extra + ":/etc/motd"},
                &skip);
  if (!skip.empty()) GTEST_SKIP() << skip;
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(extract(out, "init"), "#!/bin/sh\necho custom init\npoweroff -f\n");
  EXPECT_EQ(extract(out, "etc/motd"), "hello from svmm\n");
}

TEST(Initramfs, RefusesBadArguments) {
  TempDir dir;
  auto r = run_process({"/bin/bash", kScript});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("usage:"), std::string::npos) << r.err;
  r = run_process({"/bin/bash", kScript, dir.path() + "/x.cpio.gz", "--init", dir.path() + "/none"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("no init script"), std::string::npos) << r.err;
  // A dynamically linked program is not accepted as svmm-guest: the initramfs has no ld.so.
  r = run_process({"/bin/bash", kScript, dir.path() + "/x.cpio.gz", "--svmm-guest", "/bin/ls",
                   "--cache", kCache});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_TRUE(r.err.find("/bin/ls is not a static executable") != std::string::npos ||
              r.err.find("cannot obtain a static busybox") != std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace svmm::test
