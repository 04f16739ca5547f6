// Malformed configs: each is refused with a UsageError (exit status 2) naming the JSON Pointer
// of the first offending value, in the schema's order.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/unit/config_test_util.h"
#include "vmm/config/config.h"
#include "vmm/util/error.h"

namespace svmm {
namespace {

using nlohmann::json;
using testing::ConfigDir;
using testing::good_config_json;

// good_config_json() with the value at `pointer` replaced (or added).
std::string with(const char* pointer, const json& value) {
  json j = good_config_json();
  j[json::json_pointer(pointer)] = value;
  return j.dump();
}

// good_config_json() with `raw` spliced in as the literal text of the value at `pointer`: for
// numbers that a json value cannot hold (18446744073709551616, 1e999).
std::string with_raw(const char* pointer, const std::string& raw) {
  std::string text = with(pointer, "@RAW@");
  text.replace(text.find("\"@RAW@\""), 7, raw);
  return text;
}

std::string without(const char* pointer) {
  json j = good_config_json();
  json::json_pointer p(pointer);
  j[p.parent_pointer()].erase(p.back());
  return j.dump();
}

std::string with_trusted_vms(std::size_t count) {
  json j = good_config_json();
  j["trusted_vms"] = json::array();
  for (std::size_t i = 0; i < count; ++i) {
    j["trusted_vms"].push_back({{"name", "vm" + std::to_string(i)}, {"kernel", "vault.elf"}});
  }
  return j.dump();
}

struct BadConfig {
  const char* name;
  std::string text;
  std::string path;     // the JSON Pointer the message must name ("" = top level)
  std::string message;  // when not empty, the whole message ({dir} = the config directory)
};

std::vector<BadConfig> bad_configs() {
  const std::string d = "{dir}";
  return {
      // Shape of the document.
      {"TopLevelArray", "[1, 2]", "",
       "config error at the top level: expected an object, got [1,2]"},
      {"TopLevelString", R"("guest_os")", "", ""},
      {"TopLevelNull", "null", "", ""},
      {"MissingGuestOs", R"({})", "/guest_os", "config error at /guest_os: missing required key"},
      {"MissingGuestOsButOtherSections", without("/guest_os"), "/guest_os", ""},
      {"GuestOsNotAnObject", with("/guest_os", "guest.elf"), "/guest_os",
       R"(config error at /guest_os: expected an object, got "guest.elf")"},
      {"MissingKernel", without("/guest_os/kernel"), "/guest_os/kernel",
       "config error at /guest_os/kernel: missing required key"},
      {"KernelNotFound", with("/guest_os/kernel", "nope.elf"), "/guest_os/kernel",
       "config error at /guest_os/kernel: cannot read '" + d +
           "/nope.elf': No such file or directory"},
      {"KernelIsADirectory", with("/guest_os/kernel", "."), "/guest_os/kernel",
       "config error at /guest_os/kernel: cannot read '" + d + "/': Is a directory"},
      {"KernelEmpty", with("/guest_os/kernel", ""), "/guest_os/kernel",
       R"(config error at /guest_os/kernel: expected a non-empty path string, got "")"},
      {"KernelNumber", with("/guest_os/kernel", 7), "/guest_os/kernel", ""},
      {"KernelNull", with("/guest_os/kernel", nullptr), "/guest_os/kernel", ""},
      {"KernelWithNul", with("/guest_os/kernel", std::string("guest.elf\0x", 11)),
       "/guest_os/kernel", ""},
      {"InitrdNotFound", with("/guest_os/initrd", "initrd.gz"), "/guest_os/initrd",
       "config error at /guest_os/initrd: cannot read '" + d +
           "/initrd.gz': No such file or directory"},
      {"TrustedKernelNotFound", with("/trusted_vms/1/kernel", "ledger.elf"),
       "/trusted_vms/1/kernel", ""},

      // Unknown keys, at every level.
      {"UnknownTopLevelKey", with("/guest_oss", json::object()), "/guest_oss",
       "config error at /guest_oss: unknown key (allowed here: guest_os, trusted_vms, secure, "
       "hypercall, chipset, token, api, log)"},
      {"UnknownKeyInGuestOs", with("/guest_os/vcpu", 2), "/guest_os/vcpu", ""},
      {"UnknownKeyInTrustedVm", with("/trusted_vms/1/initrd", "initrd.img"),
       "/trusted_vms/1/initrd", ""},
      {"UnknownKeyInSecure", with("/secure/teardown", json::array()), "/secure/teardown", ""},
      {"UnknownKeyInHypercall", with("/hypercall/kernel", true), "/hypercall/kernel", ""},
      {"UnknownKeyInChipset", with("/chipset/fuses", "enabled"), "/chipset/fuses", ""},
      {"UnknownKeyInToken", with("/token/state", nullptr), "/token/state", ""},
      {"UnknownKeyInApi", with("/api/path", "x.sock"), "/api/path", ""},
      {"UnknownKeyInLog", with("/log/file", "x.log"), "/log/file", ""},
      {"UnknownKeyWithSlashIsEscaped", with("/log/a~1b", 1), "/log/a~1b", ""},
      {"UnknownKeyBeforeBadValue", with("/guest_os/zzz", 1), "/guest_os/zzz", ""},
      {"DuplicateKey", R"({"guest_os": {"kernel": "guest.elf", "vcpus": 1, "vcpus": 2}})",
       "/guest_os/vcpus", "config error at /guest_os/vcpus: duplicate key"},
      {"DuplicateKeyInArrayElement",
       R"({"guest_os": {"kernel": "guest.elf"}, "trusted_vms": [{"name": "a"},
           {"name": "b", "kernel": "vault.elf", "name": "c"}]})",
       "/trusted_vms/1/name", ""},

