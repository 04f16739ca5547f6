// Runs a program (usually the svmm binary) as a child process, feeds nothing on stdin,
// captures stdout and stderr, and bounds its run time. For tests and benchmarks.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace svmm::test {

struct ProcessResult {
  int exit_status = -1;  // the exit status, or 128 + signal number when killed by a signal
  bool timed_out = false;
  std::string out;
  std::string err;
};

ProcessResult run_process(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A fresh temporary directory, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  // Writes `content` to `name` inside the directory and returns the full path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

[[nodiscard]] bool kvm_available(std::string* why = nullptr);

}  // namespace svmm::test

// KVM tests run wherever /dev/kvm exists; they skip, saying why, only where it does not.
#define SVMM_REQUIRE_KVM()                                        \
  do {                                                            \
    std::string why_;                                             \
    if (!::svmm::test::kvm_available(&why_)) GTEST_SKIP() << why_; \
  } while (0)
