#include "vmm/control/protocol.h"

#include <chrono>

#include "protocol/cpuid.h"

namespace svmm::control {

namespace {

using nlohmann::json;

// Nesting depth of JSON text, counted outside strings. nlohmann's DOM is recursive: a bound
// before parsing keeps a hostile 10,000-deep line from exhausting the stack.
int max_depth(std::string_view s) {
  int depth = 0, max = 0;
  bool in_string = false, escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') max = std::max(max, ++depth);
    else if (c == ']' || c == '}') --depth;
  }
  return max;
}

std::string dump(const json& j) {
  // Invalid UTF-8 from a client never makes svmm throw while answering it.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

const char* error_class_name(ErrorClass c) {
  switch (c) {
    case ErrorClass::InvalidRequest: return "InvalidRequest";
    case ErrorClass::CommandNotFound: return "CommandNotFound";
    case ErrorClass::InvalidArgument: return "InvalidArgument";
    case ErrorClass::InvalidState: return "InvalidState";
    case ErrorClass::Failed: return "Failed";
  }
  return "Failed";
}

std::variant<Request, BadRequest> parse_request(std::string_view line) {
  auto bad = [](std::string desc, std::optional<json> id = std::nullopt) {
    return BadRequest{{ErrorClass::InvalidRequest, std::move(desc)}, std::move(id)};
  };
  if (line.size() > kMaxLineBytes) return bad("line longer than 1 MiB");
  if (max_depth(line) > kMaxJsonDepth) return bad("JSON nested deeper than 64 levels");
  json j = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return bad("not JSON");
  if (!j.is_object()) return bad("a request is a JSON object");
  std::optional<json> id;
  if (j.contains("id")) id = j["id"];
  for (const auto& [key, value] : j.items())
    if (key != "execute" && key != "arguments" && key != "id")
      return bad("unknown key '" + key + "'", id);
  if (!j.contains("execute") || !j["execute"].is_string())
    return bad("'execute' must be a string naming a command", id);
  Request r;
  r.execute = j["execute"].get<std::string>();
  r.id = id;
  if (j.contains("arguments")) {
    if (!j["arguments"].is_object()) return bad("'arguments' must be an object", id);
    r.arguments = j["arguments"];
  }
  return r;
}

std::string format_return(const json& value, const std::optional<json>& id) {
  json j = {{"return", value}};
  if (id) j["id"] = *id;
  return dump(j) + "\n";
}

std::string format_error(const ControlError& e, const std::optional<json>& id) {
  json j = {{"error", {{"class", error_class_name(e.cls)}, {"desc", e.desc}}}};
  if (id) j["id"] = *id;
  return dump(j) + "\n";
}

std::string format_event(std::string_view name, const json& data) {
  using namespace std::chrono;
  const auto us = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  json j = {{"event", name},
            {"data", data},
            {"timestamp", {{"seconds", us / 1000000}, {"microseconds", us % 1000000}}}};
  return dump(j) + "\n";
}

std::string format_greeting() {
  json j = {{"svmm", {{"version", SVMM_VERSION}, {"abi", SVMM_ABI_VERSION}}}};
  return dump(j) + "\n";
}

void expect_no_arguments(const json& args) { expect_only_keys(args, {}); }

void expect_only_keys(const json& args, std::initializer_list<std::string_view> keys) {
  for (const auto& [key, value] : args.items()) {
    bool known = false;
    for (auto k : keys) known = known || key == k;
    if (!known) throw ControlError{ErrorClass::InvalidArgument, "unknown argument '" + key + "'"};
  }
}

std::optional<uint64_t> optional_uint(const json& args, std::string_view key, uint64_t max) {
  auto it = args.find(key);
  if (it == args.end()) return std::nullopt;
  if (!it->is_number_unsigned() || it->get<uint64_t>() > max)
    throw ControlError{ErrorClass::InvalidArgument,
                       "'" + std::string(key) + "' must be an integer from 0 to " +
                           std::to_string(max) + ", got " + dump(*it)};
  return it->get<uint64_t>();
}

}  // namespace svmm::control
