#include "vmm/util/log.h"

#include <unistd.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace svmm::log {

namespace detail {
std::atomic<int> g_level{static_cast<int>(Level::Info)};
}

namespace {
std::atomic<int> g_format{static_cast<int>(Format::Text)};
std::mutex g_mutex;

const char* name(Level l) {
  switch (l) {
    case Level::Error: return "error";
    case Level::Warn: return "warn";
    case Level::Info: return "info";
    case Level::Debug: return "debug";
    case Level::Trace: return "trace";
  }
  return "?";
}
}  // namespace

void set_level(Level l) { detail::g_level.store(static_cast<int>(l)); }
void set_format(Format f) { g_format.store(static_cast<int>(f)); }
Level level() { return static_cast<Level>(detail::g_level.load()); }

void write(Level l, std::string_view component, std::string_view message) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto us = duration_cast<microseconds>(now.time_since_epoch()).count();
  std::string line;
  if (static_cast<Format>(g_format.load()) == Format::Json) {
    nlohmann::json j = {{"timestamp", {{"seconds", us / 1000000}, {"microseconds", us % 1000000}}},
                        {"level", name(l)},
                        {"component", component},
                        {"message", message}};
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  } else {
    std::time_t secs = static_cast<std::time_t>(us / 1000000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    line = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z {:5} {}: {}\n",
                       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                       tm.tm_sec, us % 1000000, name(l), component, message);
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(2, line.data() + off, line.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
}

}  // namespace svmm::log
