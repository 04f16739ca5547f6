// Writing a whole buffer to a file descriptor, the way a console must: retry on EINTR, resume
// after partial writes, and wait (poll) when a non-blocking descriptor reports EAGAIN, which
// happens when stdout is a terminal or pipe someone else put in O_NONBLOCK mode.
#pragma once

#include <cstdint>
#include <span>

namespace svmm {

// Returns true when every byte was written; false on any other error, with errno set.
[[nodiscard]] bool write_all(int fd, std::span<const uint8_t> bytes);

}  // namespace svmm
