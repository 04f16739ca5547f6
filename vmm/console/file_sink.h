// A console sink appending to a file (a trusted VM's console, or the guest OS console when
// the configuration names a file). The file is created if missing (mode 0644 before umask)
// and appended to, never truncated, so several runs can share one log.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>

#include "devices/sink.h"

namespace svmm {

class FileSink final : public Sink {
 public:
  // Throws UsageError naming `path` and the reason when the file cannot be opened: the path
  // comes from the configuration, so a bad one is the user's to fix.
  explicit FileSink(std::string path);
  ~FileSink() override;
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  // Errors while running do not stop the guest: the bytes are dropped and failed() turns true.
  void write(std::span<const uint8_t> bytes) override;
  [[nodiscard]] bool failed() const { return failed_.load(std::memory_order_relaxed); }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_;
  std::atomic<bool> failed_{false};
};

}  // namespace svmm
