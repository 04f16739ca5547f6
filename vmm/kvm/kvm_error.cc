#include "vmm/kvm/kvm_error.h"

#include <cstring>

namespace svmm {

KvmError::KvmError(const std::string& ioctl_name, int err)
    : InternalError(ioctl_name + " failed: " + std::strerror(err)), errno_(err) {}

}  // namespace svmm
