// Valid configs: every key lands in its field, defaults are exactly spec/config.md's, paths are
// resolved against the config file's directory, explicit keys are recorded.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/config_test_util.h"
#include "vmm/config/config.h"
#include "vmm/util/error.h"

namespace svmm {
namespace {

using testing::ConfigDir;
using testing::good_config_json;
using test::TempDir;

const std::vector<TeardownTrigger> kDefaultTriggers = {
    TeardownTrigger::GuestRequest, TeardownTrigger::Breach,  TeardownTrigger::Poweroff,
    TeardownTrigger::Sleep,        TeardownTrigger::Control, TeardownTrigger::Signal,
    TeardownTrigger::TrustedFault,
};

// Everything but guest_os.kernel at the documented default.
void expect_defaults_except_kernel(const Config& c) {
  EXPECT_EQ(c.guest_os.boot, BootProtocol::Auto);
  EXPECT_FALSE(c.guest_os.initrd.has_value());
  EXPECT_EQ(c.guest_os.cmdline, "");
  EXPECT_EQ(c.guest_os.vcpus, 1u);
  EXPECT_EQ(c.guest_os.memory_mib, 256u);
  EXPECT_EQ(c.guest_os.console, (ConsoleConfig{ConsoleKind::Stdio, {}}));
  EXPECT_TRUE(c.trusted_vms.empty());
  EXPECT_EQ(c.secure.launch, LaunchMode::Request);
  EXPECT_EQ(c.secure.teardown_on, kDefaultTriggers);
  EXPECT_EQ(c.secure.scrub_threads, 0u);
  EXPECT_FALSE(c.hypercall.kernel_only);
  EXPECT_EQ(c.chipset.fuse, FuseState::Enabled);
  EXPECT_EQ(c.chipset.abort_policy, AbortPolicy::AllOnes);
  EXPECT_EQ(c.chipset.abort_vector, 242);
  EXPECT_TRUE(c.token.enabled);
  EXPECT_FALSE(c.token.state_dir.has_value());
  EXPECT_FALSE(c.api.socket.has_value());
  EXPECT_EQ(c.log.level, LogLevel::Info);
  EXPECT_EQ(c.log.format, LogFormat::Text);
}

TEST(ConfigParse, DefaultConfigHasTheDocumentedDefaults) {
  const Config c = default_config();
  EXPECT_TRUE(c.guest_os.kernel.empty());
  expect_defaults_except_kernel(c);
  EXPECT_TRUE(c.explicit_paths.empty());
}

TEST(ConfigParse, MinimalConfigGetsEveryDefault) {
  ConfigDir dir;
  const Config c = parse_config(R"({"guest_os": {"kernel": "guest.elf"}})", dir.root());
  EXPECT_EQ(c.guest_os.kernel, dir.root() / "guest.elf");
  expect_defaults_except_kernel(c);
  EXPECT_EQ(c.explicit_paths,
            (std::set<std::string, std::less<>>{"/guest_os", "/guest_os/kernel"}));
  EXPECT_TRUE(c.is_set("/guest_os/kernel"));
  EXPECT_FALSE(c.is_set("/token"));
  EXPECT_FALSE(c.is_set("/token/enabled"));
}

TEST(ConfigParse, TrustedVmGetsItsOwnDefaults) {
  ConfigDir dir;
  const Config c = parse_config(
      R"({"guest_os": {"kernel": "guest.elf"},
          "trusted_vms": [{"name": "vault", "kernel": "vault.elf"}]})",
      dir.root());
  ASSERT_EQ(c.trusted_vms.size(), 1u);
  const TrustedVmConfig& t = c.trusted_vms[0];
  EXPECT_EQ(t.name, "vault");
  EXPECT_EQ(t.kernel, dir.root() / "vault.elf");
  EXPECT_EQ(t.boot, BootProtocol::Auto);
  EXPECT_EQ(t.cmdline, "");
  EXPECT_EQ(t.vcpus, 1u);
  EXPECT_EQ(t.memory_mib, 16u);
  // Unlike the guest OS, a trusted VM's console defaults to none.
  EXPECT_EQ(t.console, (ConsoleConfig{ConsoleKind::None, {}}));
}

