#include "vmm/console/stdout_sink.h"

#include "vmm/console/write_all.h"

namespace svmm {

void StdoutSink::write(std::span<const uint8_t> bytes) {
  if (!write_all(fd_, bytes)) failed_.store(true, std::memory_order_relaxed);
}

}  // namespace svmm
