// A failed KVM ioctl: names the ioctl and carries errno.
#pragma once

#include <string>

#include "vmm/util/error.h"

namespace svmm {

class KvmError : public InternalError {
 public:
  KvmError(const std::string& ioctl_name, int err);
  [[nodiscard]] int error_number() const { return errno_; }

 private:
  int errno_;
};

}  // namespace svmm
