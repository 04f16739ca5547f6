// How the parsers say "this image is malformed" (loader internal). They throw ImageRejected
// carrying only the reason; the public entry points (image.cc) add the path and turn it into
// the UsageError of spec/guest-abi.md section 1. ImageRejected never leaves vmm/loader/.
#pragma once

#include <stdexcept>
#include <string>

namespace svmm::loader {

class ImageRejected : public std::runtime_error {
 public:
  explicit ImageRejected(const std::string& reason) : std::runtime_error(reason) {}
};

[[noreturn]] inline void reject(const std::string& reason) { throw ImageRejected(reason); }

}  // namespace svmm::loader
