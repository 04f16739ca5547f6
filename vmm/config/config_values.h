// The value kinds of the config schema that are more than a JSON type: paths, input files,
// consoles, trusted VM names. Shared by the file parser and the command-line flags.
// Internal to vmm/config/.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "vmm/config/config.h"
#include "vmm/config/json_reader.h"

namespace svmm::config_detail {

// `path` made absolute (against the current directory) and normalised.
[[nodiscard]] std::filesystem::path absolute_normal(const std::filesystem::path& path);

// A non-empty path string, made absolute against `base_dir` (already absolute).
[[nodiscard]] std::filesystem::path as_path(const Node& n, const std::filesystem::path& base_dir);

// As as_path, and the file must be a readable regular file (kernel, initrd): checked now so
// that a typo is a configuration error (exit 2) before anything is started.
[[nodiscard]] std::filesystem::path as_input_file(const Node& n,
                                                  const std::filesystem::path& base_dir);

// "stdio" | "none" | "file:PATH" with a non-empty PATH.
[[nodiscard]] ConsoleConfig as_console(const Node& n, const std::filesystem::path& base_dir);

// A control socket path: as_path, and short enough for sockaddr_un once resolved.
[[nodiscard]] std::filesystem::path as_socket_path(const Node& n,
                                                   const std::filesystem::path& base_dir);

// A trusted VM name: [a-z0-9-]{1,32}.
[[nodiscard]] const std::string& as_vm_name(const Node& n);

// A kernel command line: a string of at most kMaxCmdlineBytes without NUL.
[[nodiscard]] const std::string& as_cmdline(const Node& n);

}  // namespace svmm::config_detail
