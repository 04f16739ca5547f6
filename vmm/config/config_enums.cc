// to_string / enum_from_string over the tables of enum_names.h.
#include "vmm/config/config.h"
#include "vmm/config/enum_names.h"

namespace svmm {

using config_detail::enum_name;

std::string to_string(BootProtocol v) { return std::string(enum_name(v)); }
std::string to_string(ConsoleKind v) { return std::string(enum_name(v)); }
std::string to_string(LaunchMode v) { return std::string(enum_name(v)); }
std::string to_string(TeardownTrigger v) { return std::string(enum_name(v)); }
std::string to_string(FuseState v) { return std::string(enum_name(v)); }
std::string to_string(AbortPolicy v) { return std::string(enum_name(v)); }
std::string to_string(LogLevel v) { return std::string(enum_name(v)); }
std::string to_string(LogFormat v) { return std::string(enum_name(v)); }

std::string to_string(const ConsoleConfig& v) {
  if (v.kind == ConsoleKind::File) return "file:" + v.path.string();
  return to_string(v.kind);
}

template <class E>
std::optional<E> enum_from_string(std::string_view name) {
  return config_detail::lookup_enum<E>(name);
}

// ConsoleKind is left out on purpose: "file" alone is not a valid console value.
template std::optional<BootProtocol> enum_from_string<BootProtocol>(std::string_view);
template std::optional<LaunchMode> enum_from_string<LaunchMode>(std::string_view);
template std::optional<TeardownTrigger> enum_from_string<TeardownTrigger>(std::string_view);
template std::optional<FuseState> enum_from_string<FuseState>(std::string_view);
template std::optional<AbortPolicy> enum_from_string<AbortPolicy>(std::string_view);
template std::optional<LogLevel> enum_from_string<LogLevel>(std::string_view);
template std::optional<LogFormat> enum_from_string<LogFormat>(std::string_view);

bool SecureConfig::listed(TeardownTrigger t) const {
  for (TeardownTrigger x : teardown_on) {
    if (x == t) return true;
  }
  return false;
}

bool SecureConfig::tears_down_on(TeardownTrigger t) const {
  // spec/guest-abi.md section 6: these tear down whatever teardown_on says.
  if (t == TeardownTrigger::Signal || t == TeardownTrigger::GuestCrash) return true;
  return listed(t);
}

}  // namespace svmm