      // Integers.
      {"GuestVcpusZero", with("/guest_os/vcpus", 0), "/guest_os/vcpus",
       "config error at /guest_os/vcpus: expected an integer from 1 to 64, got 0"},
      {"GuestVcpus65", with("/guest_os/vcpus", 65), "/guest_os/vcpus", ""},
      {"GuestVcpusFloat", with("/guest_os/vcpus", 16.5), "/guest_os/vcpus",
       "config error at /guest_os/vcpus: expected an integer from 1 to 64, got 16.5"},
      {"GuestVcpusIntegralFloat", with_raw("/guest_os/vcpus", "2.0"), "/guest_os/vcpus", ""},
      {"GuestVcpusExponent", with_raw("/guest_os/vcpus", "1e1"), "/guest_os/vcpus", ""},
      {"GuestVcpusNegative", with("/guest_os/vcpus", -1), "/guest_os/vcpus",
       "config error at /guest_os/vcpus: expected an integer from 1 to 64, got -1"},
      {"GuestVcpusBoolean", with("/guest_os/vcpus", true), "/guest_os/vcpus",
       "config error at /guest_os/vcpus: expected an integer from 1 to 64, got true"},
      {"GuestVcpusString", with("/guest_os/vcpus", "4"), "/guest_os/vcpus", ""},
      {"GuestMemoryOne", with("/guest_os/memory_mib", 1), "/guest_os/memory_mib", ""},
      {"GuestMemoryTooBig", with("/guest_os/memory_mib", 1048577), "/guest_os/memory_mib",
       "config error at /guest_os/memory_mib: expected an integer from 2 to 1048576, got 1048577"},
      {"GuestMemory16M", with("/guest_os/memory_mib", "16M"), "/guest_os/memory_mib", ""},
      {"GuestMemory1e30", with_raw("/guest_os/memory_mib", "1e30"), "/guest_os/memory_mib",
       "config error at /guest_os/memory_mib: expected an integer from 2 to 1048576, got 1e+30"},
      {"GuestMemory2Pow64", with_raw("/guest_os/memory_mib", "18446744073709551616"),
       "/guest_os/memory_mib", ""},
      {"GuestMemoryUint64Max", with_raw("/guest_os/memory_mib", "18446744073709551615"),
       "/guest_os/memory_mib", ""},
      {"GuestMemoryInt64Min", with_raw("/guest_os/memory_mib", "-9223372036854775808"),
       "/guest_os/memory_mib", ""},
      {"TrustedVcpus9", with("/trusted_vms/0/vcpus", 9), "/trusted_vms/0/vcpus",
       "config error at /trusted_vms/0/vcpus: expected an integer from 1 to 8, got 9"},
      {"TrustedVcpusZero", with("/trusted_vms/1/vcpus", 0), "/trusted_vms/1/vcpus", ""},
      {"TrustedMemory16M", with("/trusted_vms/1/memory_mib", "16M"), "/trusted_vms/1/memory_mib",
       R"(config error at /trusted_vms/1/memory_mib: expected an integer from 2 to 65536, got "16M")"},
      {"TrustedMemoryTooBig", with("/trusted_vms/0/memory_mib", 65537), "/trusted_vms/0/memory_mib",
       ""},
      {"TrustedMemoryOne", with("/trusted_vms/0/memory_mib", 1), "/trusted_vms/0/memory_mib", ""},
      {"ScrubThreadsNegative", with("/secure/scrub_threads", -1), "/secure/scrub_threads", ""},
      {"ScrubThreadsHuge", with("/secure/scrub_threads", 100000), "/secure/scrub_threads",
       "config error at /secure/scrub_threads: expected an integer from 0 to 1024, got 100000"},
      {"AbortVector31", with("/chipset/abort_vector", 31), "/chipset/abort_vector",
       "config error at /chipset/abort_vector: expected an integer from 32 to 255, got 31"},
      {"AbortVector256", with("/chipset/abort_vector", 256), "/chipset/abort_vector", ""},

