// Where a device's output bytes go (console stdout, a file, nothing, a test buffer).
#pragma once

#include <cstdint>
#include <span>

namespace svmm {

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void write(std::span<const uint8_t> bytes) = 0;
  virtual void flush() {}
};

}  // namespace svmm
