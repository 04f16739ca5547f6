// The one table per enum that maps config strings to values. Parsing, error messages
// ("expected one of ...") and to_string all read these, so a name is written exactly once.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "vmm/config/config.h"

namespace svmm::config_detail {

template <class E>
struct EnumName {
  E value;
  std::string_view name;
};

template <class E>
struct EnumNames;  // specialised below: `static constexpr std::array<EnumName<E>, N> all`

template <>
struct EnumNames<BootProtocol> {
  static constexpr std::array<EnumName<BootProtocol>, 4> all{{
      {BootProtocol::Auto, "auto"},
      {BootProtocol::Linux, "linux"},
      {BootProtocol::Pvh, "pvh"},
      {BootProtocol::Multiboot, "multiboot"},
  }};
};

template <>
struct EnumNames<ConsoleKind> {
  static constexpr std::array<EnumName<ConsoleKind>, 3> all{{
      {ConsoleKind::Stdio, "stdio"},
      {ConsoleKind::File, "file"},
      {ConsoleKind::None, "none"},
  }};
};

template <>
struct EnumNames<LaunchMode> {
  static constexpr std::array<EnumName<LaunchMode>, 2> all{{
      {LaunchMode::Request, "request"},
      {LaunchMode::Boot, "boot"},
  }};
};

// spec/guest-abi.md section 6, in code order.
template <>
struct EnumNames<TeardownTrigger> {
  static constexpr std::array<EnumName<TeardownTrigger>, 8> all{{
      {TeardownTrigger::GuestRequest, "guest-request"},
      {TeardownTrigger::Breach, "breach"},
      {TeardownTrigger::Poweroff, "poweroff"},
      {TeardownTrigger::Sleep, "sleep"},
      {TeardownTrigger::Control, "control"},
      {TeardownTrigger::Signal, "signal"},
      {TeardownTrigger::TrustedFault, "trusted-fault"},
      {TeardownTrigger::GuestCrash, "guest-crash"},
  }};
};

template <>
struct EnumNames<FuseState> {
  static constexpr std::array<EnumName<FuseState>, 2> all{{
      {FuseState::Enabled, "enabled"},
      {FuseState::Disabled, "disabled"},
  }};
};

template <>
struct EnumNames<AbortPolicy> {
  static constexpr std::array<EnumName<AbortPolicy>, 6> all{{
      {AbortPolicy::AllOnes, "all-ones"},
      {AbortPolicy::AllZeros, "all-zeros"},
      {AbortPolicy::ErrorCode, "error-code"},
      {AbortPolicy::Interrupt, "interrupt"},
      {AbortPolicy::Teardown, "teardown"},
      {AbortPolicy::Reset, "reset"},
  }};
};

template <>
struct EnumNames<LogLevel> {
  static constexpr std::array<EnumName<LogLevel>, 5> all{{
      {LogLevel::Error, "error"},
      {LogLevel::Warn, "warn"},
      {LogLevel::Info, "info"},
      {LogLevel::Debug, "debug"},
      {LogLevel::Trace, "trace"},
  }};
};

template <>
struct EnumNames<LogFormat> {
  static constexpr std::array<EnumName<LogFormat>, 2> all{{
      {LogFormat::Text, "text"},
      {LogFormat::Json, "json"},
  }};
};

template <class E>
[[nodiscard]] std::optional<E> lookup_enum(std::string_view name) {
  for (const auto& e : EnumNames<E>::all) {
    if (e.name == name) return e.value;
  }
  return std::nullopt;
}

template <class E>
[[nodiscard]] std::string_view enum_name(E value) {
  for (const auto& e : EnumNames<E>::all) {
    if (e.value == value) return e.name;
  }
  return "?";  // unreachable for a valid enumerator; never throw from a log helper
}

// `one of "auto", "linux", "pvh", "multiboot"`, for error messages.
template <class E>
[[nodiscard]] std::string expected_one_of() {
  std::string out = "one of ";
  bool first = true;
  for (const auto& e : EnumNames<E>::all) {
    if (!first) out += ", ";
    first = false;
    out += '"';
    out += e.name;
    out += '"';
  }
  return out;
}

}  // namespace svmm::config_detail