TEST(ConfigParse, EveryKeyOfAFullConfigLandsInItsField) {
  ConfigDir dir;
  const Config c = parse_config(good_config_json().dump(), dir.root());
  const auto& d = dir.root();

  EXPECT_EQ(c.guest_os.kernel, d / "guest.elf");
  EXPECT_EQ(c.guest_os.boot, BootProtocol::Pvh);
  EXPECT_EQ(c.guest_os.initrd, d / "initrd.img");
  EXPECT_EQ(c.guest_os.cmdline, "console=ttyS0 quiet");
  EXPECT_EQ(c.guest_os.vcpus, 4u);
  EXPECT_EQ(c.guest_os.memory_mib, 512u);
  EXPECT_EQ(c.guest_os.console, (ConsoleConfig{ConsoleKind::File, d / "logs/guest.log"}));

  ASSERT_EQ(c.trusted_vms.size(), 2u);
  EXPECT_EQ(c.trusted_vms[0].name, "vault");
  EXPECT_EQ(c.trusted_vms[0].console, (ConsoleConfig{ConsoleKind::File, d / "vault.log"}));
  EXPECT_EQ(c.trusted_vms[1].name, "ledger-2");
  EXPECT_EQ(c.trusted_vms[1].kernel, d / "vault.elf");
  EXPECT_EQ(c.trusted_vms[1].boot, BootProtocol::Multiboot);
  EXPECT_EQ(c.trusted_vms[1].cmdline, "mode=ledger");
  EXPECT_EQ(c.trusted_vms[1].vcpus, 8u);
  EXPECT_EQ(c.trusted_vms[1].memory_mib, 65536u);
  EXPECT_EQ(c.trusted_vms[1].console, (ConsoleConfig{ConsoleKind::Stdio, {}}));

  EXPECT_EQ(c.secure.launch, LaunchMode::Boot);
  EXPECT_EQ(c.secure.teardown_on,
            (std::vector<TeardownTrigger>{TeardownTrigger::Breach, TeardownTrigger::GuestCrash,
                                          TeardownTrigger::Control}));
  EXPECT_EQ(c.secure.scrub_threads, 3u);
  EXPECT_TRUE(c.hypercall.kernel_only);
  EXPECT_EQ(c.chipset.fuse, FuseState::Enabled);
  EXPECT_EQ(c.chipset.abort_policy, AbortPolicy::Interrupt);
  EXPECT_EQ(c.chipset.abort_vector, 200);
  EXPECT_FALSE(c.token.enabled);
  EXPECT_EQ(c.token.state_dir, d / "tpm-state");
  EXPECT_EQ(c.api.socket, d / "run/svmm.sock");
  EXPECT_EQ(c.log.level, LogLevel::Debug);
  EXPECT_EQ(c.log.format, LogFormat::Json);

  for (const char* p :
       {"/guest_os", "/guest_os/console", "/trusted_vms", "/trusted_vms/1",
        "/trusted_vms/1/memory_mib", "/secure/teardown_on", "/hypercall/kernel_only",
        "/chipset/abort_vector", "/token/state_dir", "/api/socket", "/log/format"}) {
    EXPECT_TRUE(c.is_set(p)) << p;
  }
  EXPECT_FALSE(c.is_set("/trusted_vms/2"));
}

TEST(ConfigParse, RangeBoundsAreInclusive) {
  ConfigDir dir;
  auto j = good_config_json();
  j["guest_os"]["vcpus"] = 64;
  j["guest_os"]["memory_mib"] = 1048576;
  j["trusted_vms"][0]["vcpus"] = 8;
  j["trusted_vms"][0]["memory_mib"] = 2;
  j["chipset"]["abort_vector"] = 255;
  j["secure"]["scrub_threads"] = 1024;
  j["guest_os"]["cmdline"] = std::string(2047, 'x');
  Config c = parse_config(j.dump(), dir.root());
  EXPECT_EQ(c.guest_os.vcpus, 64u);
  EXPECT_EQ(c.guest_os.memory_mib, 1048576u);
  EXPECT_EQ(c.trusted_vms[0].vcpus, 8u);
  EXPECT_EQ(c.trusted_vms[0].memory_mib, 2u);
  EXPECT_EQ(c.chipset.abort_vector, 255);
  EXPECT_EQ(c.guest_os.cmdline.size(), 2047u);

  j["guest_os"]["vcpus"] = 1;
  j["guest_os"]["memory_mib"] = 2;
  j["chipset"]["abort_vector"] = 32;
  c = parse_config(j.dump(), dir.root());
  EXPECT_EQ(c.guest_os.vcpus, 1u);
  EXPECT_EQ(c.guest_os.memory_mib, 2u);
  EXPECT_EQ(c.chipset.abort_vector, 32);
}