      // Strings, enums, booleans.
      {"BadBoot", with("/guest_os/boot", "elf"), "/guest_os/boot",
       R"(config error at /guest_os/boot: expected one of "auto", "linux", "pvh", "multiboot", got "elf")"},
      {"BootWrongCase", with("/trusted_vms/0/boot", "PVH"), "/trusted_vms/0/boot", ""},
      {"BootNumber", with("/guest_os/boot", 1), "/guest_os/boot", ""},
      {"CmdlineTooLong", with("/guest_os/cmdline", std::string(2048, 'a')), "/guest_os/cmdline",
       "config error at /guest_os/cmdline: expected a string of at most 2047 bytes, got a string "
       "of 2048 bytes"},
      {"TrustedCmdlineTooLong", with("/trusted_vms/0/cmdline", std::string(4096, 'a')),
       "/trusted_vms/0/cmdline", ""},
      {"CmdlineWithNul", with("/guest_os/cmdline", std::string("a\0b", 3)), "/guest_os/cmdline",
       ""},
      {"CmdlineNumber", with("/guest_os/cmdline", 5), "/guest_os/cmdline", ""},
      {"ConsoleUnknown", with("/guest_os/console", "tty"), "/guest_os/console",
       R"(config error at /guest_os/console: expected "stdio", "none" or "file:PATH", got "tty")"},
      {"ConsoleFileEmpty", with("/guest_os/console", "file:"), "/guest_os/console",
       R"(config error at /guest_os/console: expected "file:PATH" with a non-empty PATH, got "file:")"},
      {"TrustedConsoleFileEmpty", with("/trusted_vms/1/console", "file:"), "/trusted_vms/1/console",
       ""},
      {"ConsoleNull", with("/guest_os/console", nullptr), "/guest_os/console", ""},
      {"BadLaunch", with("/secure/launch", "now"), "/secure/launch", ""},
      {"KernelOnlyString", with("/hypercall/kernel_only", "yes"), "/hypercall/kernel_only",
       R"(config error at /hypercall/kernel_only: expected true or false, got "yes")"},
      {"KernelOnlyZero", with("/hypercall/kernel_only", 0), "/hypercall/kernel_only", ""},
      {"BadFuse", with("/chipset/fuse", "off"), "/chipset/fuse", ""},
      {"BadAbortPolicy", with("/chipset/abort_policy", "ignore"), "/chipset/abort_policy", ""},
      {"TokenEnabledString", with("/token/enabled", "true"), "/token/enabled", ""},
      {"StateDirEmpty", with("/token/state_dir", ""), "/token/state_dir", ""},
      {"StateDirNumber", with("/token/state_dir", 5), "/token/state_dir", ""},
      {"SocketEmpty", with("/api/socket", ""), "/api/socket", ""},
      {"SocketFalse", with("/api/socket", false), "/api/socket", ""},
      {"SocketTooLong", with("/api/socket", std::string(120, 's')), "/api/socket", ""},
      {"BadLogLevel", with("/log/level", "verbose"), "/log/level", ""},
      {"BadLogFormat", with("/log/format", "xml"), "/log/format", ""},
      {"HypercallNotAnObject", with("/hypercall", true), "/hypercall", ""},

