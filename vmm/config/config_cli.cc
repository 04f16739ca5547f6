// Configs from command-line flags: the same value checks as the file, errors named by the flag,
// and the flag's JSON Pointer marked explicit (a flag is as explicit as a key in the file).
#include <charconv>
#include <string>

#include "vmm/config/config.h"
#include "vmm/config/config_values.h"
#include "vmm/config/json_reader.h"

namespace svmm {

namespace fs = std::filesystem;
using config_detail::Json;
using config_detail::Node;

namespace {

fs::path base_dir_of(const fs::path& cwd) {
  return config_detail::absolute_normal(cwd.empty() ? fs::path(".") : cwd);
}

// A flag's text as the JSON value a file would hold: a plain decimal becomes a number, anything
// else ("16M", "-1", "0x10", "") stays a string and is refused by as_uint like "16M" in a file.
Json flag_number(const std::string& text) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (!text.empty() && ec == std::errc() && ptr == end && text[0] != '-' && text[0] != '+') {
    return Json(v);
  }
  return Json(text);
}

}  // namespace

Config config_from_kernel_args(const KernelArgs& args, const fs::path& cwd) {
  const fs::path base = base_dir_of(cwd);
  Config c;
  c.explicit_paths.insert("/guest_os");
  {
    const Json v(args.kernel);
    c.guest_os.kernel = config_detail::as_input_file(Node{v, "--kernel"}, base);
    c.explicit_paths.insert("/guest_os/kernel");
  }
  if (args.initrd) {
    const Json v(*args.initrd);
    c.guest_os.initrd = config_detail::as_input_file(Node{v, "--initrd"}, base);
    c.explicit_paths.insert("/guest_os/initrd");
  }
  if (args.cmdline) {
    const Json v(*args.cmdline);
    c.guest_os.cmdline = config_detail::as_cmdline(Node{v, "--cmdline"});
    c.explicit_paths.insert("/guest_os/cmdline");
  }
  if (args.vcpus) {
    const Json v = flag_number(*args.vcpus);
    c.guest_os.vcpus =
        static_cast<std::uint32_t>(config_detail::as_uint(Node{v, "--vcpus"}, 1, kMaxGuestVcpus));
    c.explicit_paths.insert("/guest_os/vcpus");
  }
  if (args.memory_mib) {
    const Json v = flag_number(*args.memory_mib);
    c.guest_os.memory_mib =
        config_detail::as_uint(Node{v, "--memory"}, kMinGuestMemoryMib, kMaxGuestMemoryMib);
    c.explicit_paths.insert("/guest_os/memory_mib");
  }
  return c;
}

void apply_cli_overrides(Config& config, const CliOverrides& overrides, const fs::path& cwd) {
  const fs::path base = base_dir_of(cwd);
  // Validate every flag before changing anything: an error leaves `config` as it was.
  Config c = config;
  if (overrides.console) {
    const Json v(*overrides.console);
    c.guest_os.console = config_detail::as_console(Node{v, "--console"}, base);
    c.explicit_paths.insert("/guest_os/console");
  }
  if (overrides.api_socket) {
    const Json v(*overrides.api_socket);
    c.api.socket = config_detail::as_socket_path(Node{v, "--api-socket"}, base);
    c.explicit_paths.insert("/api/socket");
  }
  if (overrides.log_level) {
    const Json v(*overrides.log_level);
    c.log.level = config_detail::as_enum<LogLevel>(Node{v, "--log-level"});
    c.explicit_paths.insert("/log/level");
  }
  if (overrides.log_format) {
    const Json v(*overrides.log_format);
    c.log.format = config_detail::as_enum<LogFormat>(Node{v, "--log-format"});
    c.explicit_paths.insert("/log/format");
  }
  config = std::move(c);
}

}  // namespace svmm
