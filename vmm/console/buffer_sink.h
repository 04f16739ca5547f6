// A sink that keeps everything in memory, for tests that check what a guest printed. Safe to
// write from a vCPU thread while the test thread reads contents().
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <string>

#include "devices/sink.h"

namespace svmm {

class BufferSink final : public Sink {
 public:
  void write(std::span<const uint8_t> bytes) override {
    std::lock_guard lock(mutex_);
    data_.append(bytes.begin(), bytes.end());
  }
  [[nodiscard]] std::string contents() const {
    std::lock_guard lock(mutex_);
    return data_;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    data_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::string data_;
};

}  // namespace svmm
