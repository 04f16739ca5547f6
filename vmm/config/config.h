// The typed configuration of one svmm machine (spec/config.md), its parser and validator.
//
// Everything here is validated once, at load time: a Config that exists is well-formed, its
// ranges hold, its kernel/initrd files were readable regular files and every path is absolute.
// Image *formats* are checked later by the loader. Errors are svmm::UsageError (exit 2) whose
// message names the JSON Pointer of the offending value, e.g.
//   config error at /trusted_vms/1/memory_mib: expected an integer from 2 to 65536, got "16M"
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/hypercall.h"
#include "chipset/chipset_types.h"  // FuseState, AbortPolicy: the chipset's own vocabulary
#include "vmm/loader/boot_protocol.h"

namespace svmm {

// Limits of the schema (spec/config.md). Public so that the loader and the CLI quote the same.
inline constexpr std::uint32_t kMaxGuestVcpus = 64;
inline constexpr std::uint64_t kMinGuestMemoryMib = 2;
inline constexpr std::uint64_t kMaxGuestMemoryMib = 1048576;
inline constexpr std::uint32_t kMaxTrustedVcpus = 8;
inline constexpr std::uint64_t kMinTrustedMemoryMib = 2;
inline constexpr std::uint64_t kMaxTrustedMemoryMib = 65536;
inline constexpr std::size_t kMaxTrustedVms = 16;
inline constexpr std::size_t kMaxCmdlineBytes = 2047;  // + NUL = the 2 KiB boot protocol limit
inline constexpr std::size_t kMaxTrustedVmNameBytes = 32;
inline constexpr std::uint32_t kMinAbortVector = 32;  // 0-31 are CPU exceptions
inline constexpr std::uint32_t kMaxAbortVector = 255;
// Not in the spec: a bound so that a typo (scrub_threads: 100000) cannot spawn a thread storm.
inline constexpr std::uint32_t kMaxScrubThreads = 1024;
// sizeof(sockaddr_un::sun_path) - 1: a longer socket path cannot be bound at all.
inline constexpr std::size_t kMaxSocketPathBytes = 107;

// BootProtocol is the loader's (vmm/loader/boot_protocol.h): one enum, one place.

enum class ConsoleKind { Stdio, File, None };

// "stdio" | "file:PATH" | "none". `path` is absolute and non-empty exactly when kind is File.
struct ConsoleConfig {
  ConsoleKind kind = ConsoleKind::None;
  std::filesystem::path path;
  bool operator==(const ConsoleConfig&) const = default;
};

enum class LaunchMode {
  Request,  // the guest OS calls SECURE_LAUNCH
  Boot,     // launch before the guest OS starts
};

// Values are the trigger codes of the teardown report (spec/guest-abi.md section 6).
enum class TeardownTrigger : std::uint32_t {
  GuestRequest = SVMM_TRIGGER_GUEST_REQUEST,
  Breach = SVMM_TRIGGER_BREACH,
  Poweroff = SVMM_TRIGGER_POWEROFF,
  Sleep = SVMM_TRIGGER_SLEEP,
  Control = SVMM_TRIGGER_CONTROL,
  Signal = SVMM_TRIGGER_SIGNAL,
  TrustedFault = SVMM_TRIGGER_TRUSTED_FAULT,
  GuestCrash = SVMM_TRIGGER_GUEST_CRASH,
};

enum class LogLevel { Error, Warn, Info, Debug, Trace };

enum class LogFormat { Text, Json };

struct GuestOsConfig {
  std::filesystem::path kernel;  // required; absolute, a readable regular file
  BootProtocol boot = BootProtocol::Auto;
  std::optional<std::filesystem::path> initrd;  // absolute, a readable regular file
  std::string cmdline;                          // <= kMaxCmdlineBytes, no NUL
  std::uint32_t vcpus = 1;
  std::uint64_t memory_mib = 256;
  ConsoleConfig console{ConsoleKind::Stdio, {}};
};

struct TrustedVmConfig {
  std::string name;              // required; [a-z0-9-]{1,32}, unique
  std::filesystem::path kernel;  // required; absolute, a readable regular file
  BootProtocol boot = BootProtocol::Auto;
  std::string cmdline;
  std::uint32_t vcpus = 1;
  std::uint64_t memory_mib = 16;
  ConsoleConfig console{ConsoleKind::None, {}};
};

struct SecureConfig {
  LaunchMode launch = LaunchMode::Request;
  // In file order, no duplicates. Default: every trigger but guest-crash (which is always
  // honoured).
  std::vector<TeardownTrigger> teardown_on = {
      TeardownTrigger::GuestRequest, TeardownTrigger::Breach,  TeardownTrigger::Poweroff,
      TeardownTrigger::Sleep,        TeardownTrigger::Control, TeardownTrigger::Signal,
      TeardownTrigger::TrustedFault,
  };
  std::uint32_t scrub_threads = 0;  // 0 = one per online CPU

