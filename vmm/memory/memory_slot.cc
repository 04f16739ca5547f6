#include "vmm/memory/memory_slot.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "vmm/kvm/vm_fd.h"
#include "vmm/memory/huge_mapping.h"
#include "vmm/util/error.h"

namespace svmm {

MemorySlot::MemorySlot(const VmFd* vm, uint32_t slot, GuestAddress base, uint64_t size,
                       MemoryProtection protection)
    : vm_(vm), slot_(slot), base_(base), size_(size), protection_(protection) {
  if (size == 0 || !base.checked_add(size))
    throw InternalError("invalid memory slot range at 0x" + std::to_string(base.value()));
  host_ = map_huge_aligned(size);
  try {
    if (protection == MemoryProtection::Trusted) {
      // Never swapped, never in a core dump, zero in any forked child.
      if (::madvise(host_, size, MADV_DONTDUMP) != 0)
        throw InternalError(std::string("madvise(MADV_DONTDUMP) on trusted memory: ") +
                            std::strerror(errno));
      if (::madvise(host_, size, MADV_WIPEONFORK) != 0)
        throw InternalError(std::string("madvise(MADV_WIPEONFORK) on trusted memory: ") +
                            std::strerror(errno));
      if (::mlock(host_, size) != 0)
        throw HostError("cannot lock " + std::to_string(size >> 20) +
                        " MiB of trusted memory: " + std::strerror(errno) +
                        " (raise RLIMIT_MEMLOCK, e.g. 'ulimit -l unlimited')");
      locked_ = true;
    }
    if (vm) {
      vm->set_user_memory_region(slot, base.value(), size, host_);
      registered_ = true;
    }
  } catch (...) {
    scrub_and_unmap();
    throw;
  }
}

MemorySlot::~MemorySlot() {
  if (registered_) {
    try {
      unregister();
    } catch (...) {
      // The VM fd is going away with its slots anyway; nothing more to do here.
    }
  }
  scrub_and_unmap();
}

bool MemorySlot::contains(GuestAddress addr, uint64_t len) const {
  if (!host_ || addr < base_) return false;
  uint64_t off = addr.value() - base_.value();
  return off <= size_ && len <= size_ - off;
}

void MemorySlot::unregister() {
  if (!registered_) return;
  vm_->remove_user_memory_region(slot_);
  registered_ = false;
}

void MemorySlot::scrub_and_unmap() {
  if (!host_) return;
  if (protection_ == MemoryProtection::Trusted) {
    // explicit_bzero cannot be optimised away; trusted bytes never reach a freed page.
    explicit_bzero(host_, size_);
    if (locked_) ::munlock(host_, size_);
  }
  ::munmap(host_, size_);
  host_ = nullptr;
}

void MemorySlot::unmap_scrubbed() {
  if (!host_) return;
  if (registered_) throw InternalError("unmapping a memory slot that KVM still maps");
  if (locked_) ::munlock(host_, size_);
  ::munmap(host_, size_);
  host_ = nullptr;
}

std::span<uint8_t> MemorySlot::host_bytes() const {
  if (!host_) return {};
  return {host_, static_cast<size_t>(size_)};
}

}  // namespace svmm
