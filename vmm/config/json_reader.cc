#include "vmm/config/json_reader.h"

#include <string>

#include "vmm/util/error.h"

namespace svmm::config_detail {

namespace {

// A pointer as shown in a message: one line and of bounded length whatever the keys hold. (The
// pointers recorded in Config::explicit_paths stay exact.)
std::string displayable(std::string_view where) {
  static constexpr std::size_t kMaxWhereBytes = 120;
  std::string out;
  for (char c : where) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return truncate_utf8(out, kMaxWhereBytes);
}

}  // namespace

void fail(std::string_view where, std::string_view message) {
  std::string text;
  if (where.starts_with("--")) {
    text.append(where).append(": ");  // a command-line flag
  } else if (where.empty()) {
    text = "config error at the top level: ";  // "" is the whole document in JSON Pointer
  } else {
    text.append("config error at ").append(displayable(where)).append(": ");
  }
  text.append(message);
  throw UsageError(text);
}

void fail_expected(std::string_view where, std::string_view expected, const Json& got) {
  std::string message = "expected ";
  message.append(expected).append(", got ").append(describe(got));
  fail(where, message);
}

std::string truncate_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes > 3 ? max_bytes - 3 : 0;
  // Back up to the start of a UTF-8 sequence so the message stays valid UTF-8.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  std::string out(text.substr(0, cut));
  out += "...";
  return out;
}

std::string describe(const Json& value) {
  // `replace`: never throw on invalid UTF-8 while building an error message (the parser already
  // rejects it, but values from the command line are not parsed JSON).
  return truncate_utf8(value.dump(-1, ' ', false, Json::error_handler_t::replace), kMaxQuotedBytes);
}

std::string child_pointer(std::string_view parent, std::string_view key) {
  std::string out(parent);
  out += '/';
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string child_pointer(std::string_view parent, std::size_t index) {
  std::string out(parent);
  out += '/';
  out += std::to_string(index);
  return out;
}

std::uint64_t as_uint(const Node& n, std::uint64_t min, std::uint64_t max) {
  // nlohmann stores non-negative integers as unsigned, negative ones as signed, and anything
  // with a fraction, an exponent or beyond 64 bits as a float: only the first kind can fit.
  if (n.value.is_number_unsigned()) {
    const auto v = n.value.get<std::uint64_t>();
    if (v >= min && v <= max) return v;
  }
  fail_expected(n.where, "an integer from " + std::to_string(min) + " to " + std::to_string(max),
                n.value);
}

bool as_bool(const Node& n) {
  if (!n.value.is_boolean()) fail_expected(n.where, "true or false", n.value);
  return n.value.get<bool>();
}

const std::string& as_string(const Node& n, std::size_t max_bytes) {
  if (!n.value.is_string()) fail_expected(n.where, "a string", n.value);
  const auto& s = n.value.get_ref<const std::string&>();
  if (s.size() > max_bytes) {
    fail(n.where, "expected a string of at most " + std::to_string(max_bytes) +
                      " bytes, got a string of " + std::to_string(s.size()) + " bytes");
  }
  if (s.find('\0') != std::string::npos) {
    fail_expected(n.where, "a string without NUL characters", n.value);
  }
  return s;
}

const Json::array_t& as_array(const Node& n, std::size_t max_entries) {
  if (!n.value.is_array()) fail_expected(n.where, "an array", n.value);
  const auto& a = n.value.get_ref<const Json::array_t&>();
  if (a.size() > max_entries) {
    fail(n.where, "expected an array of at most " + std::to_string(max_entries) + " entries, got " +
                      std::to_string(a.size()));
  }
  return a;
}

ObjectReader::ObjectReader(const Node& node, std::initializer_list<std::string_view> allowed,
                           PathSet& explicit_paths)
    : object_(node.value), where_(node.where), explicit_paths_(explicit_paths) {
  if (!object_.is_object()) fail_expected(where_, "an object", object_);
  // Keys come in std::map order, so the first unknown key reported is deterministic.
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    const std::string& key = it.key();
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (known) continue;
    std::string message = "unknown key (allowed here: ";
    bool first = true;
    for (std::string_view a : allowed) {
      if (!first) message += ", ";
      first = false;
      message += a;
    }
    message += ')';
    fail(child_pointer(where_, key), message);
  }
}

std::optional<Node> ObjectReader::get(std::string_view key) const {
  const auto it = object_.find(key);
  if (it == object_.end()) return std::nullopt;
  Node n{*it, child_pointer(where_, key)};
  explicit_paths_.insert(n.where);
  return n;
}

Node ObjectReader::require(std::string_view key) const {
  if (auto n = get(key)) return std::move(*n);
  fail(child_pointer(where_, key), "missing required key");
}

}  // namespace svmm::config_detail
