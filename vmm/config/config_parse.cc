// The schema of spec/config.md: one function per JSON section, reading keys in the order the
// spec lists them, so the first error reported is the first in the schema's document order
// (unknown keys of an object come before its values: a typo explains the rest).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "vmm/config/config.h"
#include "vmm/config/config_values.h"
#include "vmm/config/json_reader.h"
#include "vmm/util/error.h"

namespace svmm {

namespace fs = std::filesystem;
using config_detail::as_array;
using config_detail::as_bool;
using config_detail::as_cmdline;
using config_detail::as_console;
using config_detail::as_enum;
using config_detail::as_input_file;
using config_detail::as_path;
using config_detail::as_socket_path;
using config_detail::as_uint;
using config_detail::as_vm_name;
using config_detail::child_pointer;
using config_detail::Json;
using config_detail::Node;
using config_detail::ObjectReader;
using config_detail::PathSet;

namespace {

// A config is a few hundred bytes; anything this large is the wrong file (or /dev/zero).
constexpr std::size_t kMaxConfigBytes = std::size_t{1} << 20;
// The schema is 3 levels deep. The limit keeps every later recursive walk (nlohmann's dump and
// copy, used for messages) far from the stack's end, whatever the input.
constexpr std::size_t kMaxNesting = 64;

struct Context {
  fs::path base_dir;  // absolute
  PathSet& explicit_paths;
};

// ---- JSON syntax -----------------------------------------------------------------------------

[[noreturn]] void syntax_error(std::string_view source, std::string_view text, std::size_t byte,
                               std::string_view what) {
  // `byte` counts the bytes read, the offending one included; make it a 0-based index.
  const std::size_t index = std::min(byte == 0 ? 0 : byte - 1, text.size());
  const std::string_view before = text.substr(0, index);
  const std::size_t line =
      1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const std::size_t last_newline = before.rfind('\n');
  const std::size_t line_start = last_newline == std::string_view::npos ? 0 : last_newline + 1;
  const std::size_t column = index - line_start + 1;
  throw UsageError("config error: " + std::string(source) + ": invalid JSON at line " +
                   std::to_string(line) + ", column " + std::to_string(column) + ": " +
                   config_detail::truncate_utf8(what, 200));
}

// Calls `stop(i)` for each byte index i outside JSON strings (quotes included), in order, until
// it returns true; returns that index. Exact on valid JSON, and a reasonable guess on the rest.
template <class F>
std::optional<std::size_t> scan_outside_strings(std::string_view text, F stop) {
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (stop(i)) return i;
  }
  return std::nullopt;
}

// Refuses nesting deeper than kMaxNesting before nlohmann builds anything.
void check_nesting(std::string_view text, std::string_view source) {
  std::size_t depth = 0;
  const auto too_deep = scan_outside_strings(text, [&](std::size_t i) {
    const char c = text[i];
    if (c == '[' || c == '{') return ++depth > kMaxNesting;
    if ((c == ']' || c == '}') && depth > 0) --depth;
    return false;
  });
  if (too_deep) {
    syntax_error(source, text, *too_deep + 1,
                 "nesting deeper than " + std::to_string(kMaxNesting) + " levels");
  }
}

// nlohmann's message without its "[json.exception.parse_error.101] " tag and "parse error at
// line L, column C: " prefix (we print our own position).
std::string_view nlohmann_text(std::string_view what) {
  if (what.starts_with("[json.exception.")) {
    if (const std::size_t end = what.find("] "); end != std::string_view::npos) {
      what.remove_prefix(end + 2);
    }
  }
  if (what.starts_with("parse error")) {
    if (const std::size_t colon = what.find(": "); colon != std::string_view::npos) {
      what.remove_prefix(colon + 2);
    }
  }
  return what;
}

// Parses strictly (no comments, no trailing data) and refuses duplicate keys, which nlohmann
// would otherwise resolve silently to the last one.
Json parse_json(std::string_view text, std::string_view source) {
  check_nesting(text, source);

  // The position being parsed, to name a duplicate key by its JSON Pointer.
  struct Frame {
    explicit Frame(bool array) : is_array(array) {}
    bool is_array;
    std::size_t index = 0;  // arrays: the element being parsed
    std::string key;        // objects: the member being parsed
    std::set<std::string, std::less<>> keys;
  };
  std::vector<Frame> stack;
  const auto element_done = [&] {
    if (!stack.empty() && stack.back().is_array) ++stack.back().index;
  };
  const auto on_event = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) -> bool {
    switch (event) {
      case Json::parse_event_t::object_start:
        stack.emplace_back(false);
        break;
      case Json::parse_event_t::array_start:
        stack.emplace_back(true);
        break;
      case Json::parse_event_t::key: {
        Frame& top = stack.back();
        top.key = parsed.get<std::string>();
        if (!top.keys.insert(top.key).second) {
          std::string where;
          for (const Frame& f : stack) {
            where = f.is_array ? child_pointer(where, f.index) : child_pointer(where, f.key);
          }
          config_detail::fail(where, "duplicate key");
        }
        break;
      }
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        stack.pop_back();
        element_done();
        break;
      case Json::parse_event_t::value:
        element_done();
        break;
    }
    return true;
  };