  // Whether `t` appears in teardown_on.
  [[nodiscard]] bool listed(TeardownTrigger t) const;
  // Whether `t` tears down: listed, or one of the triggers the spec says are always honoured
  // (signal and guest-crash: svmm never ends the guest OS with trusted memory still mapped).
  [[nodiscard]] bool tears_down_on(TeardownTrigger t) const;
};

struct HypercallConfig {
  bool kernel_only = false;
};

struct ChipsetConfig {
  FuseState fuse = FuseState::Enabled;
  AbortPolicy abort_policy = AbortPolicy::AllOnes;
  std::uint8_t abort_vector = 242;
};

struct TokenConfig {
  bool enabled = true;
  std::optional<std::filesystem::path> state_dir;  // absolute; nullopt = ephemeral TPM
};

struct ApiConfig {
  std::optional<std::filesystem::path> socket;  // absolute; nullopt = no control socket
};

struct LogConfig {
  LogLevel level = LogLevel::Info;
  LogFormat format = LogFormat::Text;
};

struct Config {
  GuestOsConfig guest_os;
  std::vector<TrustedVmConfig> trusted_vms;
  SecureConfig secure;
  HypercallConfig hypercall;
  ChipsetConfig chipset;
  TokenConfig token;
  ApiConfig api;
  LogConfig log;

  // The JSON Pointers that were written explicitly: in the file (sections such as "/token",
  // leaves such as "/token/enabled", array elements such as "/trusted_vms/0" and their keys),
  // or by a command-line flag (--kernel sets "/guest_os/kernel", --api-socket "/api/socket"...).
  // A build lacking a feature refuses only explicitly set values that need it (spec/config.md).
  std::set<std::string, std::less<>> explicit_paths;

  // The config file it came from (absolute), empty for a config built from flags.
  std::filesystem::path source;

  [[nodiscard]] bool is_set(std::string_view json_pointer) const {
    return explicit_paths.find(json_pointer) != explicit_paths.end();
  }
};

// For a build that lacks a feature: throws UsageError "config error at POINTER: not supported
// yet" if `json_pointer` was set explicitly, and does nothing for a default (spec/config.md: a
// missing feature keeps its defaults inert). The caller decides whether the value needs the
// feature: `if (!have_tpm && c.token.enabled) refuse_if_set(c, "/token/enabled");`
void refuse_if_set(const Config& config, std::string_view json_pointer);

// Reads and validates a config file; relative paths are resolved against its directory.
// Throws UsageError.
[[nodiscard]] Config load_config(const std::filesystem::path& file);

// Validates `text` as a config; relative paths are resolved against `base_dir`. `source_name`
// names the text in JSON syntax errors. Throws UsageError (and nothing else but std::bad_alloc).
[[nodiscard]] Config parse_config(std::string_view text, const std::filesystem::path& base_dir,
                                  std::string_view source_name = "<config>");

// The documented defaults. Its guest_os.kernel is empty: not runnable as is.
[[nodiscard]] Config default_config();

// `svmm run --kernel FILE [--initrd F] [--cmdline S] [--vcpus N] [--memory MIB]`. The values are
// the raw flag strings so that "16M" or "0x10" get the same validation (and message) as in a
// file. Members have default initialisers so that designated initialisers may skip them.
// Errors name the flag: `--memory: expected an integer from 2 to 1048576, got "16M"`.
struct KernelArgs {
  std::string kernel{};
  std::optional<std::string> initrd{};
  std::optional<std::string> cmdline{};
  std::optional<std::string> vcpus{};
  std::optional<std::string> memory_mib{};  // --memory
};
// Relative paths are resolved against `cwd` (the current directory when empty). Throws UsageError.
[[nodiscard]] Config config_from_kernel_args(const KernelArgs& args,
                                             const std::filesystem::path& cwd = {});

// Flags that override the file where both exist (spec/config.md, spec/control.md section 1).
struct CliOverrides {
  std::optional<std::string> console{};     // --console stdio|file:PATH|none (the guest OS console)
  std::optional<std::string> api_socket{};  // --api-socket PATH
  std::optional<std::string> log_level{};   // --log-level
  std::optional<std::string> log_format{};  // --log-format
};
// Validates and applies the overrides, marking their JSON Pointers explicit. Relative paths are
// resolved against `cwd` (the current directory when empty). Throws UsageError naming the flag.
void apply_cli_overrides(Config& config, const CliOverrides& overrides,
                         const std::filesystem::path& cwd = {});

// Names as written in the config file (and used in logs and JSON output).
[[nodiscard]] std::string to_string(BootProtocol v);
[[nodiscard]] std::string to_string(ConsoleKind v);
[[nodiscard]] std::string to_string(const ConsoleConfig& v);  // "stdio", "none", "file:/abs"
[[nodiscard]] std::string to_string(LaunchMode v);
[[nodiscard]] std::string to_string(TeardownTrigger v);
[[nodiscard]] std::string to_string(FuseState v);
[[nodiscard]] std::string to_string(AbortPolicy v);
[[nodiscard]] std::string to_string(LogLevel v);
[[nodiscard]] std::string to_string(LogFormat v);

// The inverse of to_string for BootProtocol, LaunchMode, TeardownTrigger, FuseState, AbortPolicy,
// LogLevel and LogFormat (explicitly instantiated for those only).
template <class E>
[[nodiscard]] std::optional<E> enum_from_string(std::string_view name);

}  // namespace svmm