      // Trusted VMs.
      {"TrustedVmsNotAnArray", with("/trusted_vms", json::object()), "/trusted_vms", ""},
      {"TrustedVmNotAnObject", with("/trusted_vms/1", "vault"), "/trusted_vms/1", ""},
      {"SeventeenTrustedVms", with_trusted_vms(17), "/trusted_vms",
       "config error at /trusted_vms: expected an array of at most 16 entries, got 17"},
      {"TrustedNameMissing", without("/trusted_vms/1/name"), "/trusted_vms/1/name", ""},
      {"TrustedKernelMissing", without("/trusted_vms/0/kernel"), "/trusted_vms/0/kernel", ""},
      {"TrustedNameUppercase", with("/trusted_vms/0/name", "Vault"), "/trusted_vms/0/name",
       R"(config error at /trusted_vms/0/name: expected a name of 1 to 32 characters from a-z, 0-9 and '-', got "Vault")"},
      {"TrustedNameEmpty", with("/trusted_vms/0/name", ""), "/trusted_vms/0/name", ""},
      {"TrustedNameTooLong", with("/trusted_vms/0/name", std::string(33, 'a')),
       "/trusted_vms/0/name", ""},
      {"TrustedNameUnderscore", with("/trusted_vms/1/name", "a_b"), "/trusted_vms/1/name", ""},
      {"TrustedNameNumber", with("/trusted_vms/1/name", 7), "/trusted_vms/1/name", ""},
      {"TrustedNameDuplicate", with("/trusted_vms/1/name", "vault"), "/trusted_vms/1/name",
       R"(config error at /trusted_vms/1/name: duplicate trusted VM name "vault" (also at /trusted_vms/0/name))"},

      // Teardown triggers.
      {"TeardownNotAnArray", with("/secure/teardown_on", "breach"), "/secure/teardown_on", ""},
      {"TeardownUnknownTrigger", with("/secure/teardown_on/1", "reboot"), "/secure/teardown_on/1",
       R"(config error at /secure/teardown_on/1: expected one of "guest-request", "breach", "poweroff", "sleep", "control", "signal", "trusted-fault", "guest-crash", got "reboot")"},
      {"TeardownDuplicateTrigger", with("/secure/teardown_on/2", "breach"), "/secure/teardown_on/2",
       R"(config error at /secure/teardown_on/2: duplicate trigger "breach")"},
      {"TeardownTriggerNumber", with("/secure/teardown_on/0", 2), "/secure/teardown_on/0", ""},

      // Rules across sections.
      {"FuseDisabledWithLaunchAtBoot", with("/chipset/fuse", "disabled"), "/secure/launch",
       R"(config error at /secure/launch: expected "request" while /chipset/fuse is "disabled", got "boot")"},
  };
}

// gtest would dump the bytes of the struct otherwise.
void PrintTo(const BadConfig& bad, std::ostream* os) { *os << bad.name; }

class ConfigErrors : public ::testing::TestWithParam<BadConfig> {};

TEST_P(ConfigErrors, IsAUsageErrorNamingThePath) {
  const BadConfig& bad = GetParam();
  ConfigDir dir;
  try {
    (void)parse_config(bad.text, dir.root());
    FAIL() << "accepted: " << bad.text;
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.exit_status(), 2);
    const std::string at =
        bad.path.empty() ? "config error at the top level: " : "config error at " + bad.path + ": ";
    EXPECT_EQ(what.substr(0, at.size()), at) << what;
    if (!bad.message.empty()) {
      std::string expected = bad.message;
      if (auto pos = expected.find("{dir}"); pos != std::string::npos) {
        expected.replace(pos, 5, dir.root().string());
      }
      EXPECT_EQ(what, expected);
    }
  }
}