  try {
    return Json::parse(text.begin(), text.end(), on_event, /*allow_exceptions=*/true,
                       /*ignore_comments=*/false);
  } catch (const Json::parse_error& e) {
    syntax_error(source, text, e.byte, nlohmann_text(e.what()));
  } catch (const Json::exception& e) {
    // The one other error of the parser, "number overflow parsing '1e999'" (out_of_range.406),
    // carries no position: find the number in the text.
    const std::string_view what = nlohmann_text(e.what());
    const std::size_t open = what.find('\'');
    const std::size_t close = what.rfind('\'');
    if (open != std::string_view::npos && close > open) {
      const std::string_view number = what.substr(open + 1, close - open - 1);
      const auto at = scan_outside_strings(text, [&](std::size_t i) {
        return !number.empty() && text.substr(i).starts_with(number);
      });
      if (at) syntax_error(source, text, *at + 1, what);
    }
    throw UsageError("config error: " + std::string(source) +
                     ": invalid JSON: " + config_detail::truncate_utf8(what, 200));
  }
}

// ---- sections --------------------------------------------------------------------------------

GuestOsConfig parse_guest_os(const Node& node, Context& ctx) {
  const ObjectReader r(node,
                       {"kernel", "boot", "initrd", "cmdline", "vcpus", "memory_mib", "console"},
                       ctx.explicit_paths);
  GuestOsConfig c;
  c.kernel = as_input_file(r.require("kernel"), ctx.base_dir);
  if (auto n = r.get("boot")) c.boot = as_enum<BootProtocol>(*n);
  if (auto n = r.get("initrd")) c.initrd = as_input_file(*n, ctx.base_dir);
  if (auto n = r.get("cmdline")) c.cmdline = as_cmdline(*n);
  if (auto n = r.get("vcpus")) c.vcpus = static_cast<std::uint32_t>(as_uint(*n, 1, kMaxGuestVcpus));
  if (auto n = r.get("memory_mib")) {
    c.memory_mib = as_uint(*n, kMinGuestMemoryMib, kMaxGuestMemoryMib);
  }
  if (auto n = r.get("console")) c.console = as_console(*n, ctx.base_dir);
  return c;
}

