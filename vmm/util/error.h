// Setup errors: they carry context and the exit status they map to (spec/control.md section 2),
// and become one clear message at the top (main). Errors that cross the guest boundary are
// values, not exceptions.
#pragma once

#include <stdexcept>
#include <string>

#include "protocol/exit_status.h"

namespace svmm {

class Error : public std::runtime_error {
 public:
  Error(int exit_status, const std::string& message)
      : std::runtime_error(message), exit_status_(exit_status) {}
  [[nodiscard]] int exit_status() const { return exit_status_; }

 private:
  int exit_status_;
};

// The configuration or the command line is wrong: nothing was started (exit 2).
struct UsageError : Error {
  explicit UsageError(const std::string& m) : Error(SVMM_EXIT_USAGE, m) {}
};
// The host cannot run svmm: /dev/kvm missing, a capability missing (exit 4).
struct HostError : Error {
  explicit HostError(const std::string& m) : Error(SVMM_EXIT_HOST, m) {}
};
// svmm itself failed (exit 8).
struct InternalError : Error {
  explicit InternalError(const std::string& m) : Error(SVMM_EXIT_INTERNAL, m) {}
};

}  // namespace svmm
