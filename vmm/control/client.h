// A client of the control socket, for `svmm ctl`: connects, reads the greeting, sends one
// request and reads lines (replies and events).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "vmm/util/unique_fd.h"

namespace svmm::control {

class Client {
 public:
  // Connects and reads the greeting. Throws UsageError with the reason.
  explicit Client(const std::string& path);

  void send(const nlohmann::json& request);
  // The next line as JSON; nullopt when the server closed the socket. Throws UsageError on a
  // timeout (when given) or garbage from the server.
  std::optional<nlohmann::json> next(std::optional<std::chrono::milliseconds> timeout = {});

  [[nodiscard]] const nlohmann::json& greeting() const { return greeting_; }

 private:
  UniqueFd fd_;
  std::string buffer_;
  nlohmann::json greeting_;
};

}  // namespace svmm::control
