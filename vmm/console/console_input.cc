#include "vmm/console/console_input.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

#include "devices/serial_16550.h"
#include "vmm/util/error.h"

namespace svmm {

ConsoleInput::ConsoleInput(int fd, Deliver deliver)
    : fd_(fd), deliver_(std::move(deliver)), stop_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (stop_fd_ < 0) {
    throw HostError(std::string("console input: eventfd: ") + std::strerror(errno));
  }
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    ::close(stop_fd_);
    throw HostError(std::string("console input: cannot start thread: ") + e.what());
  }
}

ConsoleInput::ConsoleInput(int fd, Serial16550& serial)
    : ConsoleInput(
          fd, [&serial](std::span<const uint8_t> bytes) { return serial.enqueue_input(bytes); }) {}

ConsoleInput::~ConsoleInput() {
  const uint64_t one = 1;
  // Cannot fail short of a corrupted descriptor: the counter is far from overflowing.
  while (::write(stop_fd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
  thread_.join();
  ::close(stop_fd_);
}

void ConsoleInput::run() {
  std::array<uint8_t, 256> buffer{};
  while (wait_readable()) {
    const ssize_t n = ::read(fd_, buffer.data(), buffer.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n <= 0) break;  // EOF or a real error: no more input will come
    std::span<const uint8_t> pending(buffer.data(), static_cast<std::size_t>(n));
    while (true) {
      pending = pending.subspan(deliver_(pending));
      if (pending.empty()) break;
      if (!wait_retry()) return;
    }
  }
  finished_.store(true);
}

bool ConsoleInput::wait_readable() const {
  std::array<pollfd, 2> fds{{{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}}};
  while (true) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (fds[1].revents != 0) return false;
    // POLLHUP/POLLERR without POLLIN: let read() report EOF or the error.
    if (fds[0].revents != 0) return true;
  }
}

bool ConsoleInput::wait_retry() const {
  pollfd stop{stop_fd_, POLLIN, 0};
  const int r = ::poll(&stop, 1, static_cast<int>(kRetryInterval.count()));
  return !(r > 0 && stop.revents != 0);
}

}  // namespace svmm
