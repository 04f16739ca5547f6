// A sink that discards everything: a console nobody wants to see.
#pragma once

#include <cstdint>
#include <span>

#include "devices/sink.h"

namespace svmm {

class NullSink final : public Sink {
 public:
  void write(std::span<const uint8_t> /*bytes*/) override {}
};

}  // namespace svmm
