#include "vmm/kvm/kvm.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "vmm/kvm/kvm_error.h"
#include "vmm/kvm/vm_fd.h"
#include "vmm/util/error.h"

namespace svmm {

const std::vector<KvmCapability>& required_capabilities() {
  static const std::vector<KvmCapability> caps = {
      {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
      {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
      {KVM_CAP_PIT2, "KVM_CAP_PIT2"},
      {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
      {KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR"},
      {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
      {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
      {KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE"},
      {KVM_CAP_VCPU_EVENTS, "KVM_CAP_VCPU_EVENTS"},
      {KVM_CAP_DEBUGREGS, "KVM_CAP_DEBUGREGS"},
      {KVM_CAP_XSAVE, "KVM_CAP_XSAVE"},
      {KVM_CAP_XCRS, "KVM_CAP_XCRS"},
      {KVM_CAP_GET_MSR_FEATURES, "KVM_CAP_GET_MSR_FEATURES"},
  };
  return caps;
}

std::string Kvm::default_device() {
  const char* env = std::getenv("SVMM_KVM_DEVICE");
  return env && *env ? env : "/dev/kvm";
}

Kvm::Kvm(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string hint;
    if (err == ENOENT)
      hint = " (is the kvm module loaded? try 'modprobe kvm_intel' or 'modprobe kvm_amd')";
    else if (err == EACCES || err == EPERM)
      hint = " (add your user to the 'kvm' group or run as root)";
    throw HostError("cannot open " + path + ": " + std::strerror(err) + hint);
  }
  fd_.reset(fd);
  int version = api_version();
  if (version != KVM_API_VERSION)
    throw HostError("unsupported KVM API version " + std::to_string(version) + " (need " +
                    std::to_string(KVM_API_VERSION) + ")");
}

int Kvm::api_version() const {
  int r = ::ioctl(fd_.get(), KVM_GET_API_VERSION, 0);
  if (r < 0) throw KvmError("KVM_GET_API_VERSION", errno);
  return r;
}

int Kvm::check_extension(int cap) const {
  int r = ::ioctl(fd_.get(), KVM_CHECK_EXTENSION, cap);
  return r < 0 ? 0 : r;
}

void Kvm::check_required_capabilities() const {
  for (const auto& cap : required_capabilities())
    if (check_extension(cap.id) <= 0)
      throw HostError(std::string("the host KVM lacks the required capability ") + cap.name);
}

int Kvm::vcpu_mmap_size() const {
  int r = ::ioctl(fd_.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
  if (r < 0) throw KvmError("KVM_GET_VCPU_MMAP_SIZE", errno);
  return r;
}

std::vector<kvm_cpuid_entry2> Kvm::supported_cpuid() const {
  // Grow the buffer until KVM stops answering E2BIG.
  for (uint32_t n = 128; n <= 4096; n *= 2) {
    size_t bytes = sizeof(kvm_cpuid2) + n * sizeof(kvm_cpuid_entry2);
    std::unique_ptr<uint8_t[]> buf(new uint8_t[bytes]());
    auto* cpuid = reinterpret_cast<kvm_cpuid2*>(buf.get());
    cpuid->nent = n;
    if (::ioctl(fd_.get(), KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
      return std::vector<kvm_cpuid_entry2>(cpuid->entries, cpuid->entries + cpuid->nent);
    if (errno != E2BIG) throw KvmError("KVM_GET_SUPPORTED_CPUID", errno);
  }
  throw KvmError("KVM_GET_SUPPORTED_CPUID", E2BIG);
}

namespace {
std::vector<uint32_t> msr_list(int fd, unsigned long request, const char* name) {
  kvm_msr_list probe{};
  probe.nmsrs = 0;
  if (::ioctl(fd, request, &probe) < 0 && errno != E2BIG) throw KvmError(name, errno);
  uint32_t n = probe.nmsrs;
  std::unique_ptr<uint8_t[]> buf(new uint8_t[sizeof(kvm_msr_list) + n * sizeof(uint32_t)]());
  auto* list = reinterpret_cast<kvm_msr_list*>(buf.get());
  list->nmsrs = n;
  if (::ioctl(fd, request, list) < 0) throw KvmError(name, errno);
  return std::vector<uint32_t>(list->indices, list->indices + list->nmsrs);
}
}  // namespace

std::vector<uint32_t> Kvm::msr_index_list() const {
  return msr_list(fd_.get(), KVM_GET_MSR_INDEX_LIST, "KVM_GET_MSR_INDEX_LIST");
}

std::vector<uint32_t> Kvm::msr_feature_index_list() const {
  return msr_list(fd_.get(), KVM_GET_MSR_FEATURE_INDEX_LIST, "KVM_GET_MSR_FEATURE_INDEX_LIST");
}

VmFd Kvm::create_vm() const {
  int fd = ::ioctl(fd_.get(), KVM_CREATE_VM, 0);
  if (fd < 0) throw KvmError("KVM_CREATE_VM", errno);
  return VmFd(UniqueFd(fd), vcpu_mmap_size());
}

}  // namespace svmm