// The same table through the real binary: `svmm validate` exits 2 and prints the message,
// naming the path, on stderr; nothing on stdout.
TEST_P(ConfigErrors, SvmmValidateExitsTwoNamingThePath) {
  const BadConfig& bad = GetParam();
  ConfigDir dir;
  const auto file = dir.write("svmm.json", bad.text);
  auto r = test::run_process({SVMM_BINARY, "validate", "--config", file});
  EXPECT_EQ(r.exit_status, 2) << r.err;
  const std::string at =
      bad.path.empty() ? "config error at the top level: " : "config error at " + bad.path + ": ";
  EXPECT_NE(r.err.find("svmm: " + at), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Malformed, ConfigErrors, ::testing::ValuesIn(bad_configs()),
                         [](const ::testing::TestParamInfo<BadConfig>& info) {
                           return std::string(info.param.name);
                         });

// Syntax errors have no JSON Pointer: they name the source, the line and the column.
struct BadJson {
  const char* name;
  std::string text;
  std::string prefix;  // the message starts with this
};

std::vector<BadJson> bad_json() {
  const std::string src = "config error: <config>: invalid JSON at ";
  return {
      {"Empty", "", src + "line 1, column 1: "},
      {"Truncated", "{\"guest_os\": {\"kernel\": \"guest.elf\"}", src + "line 1, column 37: "},
      {"BareWord", "{\n  \"guest_os\": {\n    \"kernel\": guest.elf\n  }\n}\n",
       src + "line 3, column 15: "},
      {"TrailingComma", "{\"guest_os\": {\"kernel\": \"guest.elf\",}}",
       src + "line 1, column 37: "},
      {"Comment", "// svmm\n{\"guest_os\": {\"kernel\": \"guest.elf\"}}",
       src + "line 1, column 1: "},
      {"TrailingData", "{\"guest_os\": {\"kernel\": \"guest.elf\"}} x",
       src + "line 1, column 39: "},
      {"InvalidUtf8", "{\"guest_os\": {\"kernel\": \"\xff\"}}", src + "line 1, column 26: "},
      {"DeepNesting", std::string(100, '['),
       src + "line 1, column 65: nesting deeper than 64 levels"},
      {"NumberOverflow", "{\"guest_os\": {\"vcpus\": 1e999}}",
       src + "line 1, column 24: number overflow parsing '1e999'"},
  };
}

void PrintTo(const BadJson& bad, std::ostream* os) { *os << bad.name; }

class ConfigSyntaxErrors : public ::testing::TestWithParam<BadJson> {};

TEST_P(ConfigSyntaxErrors, NameLineAndColumn) {
  const BadJson& bad = GetParam();
  try {
    (void)parse_config(bad.text, "/nonexistent");
    FAIL() << "accepted";
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.exit_status(), 2);
    EXPECT_EQ(what.substr(0, bad.prefix.size()), bad.prefix) << what;
  }
}

INSTANTIATE_TEST_SUITE_P(Malformed, ConfigSyntaxErrors, ::testing::ValuesIn(bad_json()),
                         [](const ::testing::TestParamInfo<BadJson>& info) {
                           return std::string(info.param.name);
                         });

TEST(ConfigErrorMessages, LongValuesAreCut) {
  ConfigDir dir;
  try {
    (void)parse_config(with("/guest_os/boot", std::string(500, 'x')), dir.root());
    FAIL();
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_LT(what.size(), 200u) << what;
    EXPECT_EQ(what.substr(what.size() - 3), "...");
  }
}

TEST(ConfigErrorMessages, FirstErrorInSchemaOrderIsReported) {
  ConfigDir dir;
  json j = good_config_json();
  j["log"]["level"] = "loud";
  j["chipset"]["abort_vector"] = 1;
  j["guest_os"]["memory_mib"] = 0;
  j["guest_os"]["vcpus"] = 0;
  try {
    (void)parse_config(j.dump(), dir.root());
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("at /guest_os/vcpus:"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace svmm