TrustedVmConfig parse_trusted_vm(const Node& node, Context& ctx,
                                 std::map<std::string, std::string, std::less<>>& names) {
  const ObjectReader r(node,
                       {"name", "kernel", "boot", "cmdline", "vcpus", "memory_mib", "console"},
                       ctx.explicit_paths);
  TrustedVmConfig c;
  {
    const Node name = r.require("name");
    c.name = as_vm_name(name);
    const auto [it, inserted] = names.emplace(c.name, name.where);
    if (!inserted) {
      config_detail::fail(
          name.where, "duplicate trusted VM name \"" + c.name + "\" (also at " + it->second + ")");
    }
  }
  c.kernel = as_input_file(r.require("kernel"), ctx.base_dir);
  if (auto n = r.get("boot")) c.boot = as_enum<BootProtocol>(*n);
  if (auto n = r.get("cmdline")) c.cmdline = as_cmdline(*n);
  if (auto n = r.get("vcpus")) {
    c.vcpus = static_cast<std::uint32_t>(as_uint(*n, 1, kMaxTrustedVcpus));
  }
  if (auto n = r.get("memory_mib")) {
    c.memory_mib = as_uint(*n, kMinTrustedMemoryMib, kMaxTrustedMemoryMib);
  }
  if (auto n = r.get("console")) c.console = as_console(*n, ctx.base_dir);
  return c;
}

std::vector<TrustedVmConfig> parse_trusted_vms(const Node& node, Context& ctx) {
  const auto& array = as_array(node, kMaxTrustedVms);
  std::vector<TrustedVmConfig> vms;
  std::map<std::string, std::string, std::less<>> names;  // name -> where it was first seen
  for (std::size_t i = 0; i < array.size(); ++i) {
    const Node element{array[i], child_pointer(node.where, i)};
    ctx.explicit_paths.insert(element.where);
    vms.push_back(parse_trusted_vm(element, ctx, names));
  }
  return vms;
}

std::vector<TeardownTrigger> parse_teardown_on(const Node& node, Context& ctx) {
  const auto& array = as_array(node, std::numeric_limits<std::size_t>::max());
  std::vector<TeardownTrigger> triggers;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const Node element{array[i], child_pointer(node.where, i)};
    ctx.explicit_paths.insert(element.where);
    const auto t = as_enum<TeardownTrigger>(element);
    if (std::find(triggers.begin(), triggers.end(), t) != triggers.end()) {
      config_detail::fail(element.where, "duplicate trigger \"" + to_string(t) + "\"");
    }
    triggers.push_back(t);
  }
  return triggers;
}

SecureConfig parse_secure(const Node& node, Context& ctx) {
  const ObjectReader r(node, {"launch", "teardown_on", "scrub_threads"}, ctx.explicit_paths);
  SecureConfig c;
  if (auto n = r.get("launch")) c.launch = as_enum<LaunchMode>(*n);
  if (auto n = r.get("teardown_on")) c.teardown_on = parse_teardown_on(*n, ctx);
  if (auto n = r.get("scrub_threads")) {
    c.scrub_threads = static_cast<std::uint32_t>(as_uint(*n, 0, kMaxScrubThreads));
  }
  return c;
}

HypercallConfig parse_hypercall(const Node& node, Context& ctx) {
  const ObjectReader r(node, {"kernel_only"}, ctx.explicit_paths);
  HypercallConfig c;
  if (auto n = r.get("kernel_only")) c.kernel_only = as_bool(*n);
  return c;
}

ChipsetConfig parse_chipset(const Node& node, Context& ctx) {
  const ObjectReader r(node, {"fuse", "abort_policy", "abort_vector"}, ctx.explicit_paths);
  ChipsetConfig c;
  if (auto n = r.get("fuse")) c.fuse = as_enum<FuseState>(*n);
  if (auto n = r.get("abort_policy")) c.abort_policy = as_enum<AbortPolicy>(*n);
  if (auto n = r.get("abort_vector")) {
    c.abort_vector = static_cast<std::uint8_t>(as_uint(*n, kMinAbortVector, kMaxAbortVector));
  }
  return c;
}

