// Configs from `svmm run --kernel ...` and the override flags: same checks as the file, errors
// named by the flag, values marked explicit.
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/config_test_util.h"
#include "vmm/config/config.h"
#include "vmm/util/error.h"

namespace svmm {
namespace {

using testing::ConfigDir;

// The message of the UsageError `f` throws, or "" if it throws nothing.
template <class F>
std::string usage_error(F&& f) {
  try {
    f();
  } catch (const UsageError& e) {
    EXPECT_EQ(e.exit_status(), 2);
    return e.what();
  }
  return "";
}

TEST(ConfigCli, KernelArgsBuildAConfigWithDefaultsElsewhere) {
  ConfigDir dir;
  KernelArgs a;
  a.kernel = "guest.elf";
  a.initrd = "initrd.img";
  a.cmdline = "console=ttyS0";
  a.vcpus = "2";
  a.memory_mib = "128";
  const Config c = config_from_kernel_args(a, dir.root());
  EXPECT_EQ(c.guest_os.kernel, dir.root() / "guest.elf");
  EXPECT_EQ(c.guest_os.initrd, dir.root() / "initrd.img");
  EXPECT_EQ(c.guest_os.cmdline, "console=ttyS0");
  EXPECT_EQ(c.guest_os.vcpus, 2u);
  EXPECT_EQ(c.guest_os.memory_mib, 128u);
  EXPECT_EQ(c.guest_os.console.kind, ConsoleKind::Stdio);
  EXPECT_TRUE(c.trusted_vms.empty());
  EXPECT_TRUE(c.token.enabled);
  EXPECT_TRUE(c.is_set("/guest_os/kernel"));
  EXPECT_TRUE(c.is_set("/guest_os/memory_mib"));
  EXPECT_FALSE(c.is_set("/token"));
  EXPECT_TRUE(c.source.empty());
}

TEST(ConfigCli, OnlyKernelGivesTheGuestDefaults) {
  ConfigDir dir;
  const Config c = config_from_kernel_args({.kernel = (dir.root() / "guest.elf").string()});
  EXPECT_EQ(c.guest_os.vcpus, 1u);
  EXPECT_EQ(c.guest_os.memory_mib, 256u);
  EXPECT_FALSE(c.guest_os.initrd.has_value());
  EXPECT_FALSE(c.is_set("/guest_os/vcpus"));
}

TEST(ConfigCli, BadValuesNameTheFlag) {
  ConfigDir dir;
  const auto with = [&](auto mutate) {
    KernelArgs a;
    a.kernel = "guest.elf";
    mutate(a);
    return usage_error([&] { (void)config_from_kernel_args(a, dir.root()); });
  };
  EXPECT_EQ(with([](KernelArgs& a) { a.memory_mib = "16M"; }),
            R"(--memory: expected an integer from 2 to 1048576, got "16M")");
  EXPECT_EQ(with([](KernelArgs& a) { a.memory_mib = "1"; }),
            "--memory: expected an integer from 2 to 1048576, got 1");
  EXPECT_EQ(with([](KernelArgs& a) { a.vcpus = "0"; }),
            "--vcpus: expected an integer from 1 to 64, got 0");
  EXPECT_EQ(with([](KernelArgs& a) { a.vcpus = "-1"; }),
            R"(--vcpus: expected an integer from 1 to 64, got "-1")");
  EXPECT_EQ(with([](KernelArgs& a) { a.vcpus = "+4"; }),
            R"(--vcpus: expected an integer from 1 to 64, got "+4")");
  EXPECT_EQ(with([](KernelArgs& a) { a.vcpus = ""; }),
            R"(--vcpus: expected an integer from 1 to 64, got "")");
  EXPECT_EQ(with([](KernelArgs& a) { a.vcpus = "99999999999999999999999"; }),
            R"(--vcpus: expected an integer from 1 to 64, got "99999999999999999999999")");
  EXPECT_EQ(with([](KernelArgs& a) { a.kernel = "missing.elf"; }),
            "--kernel: cannot read '" + (dir.root() / "missing.elf").string() +
                "': No such file or directory");
  EXPECT_EQ(with([](KernelArgs& a) { a.kernel = ""; }),
            R"(--kernel: expected a non-empty path string, got "")");
  EXPECT_NE(with([](KernelArgs& a) { a.initrd = "none.img"; }).find("--initrd: cannot read"),
            std::string::npos);
  EXPECT_EQ(with([](KernelArgs& a) { a.cmdline = std::string(2048, 'c'); }),
            "--cmdline: expected a string of at most 2047 bytes, got a string of 2048 bytes");
}

TEST(ConfigCli, OverridesReplaceFileValuesAndAreExplicit) {
  ConfigDir dir;
  Config c = parse_config(
      R"({"guest_os": {"kernel": "guest.elf", "console": "none"},
          "api": {"socket": "a.sock"}, "log": {"level": "error"}})",
      dir.root());
  apply_cli_overrides(c,
                      {.console = "file:out/console.log",
                       .api_socket = "b.sock",
                       .log_level = "trace",
                       .log_format = "json"},
                      "/run/elsewhere");
  EXPECT_EQ(c.guest_os.console,
            (ConsoleConfig{ConsoleKind::File, "/run/elsewhere/out/console.log"}));
  EXPECT_EQ(c.api.socket, std::filesystem::path("/run/elsewhere/b.sock"));
  EXPECT_EQ(c.log.level, LogLevel::Trace);
  EXPECT_EQ(c.log.format, LogFormat::Json);
  EXPECT_TRUE(c.is_set("/log/format"));
  EXPECT_TRUE(c.is_set("/api/socket"));
}

TEST(ConfigCli, BadOverrideLeavesTheConfigUnchanged) {
  ConfigDir dir;
  Config c = parse_config(R"({"guest_os": {"kernel": "guest.elf"}})", dir.root());
  const std::string msg = usage_error(
      [&] { apply_cli_overrides(c, {.console = "none", .log_level = "loud"}, dir.root()); });
  EXPECT_EQ(
      msg, R"(--log-level: expected one of "error", "warn", "info", "debug", "trace", got "loud")");
  EXPECT_EQ(c.guest_os.console.kind, ConsoleKind::Stdio);
  EXPECT_FALSE(c.is_set("/guest_os/console"));
  EXPECT_EQ(usage_error([&] { apply_cli_overrides(c, {.console = "file:"}, dir.root()); }),
            R"(--console: expected "file:PATH" with a non-empty PATH, got "file:")");
  EXPECT_EQ(usage_error([&] { apply_cli_overrides(c, {.log_format = "xml"}, dir.root()); }),
            R"(--log-format: expected one of "text", "json", got "xml")");
}

}  // namespace
}  // namespace svmm
