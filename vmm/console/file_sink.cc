#include "vmm/console/file_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "vmm/console/write_all.h"
#include "vmm/util/error.h"

namespace svmm {

FileSink::FileSink(std::string path)
    : path_(std::move(path)),
      fd_(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {
  if (fd_ < 0) {
    throw UsageError("cannot open console file '" + path_ + "': " + std::strerror(errno));
  }
}

FileSink::~FileSink() { ::close(fd_); }

void FileSink::write(std::span<const uint8_t> bytes) {
  if (!write_all(fd_, bytes)) failed_.store(true, std::memory_order_relaxed);
}

}  // namespace svmm
