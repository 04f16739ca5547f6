// Runs a program (usually the svmm binary) as a child process, feeds nothing on stdin,
// captures stdout and stderr, and bounds its run time. For tests and benchmarks.
#pragma once

#include <chrono>
#include <filesystem>
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

// A child running in the background with stdout and stderr going to files, for tests that
// interact with it while it runs (signals, sockets). Killed and reaped on destruction.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& out_path,
               const std::string& err_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  [[nodiscard]] int pid() const { return pid_; }
  void signal(int sig) const;
  // The exit status (or 128 + signal), or -1 if it did not end within `timeout`.
  int wait(std::chrono::milliseconds timeout);

 private:
  int pid_ = -1;
  bool reaped_ = false;
};

// Reads a whole file ("" if missing).
std::string read_file(const std::string& path);
// Polls `path` until it contains `needle`; false on timeout.
bool wait_for_text(const std::string& path, const std::string& needle,
                   std::chrono::milliseconds timeout);

// A fresh temporary directory, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  // The same as a filesystem path, for composing paths with `/`.
  [[nodiscard]] std::filesystem::path root() const { return path_; }
  // Writes `content` to `name` (which may hold subdirectories, created as needed) inside the
  // directory and returns the full path.
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
