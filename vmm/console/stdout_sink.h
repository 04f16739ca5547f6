// The console sink of the guest OS: bytes go to a descriptor svmm does not own (stdout by
// default), unbuffered, so a prompt without a newline shows up at once.
//
// A failing descriptor (stdout closed, EPIPE, disk full) must not stop the guest, so errors
// are remembered, not thrown: the byte is dropped and failed() turns true. Writing to a
// closed pipe raises SIGPIPE unless the process ignores it; main() is expected to.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <span>

#include "devices/sink.h"

namespace svmm {

class StdoutSink final : public Sink {
 public:
  explicit StdoutSink(int fd = STDOUT_FILENO) : fd_(fd) {}

  void write(std::span<const uint8_t> bytes) override;
  [[nodiscard]] bool failed() const { return failed_.load(std::memory_order_relaxed); }

 private:
  int fd_;
  std::atomic<bool> failed_{false};
};

}  // namespace svmm