TEST(ConfigParse, SixteenTrustedVmsAreAllowed) {
  ConfigDir dir;
  auto j = good_config_json();
  j["trusted_vms"] = nlohmann::json::array();
  for (int i = 0; i < 16; ++i) {
    j["trusted_vms"].push_back({{"name", "vm-" + std::to_string(i)}, {"kernel", "vault.elf"}});
  }
  EXPECT_EQ(parse_config(j.dump(), dir.root()).trusted_vms.size(), 16u);
}

TEST(ConfigParse, NameAtTheLengthLimitAndEveryAllowedCharacter) {
  ConfigDir dir;
  auto j = good_config_json();
  j["trusted_vms"][0]["name"] = "abcdefghijklmnopqrstuvwxyz-01234";  // 32
  j["trusted_vms"][1]["name"] = "56789";
  const Config c = parse_config(j.dump(), dir.root());
  EXPECT_EQ(c.trusted_vms[0].name, "abcdefghijklmnopqrstuvwxyz-01234");
}

TEST(ConfigParse, EmptyTeardownListDisablesEveryOptionalTrigger) {
  ConfigDir dir;
  auto j = good_config_json();
  j["secure"]["teardown_on"] = nlohmann::json::array();
  const Config c = parse_config(j.dump(), dir.root());
  EXPECT_TRUE(c.secure.teardown_on.empty());
  EXPECT_FALSE(c.secure.listed(TeardownTrigger::GuestRequest));
  EXPECT_FALSE(c.secure.tears_down_on(TeardownTrigger::GuestRequest));
  // spec/guest-abi.md section 6: honoured whatever the list says.
  EXPECT_TRUE(c.secure.tears_down_on(TeardownTrigger::Signal));
  EXPECT_TRUE(c.secure.tears_down_on(TeardownTrigger::GuestCrash));
  EXPECT_FALSE(c.secure.listed(TeardownTrigger::Signal));
}

TEST(ConfigParse, ExplicitNullKeepsTheDefaultButIsRecorded) {
  ConfigDir dir;
  const Config c = parse_config(
      R"({"guest_os": {"kernel": "guest.elf"}, "token": {"state_dir": null}, "api": {"socket": null}})",
      dir.root());
  EXPECT_FALSE(c.token.state_dir.has_value());
  EXPECT_FALSE(c.api.socket.has_value());
  EXPECT_TRUE(c.is_set("/token/state_dir"));
  EXPECT_TRUE(c.is_set("/api/socket"));
}

TEST(ConfigParse, RefuseIfSetIgnoresDefaultsAndNamesExplicitKeys) {
  ConfigDir dir;
  const Config c = parse_config(
      R"({"guest_os": {"kernel": "guest.elf"}, "token": {"enabled": true}})", dir.root());
  EXPECT_NO_THROW(refuse_if_set(c, "/api/socket"));
  try {
    refuse_if_set(c, "/token/enabled");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_EQ(e.exit_status(), 2);
    EXPECT_EQ(std::string(e.what()), "config error at /token/enabled: not supported yet");
  }
}

TEST(ConfigParse, FuseDisabledWithLaunchOnRequestIsFine) {
  ConfigDir dir;
  const Config c = parse_config(
      R"({"guest_os": {"kernel": "guest.elf"}, "chipset": {"fuse": "disabled"}})", dir.root());
  EXPECT_EQ(c.chipset.fuse, FuseState::Disabled);
}

TEST(ConfigParse, AbsolutePathsAreKeptAndNormalised) {
  ConfigDir dir;
  TempDir other;
  const auto kernel = other.write("k/guest.elf", "x");
  nlohmann::json j = {{"guest_os",
                       {{"kernel", (other.root() / "k/../k/./guest.elf").string()},
                        {"console", "file:" + (other.root() / "a/../g.log").string()}}}};
  const Config c = parse_config(j.dump(), dir.root());
  EXPECT_EQ(c.guest_os.kernel, kernel);
  EXPECT_EQ(c.guest_os.console.path, other.root() / "g.log");
}