TokenConfig parse_token(const Node& node, Context& ctx) {
  const ObjectReader r(node, {"enabled", "state_dir"}, ctx.explicit_paths);
  TokenConfig c;
  if (auto n = r.get("enabled")) c.enabled = as_bool(*n);
  if (auto n = r.get("state_dir"); n && !n->value.is_null()) {
    c.state_dir = as_path(*n, ctx.base_dir);
  }
  return c;
}

ApiConfig parse_api(const Node& node, Context& ctx) {
  const ObjectReader r(node, {"socket"}, ctx.explicit_paths);
  ApiConfig c;
  if (auto n = r.get("socket"); n && !n->value.is_null()) {
    c.socket = as_socket_path(*n, ctx.base_dir);
  }
  return c;
}

LogConfig parse_log(const Node& node, Context& ctx) {
  const ObjectReader r(node, {"level", "format"}, ctx.explicit_paths);
  LogConfig c;
  if (auto n = r.get("level")) c.level = as_enum<LogLevel>(*n);
  if (auto n = r.get("format")) c.format = as_enum<LogFormat>(*n);
  return c;
}

// Rules that tie two sections together; run after every section is valid on its own.
void check_cross_section(const Config& c) {
  // spec/chipset.md section 5: with the fuse disabled SECURE_LAUNCH fails, so a launch at boot
  // could never happen. Reported at the launch: the fuse is the fixed fact, the launch the wish.
  if (c.chipset.fuse == FuseState::Disabled && c.secure.launch == LaunchMode::Boot) {
    config_detail::fail_expected("/secure/launch", R"("request" while /chipset/fuse is "disabled")",
                                 Json("boot"));
  }
}

Config parse_document(const Json& doc, const fs::path& base_dir) {
  Config config;
  Context ctx{config_detail::absolute_normal(base_dir), config.explicit_paths};
  const ObjectReader root(
      Node{doc, ""},
      {"guest_os", "trusted_vms", "secure", "hypercall", "chipset", "token", "api", "log"},
      config.explicit_paths);
  config.guest_os = parse_guest_os(root.require("guest_os"), ctx);
  if (auto n = root.get("trusted_vms")) config.trusted_vms = parse_trusted_vms(*n, ctx);
  if (auto n = root.get("secure")) config.secure = parse_secure(*n, ctx);
  if (auto n = root.get("hypercall")) config.hypercall = parse_hypercall(*n, ctx);
  if (auto n = root.get("chipset")) config.chipset = parse_chipset(*n, ctx);
  if (auto n = root.get("token")) config.token = parse_token(*n, ctx);
  if (auto n = root.get("api")) config.api = parse_api(*n, ctx);
  if (auto n = root.get("log")) config.log = parse_log(*n, ctx);
  check_cross_section(config);
  return config;
}

// The whole file, or UsageError with strerror. Not std::ifstream: it loses errno.
std::string read_file(const fs::path& path) {
  const auto cannot_read = [&](const std::string& reason) {
    return UsageError("config error: cannot read '" + path.string() + "': " + reason);
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw cannot_read(std::strerror(errno));
  std::string text;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw cannot_read(std::strerror(err));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > kMaxConfigBytes) {
      ::close(fd);
      throw cannot_read("larger than " + std::to_string(kMaxConfigBytes >> 20) + " MiB");
    }
  }
  ::close(fd);
  return text;
}

}  // namespace

Config parse_config(std::string_view text, const fs::path& base_dir, std::string_view source_name) {
  const Json doc = parse_json(text, source_name);
  return parse_document(doc, base_dir);
}

Config load_config(const fs::path& file) {
  const fs::path abs = config_detail::absolute_normal(file);
  const std::string text = read_file(abs);
  Config config = parse_config(text, abs.parent_path(), abs.string());
  config.source = abs;
  return config;
}

Config default_config() { return Config{}; }

void refuse_if_set(const Config& config, std::string_view json_pointer) {
  if (config.is_set(json_pointer)) config_detail::fail(json_pointer, "not supported yet");
}

}  // namespace svmm
