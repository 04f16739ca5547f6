// Feeds console input (stdin) to a guest's serial port from a thread of its own, so a vCPU
// never blocks on the terminal. The thread is owned: the destructor wakes it through an
// eventfd and joins it; there are no detached threads (design/architecture.md "Threads").
//
// Backpressure: the UART's receive FIFO is small. Bytes it does not take stay here and are
// offered again every kRetryInterval, and nothing more is read meanwhile, so input pasted
// faster than the guest drains it is delayed, not lost.
//
// At end of input (EOF, e.g. stdin is /dev/null) or on a read error the thread ends and
// finished() turns true; the guest simply receives nothing more.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <thread>

namespace svmm {

class Serial16550;

class ConsoleInput {
 public:
  // Offers bytes to the consumer; returns how many leading bytes it took.
  using Deliver = std::function<std::size_t(std::span<const uint8_t>)>;
  static constexpr std::chrono::milliseconds kRetryInterval{10};

  // Reads `fd` (not owned; it must stay open until destruction) and hands what it reads to
  // `deliver`, on the input thread. `deliver` must not throw. Throws HostError if the
  // wake-up eventfd or the thread cannot be created.
  ConsoleInput(int fd, Deliver deliver);
  // The usual case: feed `serial` (which must outlive this object).
  ConsoleInput(int fd, Serial16550& serial);
  ~ConsoleInput();
  ConsoleInput(const ConsoleInput&) = delete;
  ConsoleInput& operator=(const ConsoleInput&) = delete;

  // True once the input ended (EOF or read error) and the thread stopped reading.
  [[nodiscard]] bool finished() const { return finished_.load(); }

 private:
  void run();
  // Waits until `fd_` is readable (true) or a stop is requested (false).
  [[nodiscard]] bool wait_readable() const;
  // Sleeps for kRetryInterval unless a stop is requested (then returns false).
  [[nodiscard]] bool wait_retry() const;

  int fd_;
  Deliver deliver_;
  int stop_fd_;
  std::atomic<bool> finished_{false};
  std::thread thread_;  // last: started once everything above is initialised
};

}  // namespace svmm
