#include "vmm/kvm/vcpu_fd.h"

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "vmm/kvm/kvm_error.h"

namespace svmm {

namespace {

template <typename T>
T get_state(int fd, unsigned long request, const char* name) {
  T value{};
  if (::ioctl(fd, request, &value) < 0) throw KvmError(name, errno);
  return value;
}

template <typename T>
void set_state(int fd, unsigned long request, const char* name, const T& value) {
  if (::ioctl(fd, request, &value) < 0) throw KvmError(name, errno);
}

}  // namespace

const char* kvm_exit_reason_name(uint32_t reason) {
  switch (reason) {
    case KVM_EXIT_UNKNOWN: return "KVM_EXIT_UNKNOWN";
    case KVM_EXIT_EXCEPTION: return "KVM_EXIT_EXCEPTION";
    case KVM_EXIT_IO: return "KVM_EXIT_IO";
    case KVM_EXIT_HYPERCALL: return "KVM_EXIT_HYPERCALL";
    case KVM_EXIT_DEBUG: return "KVM_EXIT_DEBUG";
    case KVM_EXIT_HLT: return "KVM_EXIT_HLT";
    case KVM_EXIT_MMIO: return "KVM_EXIT_MMIO";
    case KVM_EXIT_IRQ_WINDOW_OPEN: return "KVM_EXIT_IRQ_WINDOW_OPEN";
    case KVM_EXIT_SHUTDOWN: return "KVM_EXIT_SHUTDOWN";
    case KVM_EXIT_FAIL_ENTRY: return "KVM_EXIT_FAIL_ENTRY";
    case KVM_EXIT_INTR: return "KVM_EXIT_INTR";
    case KVM_EXIT_SET_TPR: return "KVM_EXIT_SET_TPR";
    case KVM_EXIT_TPR_ACCESS: return "KVM_EXIT_TPR_ACCESS";
    case KVM_EXIT_NMI: return "KVM_EXIT_NMI";
    case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
    case KVM_EXIT_SYSTEM_EVENT: return "KVM_EXIT_SYSTEM_EVENT";
    case KVM_EXIT_X86_RDMSR: return "KVM_EXIT_X86_RDMSR";
    case KVM_EXIT_X86_WRMSR: return "KVM_EXIT_X86_WRMSR";
    default: return "KVM_EXIT_(other)";
  }
}

VcpuFd::VcpuFd(UniqueFd fd, int mmap_size) : fd_(std::move(fd)), mmap_size_(mmap_size) {
  void* p = ::mmap(nullptr, static_cast<size_t>(mmap_size), PROT_READ | PROT_WRITE, MAP_SHARED,
                   fd_.get(), 0);
  if (p == MAP_FAILED) throw KvmError("mmap(kvm_run)", errno);
  run_ = static_cast<kvm_run*>(p);
}

VcpuFd::VcpuFd(VcpuFd&& o) noexcept
    : fd_(std::move(o.fd_)),
      run_(std::exchange(o.run_, nullptr)),
      mmap_size_(o.mmap_size_),
      sync_sregs_(o.sync_sregs_) {}

VcpuFd::~VcpuFd() {
  if (run_) ::munmap(run_, static_cast<size_t>(mmap_size_));
}

VcpuExit VcpuFd::run() {
  if (::ioctl(fd_.get(), KVM_RUN, 0) < 0) {
    if (errno == EINTR || errno == EAGAIN) return exit::Interrupted{};
    throw KvmError("KVM_RUN", errno);
  }
  auto* base = reinterpret_cast<uint8_t*>(run_);
  switch (run_->exit_reason) {
    case KVM_EXIT_IO: {
      auto& io = run_->io;
      // data_offset and size come from the kernel, but the page is shared: check the span
      // stays inside the mapping anyway.
      uint64_t len = uint64_t{io.size} * io.count;
      if (io.data_offset > static_cast<uint64_t>(mmap_size_) ||
          len > static_cast<uint64_t>(mmap_size_) - io.data_offset)
        return exit::Unknown{run_->exit_reason};
      std::span<uint8_t> data(base + io.data_offset, static_cast<size_t>(len));
      if (io.direction == KVM_EXIT_IO_IN) return exit::IoIn{io.port, io.size, io.count, data};
      return exit::IoOut{io.port, io.size, io.count, data};
    }
    case KVM_EXIT_MMIO: {
      auto& m = run_->mmio;
      uint32_t len = m.len > sizeof(m.data) ? sizeof(m.data) : m.len;
      std::span<uint8_t> data(m.data, len);
      if (m.is_write) return exit::MmioWrite{m.phys_addr, data};
      return exit::MmioRead{m.phys_addr, data};
    }
    case KVM_EXIT_HLT: return exit::Hlt{};
    case KVM_EXIT_SHUTDOWN: return exit::Shutdown{};
    case KVM_EXIT_INTERNAL_ERROR: return exit::InternalError{run_->internal.suberror};
    case KVM_EXIT_FAIL_ENTRY:
      return exit::FailEntry{run_->fail_entry.hardware_entry_failure_reason};
    case KVM_EXIT_SYSTEM_EVENT: return exit::SystemEvent{run_->system_event.type};
    case KVM_EXIT_INTR: return exit::Interrupted{};
    default: return exit::Unknown{run_->exit_reason};
  }
}

void VcpuFd::enable_sync_sregs() {
  run_->kvm_valid_regs = KVM_SYNC_X86_SREGS;
  sync_sregs_ = true;
}

uint8_t VcpuFd::cpl() const {
  if (sync_sregs_) return run_->s.regs.sregs.ss.dpl;
  return get_sregs().ss.dpl;
}

void VcpuFd::set_immediate_exit(bool on) {
  __atomic_store_n(&run_->immediate_exit, static_cast<uint8_t>(on ? 1 : 0), __ATOMIC_SEQ_CST);
}

void VcpuFd::zero_run_page() {
  // volatile stores: the compiler must not elide them as dead before munmap.
  auto* p = reinterpret_cast<volatile uint8_t*>(run_);
  for (int i = 0; i < mmap_size_; ++i) p[i] = 0;
}

kvm_regs VcpuFd::get_regs() const { return get_state<kvm_regs>(fd_.get(), KVM_GET_REGS, "KVM_GET_REGS"); }
void VcpuFd::set_regs(const kvm_regs& r) const { set_state(fd_.get(), KVM_SET_REGS, "KVM_SET_REGS", r); }
kvm_sregs VcpuFd::get_sregs() const { return get_state<kvm_sregs>(fd_.get(), KVM_GET_SREGS, "KVM_GET_SREGS"); }
void VcpuFd::set_sregs(const kvm_sregs& s) const { set_state(fd_.get(), KVM_SET_SREGS, "KVM_SET_SREGS", s); }
kvm_fpu VcpuFd::get_fpu() const { return get_state<kvm_fpu>(fd_.get(), KVM_GET_FPU, "KVM_GET_FPU"); }
void VcpuFd::set_fpu(const kvm_fpu& f) const { set_state(fd_.get(), KVM_SET_FPU, "KVM_SET_FPU", f); }
kvm_xcrs VcpuFd::get_xcrs() const { return get_state<kvm_xcrs>(fd_.get(), KVM_GET_XCRS, "KVM_GET_XCRS"); }
kvm_debugregs VcpuFd::get_debugregs() const {
  return get_state<kvm_debugregs>(fd_.get(), KVM_GET_DEBUGREGS, "KVM_GET_DEBUGREGS");
}
kvm_lapic_state VcpuFd::get_lapic() const {
  return get_state<kvm_lapic_state>(fd_.get(), KVM_GET_LAPIC, "KVM_GET_LAPIC");
}
void VcpuFd::set_lapic(const kvm_lapic_state& l) const {
  set_state(fd_.get(), KVM_SET_LAPIC, "KVM_SET_LAPIC", l);
}
kvm_vcpu_events VcpuFd::get_vcpu_events() const {
  return get_state<kvm_vcpu_events>(fd_.get(), KVM_GET_VCPU_EVENTS, "KVM_GET_VCPU_EVENTS");
}
kvm_mp_state VcpuFd::get_mp_state() const {
  return get_state<kvm_mp_state>(fd_.get(), KVM_GET_MP_STATE, "KVM_GET_MP_STATE");
}
void VcpuFd::set_mp_state(const kvm_mp_state& s) const {
  set_state(fd_.get(), KVM_SET_MP_STATE, "KVM_SET_MP_STATE", s);
}

std::vector<uint8_t> VcpuFd::get_xsave(uint32_t xsave_size) const {
  if (xsave_size <= sizeof(kvm_xsave)) {
    std::vector<uint8_t> buf(sizeof(kvm_xsave));
    if (::ioctl(fd_.get(), KVM_GET_XSAVE, buf.data()) < 0)
      throw KvmError("KVM_GET_XSAVE", errno);
    return buf;
  }
  std::vector<uint8_t> buf(xsave_size);
  if (::ioctl(fd_.get(), KVM_GET_XSAVE2, buf.data()) < 0)
    throw KvmError("KVM_GET_XSAVE2", errno);
  return buf;
}

std::vector<kvm_msr_entry> VcpuFd::get_msrs(const std::vector<uint32_t>& indices) const {
  size_t bytes = sizeof(kvm_msrs) + indices.size() * sizeof(kvm_msr_entry);
  std::unique_ptr<uint8_t[]> buf(new uint8_t[bytes]());
  auto* msrs = reinterpret_cast<kvm_msrs*>(buf.get());
  msrs->nmsrs = static_cast<uint32_t>(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) msrs->entries[i].index = indices[i];
  int r = ::ioctl(fd_.get(), KVM_GET_MSRS, msrs);
  if (r < 0) throw KvmError("KVM_GET_MSRS", errno);
  return std::vector<kvm_msr_entry>(msrs->entries, msrs->entries + r);
}

void VcpuFd::set_msrs(const std::vector<kvm_msr_entry>& entries) const {
  size_t bytes = sizeof(kvm_msrs) + entries.size() * sizeof(kvm_msr_entry);
  std::unique_ptr<uint8_t[]> buf(new uint8_t[bytes]());
  auto* msrs = reinterpret_cast<kvm_msrs*>(buf.get());
  msrs->nmsrs = static_cast<uint32_t>(entries.size());
  std::memcpy(msrs->entries, entries.data(), entries.size() * sizeof(kvm_msr_entry));
  int r = ::ioctl(fd_.get(), KVM_SET_MSRS, msrs);
  if (r < 0) throw KvmError("KVM_SET_MSRS", errno);
  if (static_cast<size_t>(r) != entries.size())
    throw InternalError("KVM_SET_MSRS set " + std::to_string(r) + " of " +
                        std::to_string(entries.size()) + " MSRs (first refused: 0x" +
                        [&] {
                          char b[16];
                          std::snprintf(b, sizeof b, "%x", entries[static_cast<size_t>(r)].index);
                          return std::string(b);
                        }() + ")");
}

void VcpuFd::set_cpuid2(const std::vector<kvm_cpuid_entry2>& entries) const {
  size_t bytes = sizeof(kvm_cpuid2) + entries.size() * sizeof(kvm_cpuid_entry2);
  std::unique_ptr<uint8_t[]> buf(new uint8_t[bytes]());
  auto* c = reinterpret_cast<kvm_cpuid2*>(buf.get());
  c->nent = static_cast<uint32_t>(entries.size());
  std::memcpy(c->entries, entries.data(), entries.size() * sizeof(kvm_cpuid_entry2));
  if (::ioctl(fd_.get(), KVM_SET_CPUID2, c) < 0) throw KvmError("KVM_SET_CPUID2", errno);
}

}  // namespace svmm
