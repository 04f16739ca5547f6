// The control socket's wire protocol (spec/control.md section 3): one JSON object per line in
// each direction. Requests are parsed and checked here, replies and events formatted here;
// nothing here touches the machine, so the parser is unit-tested and fuzzed on its own.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace svmm::control {

inline constexpr size_t kMaxLineBytes = 1 << 20;  // a line longer than this is refused
inline constexpr int kMaxJsonDepth = 64;          // deeper nesting is refused before parsing

enum class ErrorClass { InvalidRequest, CommandNotFound, InvalidArgument, InvalidState, Failed };
[[nodiscard]] const char* error_class_name(ErrorClass c);

// An error that becomes an {"error": ...} reply. Handlers throw it.
struct ControlError {
  ErrorClass cls;
  std::string desc;
};

struct Request {
  std::string execute;
  nlohmann::json arguments = nlohmann::json::object();
  std::optional<nlohmann::json> id;
};

struct BadRequest {
  ControlError error;
  std::optional<nlohmann::json> id;  // echoed when the request got that far
};

// One request line (without its '\n').
[[nodiscard]] std::variant<Request, BadRequest> parse_request(std::string_view line);

// Lines to send, each ending in '\n'.
[[nodiscard]] std::string format_return(const nlohmann::json& value,
                                        const std::optional<nlohmann::json>& id);
[[nodiscard]] std::string format_error(const ControlError& error,
                                       const std::optional<nlohmann::json>& id);
[[nodiscard]] std::string format_event(std::string_view name, const nlohmann::json& data);
[[nodiscard]] std::string format_greeting();

// Argument helpers for handlers: throw ControlError{InvalidArgument} naming the key.
void expect_no_arguments(const nlohmann::json& args);
void expect_only_keys(const nlohmann::json& args, std::initializer_list<std::string_view> keys);
[[nodiscard]] std::optional<uint64_t> optional_uint(const nlohmann::json& args, std::string_view key,
                                                    uint64_t max);

}  // namespace svmm::control
