// Logging to stderr: one line per message with a timestamp, level and component, as text or as
// one JSON object per line (spec/control.md section 1). Thread-safe; cheap when filtered out.
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <string_view>

namespace svmm::log {

enum class Level { Error = 0, Warn = 1, Info = 2, Debug = 3, Trace = 4 };
enum class Format { Text, Json };

void set_level(Level level);
void set_format(Format format);
[[nodiscard]] Level level();
[[nodiscard]] inline bool enabled(Level l);

void write(Level level, std::string_view component, std::string_view message);

namespace detail {
extern std::atomic<int> g_level;
}
inline bool enabled(Level l) {
  return static_cast<int>(l) <= detail::g_level.load(std::memory_order_relaxed);
}

template <typename... Args>
void error(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::Error)) write(Level::Error, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::Warn)) write(Level::Warn, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::Info)) write(Level::Info, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::Debug)) write(Level::Debug, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void trace(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::Trace)) write(Level::Trace, component, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace svmm::log
