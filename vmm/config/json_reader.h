// Typed, path-qualified reads of a parsed JSON document. Every check of the schema goes through
// one of these functions, so each kind of error is phrased in exactly one place:
//   config error at /guest_os/vcpus: expected an integer from 1 to 64, got 16.5
// Internal to vmm/config/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "vmm/config/enum_names.h"

namespace svmm::config_detail {

using Json = nlohmann::json;
using PathSet = std::set<std::string, std::less<>>;

// How much of an offending value a message quotes.
inline constexpr std::size_t kMaxQuotedBytes = 60;

// `where` is a JSON Pointer ("/guest_os/vcpus"; "" is the top level) or a command-line flag
// ("--memory"): values from flags go through the same checks and name the flag instead.
[[noreturn]] void fail(std::string_view where, std::string_view message);
// "expected <expected>, got <value dumped compactly>".
[[noreturn]] void fail_expected(std::string_view where, std::string_view expected, const Json& got);

// The value as compact JSON, cut to about kMaxQuotedBytes (on a UTF-8 boundary, with "...").
[[nodiscard]] std::string describe(const Json& value);
// `text` cut the same way.
[[nodiscard]] std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

// JSON Pointer of a member or an element (RFC 6901: "~" -> "~0", "/" -> "~1").
[[nodiscard]] std::string child_pointer(std::string_view parent, std::string_view key);
[[nodiscard]] std::string child_pointer(std::string_view parent, std::size_t index);

// A value and where it is.
struct Node {
  const Json& value;
  std::string where;
};

// Conversions: each returns the value or throws UsageError naming `n.where`.
[[nodiscard]] std::uint64_t as_uint(const Node& n, std::uint64_t min, std::uint64_t max);
[[nodiscard]] bool as_bool(const Node& n);
// A string of at most `max_bytes` bytes without NUL (which would cut it short in C APIs).
[[nodiscard]] const std::string& as_string(const Node& n, std::size_t max_bytes);
[[nodiscard]] const Json::array_t& as_array(const Node& n, std::size_t max_entries);

template <class E>
[[nodiscard]] E as_enum(const Node& n) {
  if (n.value.is_string()) {
    if (auto v = lookup_enum<E>(n.value.get_ref<const std::string&>())) return *v;
  }
  fail_expected(n.where, expected_one_of<E>(), n.value);
}

// One JSON object of the schema. Construction checks that the value is an object and that every
// key is one of `allowed` (a typo must not be silently ignored); get() records each key present
// in `explicit_paths`.
class ObjectReader {
 public:
  ObjectReader(const Node& node, std::initializer_list<std::string_view> allowed,
               PathSet& explicit_paths);

  [[nodiscard]] std::optional<Node> get(std::string_view key) const;
  [[nodiscard]] Node require(std::string_view key) const;
  [[nodiscard]] const std::string& where() const { return where_; }

 private:
  const Json& object_;
  std::string where_;
  PathSet& explicit_paths_;
};

}  // namespace svmm::config_detail
