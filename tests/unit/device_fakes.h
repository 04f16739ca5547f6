// Test doubles shared by the bus, device and console unit tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "devices/irq_line.h"
#include "vmm/bus/bus_device.h"

namespace svmm::fakes {

// Records every level the device drives, to check both the current level and that only
// edges are reported.
class RecordingIrqLine final : public IrqLine {
 public:
  void set_level(bool asserted) override {
    std::lock_guard lock(mutex_);
    levels_.push_back(asserted);
  }
  [[nodiscard]] bool level() const {
    std::lock_guard lock(mutex_);
    return !levels_.empty() && levels_.back();
  }
  [[nodiscard]] std::vector<bool> levels() const {
    std::lock_guard lock(mutex_);
    return levels_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<bool> levels_;
};

// Remembers the last access it saw; reads return offset + index so a test can tell which
// bytes came from where.
class RecordingDevice final : public BusDevice {
 public:
  struct Access {
    bool is_write = false;
    uint64_t offset = 0;
    std::vector<uint8_t> bytes;
    Requester who;
  };

  void read(uint64_t offset, std::span<uint8_t> data, const Requester& who) override {
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(offset + i);
    accesses.push_back({false, offset, {data.begin(), data.end()}, who});
  }
  void write(uint64_t offset, std::span<const uint8_t> data, const Requester& who) override {
    accesses.push_back({true, offset, {data.begin(), data.end()}, who});
  }

  std::vector<Access> accesses;
};

// Polls `done` until it holds or `timeout` passes; returns its last value.
inline bool wait_until(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace svmm::fakes