TEST(ConfigLoad, RelativePathsResolveAgainstTheConfigDirectory) {
  TempDir dir;
  dir.write("images/guest.elf", "g");
  dir.write("images/initrd.img", "i");
  dir.write("images/vault.elf", "v");
  const auto file = dir.write("etc/svmm/machine.json", R"({
    "guest_os": {"kernel": "../../images/guest.elf", "initrd": "../../images/initrd.img",
                 "console": "file:logs/guest.log"},
    "trusted_vms": [{"name": "vault", "kernel": "../../images/vault.elf",
                     "console": "file:/var/log/vault.log"}],
    "token": {"state_dir": "tpm"},
    "api": {"socket": "./svmm.sock"}
  })");
  const Config c = load_config(file);
  const auto etc = dir.root() / "etc/svmm";
  EXPECT_EQ(c.source, file);
  EXPECT_EQ(c.guest_os.kernel, dir.root() / "images/guest.elf");
  EXPECT_EQ(c.guest_os.initrd, dir.root() / "images/initrd.img");
  EXPECT_EQ(c.guest_os.console.path, etc / "logs/guest.log");
  EXPECT_EQ(c.trusted_vms[0].kernel, dir.root() / "images/vault.elf");
  EXPECT_EQ(c.trusted_vms[0].console.path, "/var/log/vault.log");
  EXPECT_EQ(c.token.state_dir, etc / "tpm");
  EXPECT_EQ(c.api.socket, etc / "svmm.sock");
  EXPECT_TRUE(c.guest_os.kernel.is_absolute());
}

TEST(ConfigLoad, MissingFileIsAUsageError) {
  TempDir dir;
  const auto file = dir.root() / "absent.json";
  try {
    (void)load_config(file);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_EQ(e.exit_status(), 2);
    EXPECT_EQ(std::string(e.what()),
              "config error: cannot read '" + file.string() + "': No such file or directory");
  }
}

TEST(ConfigLoad, DirectoryIsAUsageError) {
  TempDir dir;
  try {
    (void)load_config(dir.root());
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "config error: cannot read '" + dir.root().string() + "': Is a directory");
  }
}

TEST(ConfigLoad, HugeFileIsRefused) {
  TempDir dir;
  const auto file = dir.write("big.json", std::string((1 << 20) + 1, ' '));
  try {
    (void)load_config(file);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("larger than 1 MiB"), std::string::npos) << e.what();
  }
}

TEST(ConfigLoad, SyntaxErrorNamesTheFileLineAndColumn) {
  ConfigDir dir;
  const auto file =
      dir.write("bad.json", "{\n  \"guest_os\": {\n    \"kernel\": guest.elf\n  }\n}\n");
  try {
    (void)load_config(file);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    const std::string prefix =
        "config error: " + file + ": invalid JSON at line 3, column 15: ";
    EXPECT_EQ(std::string(e.what()).substr(0, prefix.size()), prefix) << e.what();
  }
}

TEST(ConfigEnums, NamesRoundTrip) {
  EXPECT_EQ(to_string(BootProtocol::Multiboot), "multiboot");
  EXPECT_EQ(to_string(LaunchMode::Request), "request");
  EXPECT_EQ(to_string(TeardownTrigger::TrustedFault), "trusted-fault");
  EXPECT_EQ(to_string(TeardownTrigger::GuestCrash), "guest-crash");
  EXPECT_EQ(to_string(FuseState::Disabled), "disabled");
  EXPECT_EQ(to_string(AbortPolicy::ErrorCode), "error-code");
  EXPECT_EQ(to_string(AbortPolicy::AllZeros), "all-zeros");
  EXPECT_EQ(to_string(LogLevel::Warn), "warn");
  EXPECT_EQ(to_string(LogFormat::Json), "json");
  EXPECT_EQ(to_string(ConsoleConfig{ConsoleKind::File, "/x/y.log"}), "file:/x/y.log");
  EXPECT_EQ(to_string(ConsoleConfig{ConsoleKind::Stdio, {}}), "stdio");
  EXPECT_EQ(to_string(ConsoleConfig{ConsoleKind::None, {}}), "none");

  EXPECT_EQ(enum_from_string<AbortPolicy>("teardown"), AbortPolicy::Teardown);
  EXPECT_EQ(enum_from_string<LogLevel>("trace"), LogLevel::Trace);
  EXPECT_EQ(enum_from_string<BootProtocol>("linux"), BootProtocol::Linux);
  EXPECT_EQ(enum_from_string<LogLevel>("INFO"), std::nullopt);
  EXPECT_EQ(enum_from_string<TeardownTrigger>("signal"), TeardownTrigger::Signal);
}

TEST(ConfigEnums, TriggerValuesAreTheReportCodes) {
  EXPECT_EQ(static_cast<std::uint32_t>(TeardownTrigger::GuestRequest), 1u);
  EXPECT_EQ(static_cast<std::uint32_t>(TeardownTrigger::GuestCrash), 8u);
}

}  // namespace
}  // namespace svmm
