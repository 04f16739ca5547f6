// examples/linux-secure.json is a valid config as written: its kernel placeholder
// (build/linux-kernel/vmlinuz, a link to Debian's bzImage, guest/linux/README.md) replaced by a
// minimal bzImage and its initramfs by any file, `svmm validate` accepts it.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/process.h"
#include "tests/unit/loader_test_images.h"

namespace svmm::test {
namespace {

TEST(LinuxSecureExample, ValidatesWithAKernelAndAnInitramfsInPlace) {
  std::ifstream f(std::string(SVMM_SOURCE_DIR) + "/examples/linux-secure.json");
  auto j = nlohmann::json::parse(f);
  EXPECT_EQ(j["guest_os"]["kernel"], "../build/linux-kernel/vmlinuz");
  EXPECT_EQ(j["guest_os"]["initrd"], "../build/guest/linux/svmm-initramfs.cpio.gz");
  EXPECT_NE(j["guest_os"]["cmdline"].get<std::string>().find("console=ttyS0"), std::string::npos);
  ASSERT_EQ(j["trusted_vms"].size(), 2u);

  TempDir dir;
  const auto bz = make_bzimage();
  const std::string kernel = dir.write("vmlinuz", std::string(bz.begin(), bz.end()));
  const std::string initrd = dir.write("initrd.cpio.gz", std::string(4096, 'x'));
  j["guest_os"]["kernel"] = kernel;
  j["guest_os"]["initrd"] = initrd;
  for (auto& t : j["trusted_vms"]) t["kernel"] = SVMM_TEST_KERNEL;
  const std::string cfg = dir.write("linux-secure.json", j.dump());
  auto r = run_process({SVMM_BINARY, "validate", "--config", cfg});
  EXPECT_EQ(r.exit_status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "ok\n") << r.err;

  // And it is checked: a missing initramfs is an error.
  j["guest_os"]["initrd"] = dir.path() + "/missing.cpio.gz";
  auto bad = run_process({SVMM_BINARY, "validate", "--config", dir.write("bad.json", j.dump())});
  EXPECT_EQ(bad.exit_status, 2) << bad.out << bad.err;
}

}  // namespace
}  // namespace svmm::test
