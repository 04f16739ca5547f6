#include "vmm/config/config_values.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace svmm::config_detail {

namespace fs = std::filesystem;

fs::path absolute_normal(const fs::path& path) {
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  // absolute() fails only when the current directory is gone; the relative path then still
  // names the file for open(), and the error message shows what was tried.
  if (ec) abs = path;
  return abs.lexically_normal();
}

namespace {

fs::path resolve(std::string_view text, const fs::path& base_dir) {
  fs::path p(text);
  if (p.is_relative()) p = base_dir / p;
  return p.lexically_normal();
}

// The error text for `path` if it is not a readable regular file, else empty.
std::string unreadable_reason(const fs::path& path) {
  // O_NONBLOCK: a FIFO named as a kernel must not hang the validation.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return std::strerror(errno);
  struct stat st {};
  std::string reason;
  if (::fstat(fd, &st) != 0) {
    reason = std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    reason = S_ISDIR(st.st_mode) ? "Is a directory" : "not a regular file";
  }
  ::close(fd);
  return reason;
}

}  // namespace

fs::path as_path(const Node& n, const fs::path& base_dir) {
  if (!n.value.is_string() || n.value.get_ref<const std::string&>().empty()) {
    fail_expected(n.where, "a non-empty path string", n.value);
  }
  const auto& s = n.value.get_ref<const std::string&>();
  if (s.find('\0') != std::string::npos) {
    fail_expected(n.where, "a path without NUL characters", n.value);
  }
  return resolve(s, base_dir);
}

fs::path as_input_file(const Node& n, const fs::path& base_dir) {
  fs::path p = as_path(n, base_dir);
  if (std::string reason = unreadable_reason(p); !reason.empty()) {
    fail(n.where, "cannot read '" + p.string() + "': " + reason);
  }
  return p;
}

ConsoleConfig as_console(const Node& n, const fs::path& base_dir) {
  static constexpr std::string_view kExpected = R"("stdio", "none" or "file:PATH")";
  static constexpr std::string_view kFilePrefix = "file:";
  if (!n.value.is_string()) fail_expected(n.where, kExpected, n.value);
  const std::string_view s = n.value.get_ref<const std::string&>();
  if (s == "stdio") return {ConsoleKind::Stdio, {}};
  if (s == "none") return {ConsoleKind::None, {}};
  if (!s.starts_with(kFilePrefix)) fail_expected(n.where, kExpected, n.value);
  const std::string_view path = s.substr(kFilePrefix.size());
  if (path.empty()) fail_expected(n.where, R"("file:PATH" with a non-empty PATH)", n.value);
  if (path.find('\0') != std::string_view::npos) {
    fail_expected(n.where, "a path without NUL characters", n.value);
  }
  return {ConsoleKind::File, resolve(path, base_dir)};
}

fs::path as_socket_path(const Node& n, const fs::path& base_dir) {
  fs::path p = as_path(n, base_dir);
  if (p.native().size() > kMaxSocketPathBytes) {
    fail_expected(n.where,
                  "a path of at most " + std::to_string(kMaxSocketPathBytes) +
                      " bytes once made absolute (" + std::to_string(p.native().size()) + ")",
                  n.value);
  }
  return p;
}

const std::string& as_vm_name(const Node& n) {
  const auto fail_name = [&] {
    fail_expected(n.where,
                  "a name of 1 to " + std::to_string(kMaxTrustedVmNameBytes) +
                      " characters from a-z, 0-9 and '-'",
                  n.value);
  };
  if (!n.value.is_string()) fail_name();
  const auto& s = n.value.get_ref<const std::string&>();
  if (s.empty() || s.size() > kMaxTrustedVmNameBytes) fail_name();
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) fail_name();
  }
  return s;
}

const std::string& as_cmdline(const Node& n) { return as_string(n, kMaxCmdlineBytes); }

}  // namespace svmm::config_detail
