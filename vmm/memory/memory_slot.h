// One contiguous range of guest RAM: an anonymous host mapping registered as one KVM memory
// slot. Trusted memory is locked, excluded from core dumps and from forked children, and is
// overwritten before it is released (spec/guest-abi.md section 7).
#pragma once

#include <cstdint>
#include <span>

#include "vmm/memory/guest_address.h"

namespace svmm {

class VmFd;

enum class MemoryProtection { Normal, Trusted };

class MemorySlot {
 public:
  // Maps `size` bytes and registers them with `vm` as KVM slot `slot` at `base`. Without a VM
  // (nullptr: unit tests of the accessors) the memory is mapped but registered nowhere.
  MemorySlot(const VmFd* vm, uint32_t slot, GuestAddress base, uint64_t size,
             MemoryProtection protection);
  ~MemorySlot();
  MemorySlot(const MemorySlot&) = delete;
  MemorySlot& operator=(const MemorySlot&) = delete;

  [[nodiscard]] GuestAddress base() const { return base_; }
  [[nodiscard]] uint64_t size() const { return size_; }
  [[nodiscard]] uint32_t slot_id() const { return slot_; }
  [[nodiscard]] MemoryProtection protection() const { return protection_; }
  [[nodiscard]] bool registered() const { return registered_; }
  [[nodiscard]] bool mapped() const { return host_ != nullptr; }
  // Does [addr, addr + len) lie inside this slot?
  [[nodiscard]] bool contains(GuestAddress addr, uint64_t len) const;

  // Removes the slot from KVM: the guest no longer reaches these pages.
  void unregister();
  // Overwrites every byte, then unmaps. Idempotent.
  void scrub_and_unmap();
  // Unmaps memory the caller already overwrote and verified (teardown step 3). Must be
  // unregistered first.
  void unmap_scrubbed();

  // Host view of the whole slot (for vmm/memory only: scrub, checked accessors).
  [[nodiscard]] std::span<uint8_t> host_bytes() const;

 private:
  const VmFd* vm_;
  uint32_t slot_;
  GuestAddress base_;
  uint64_t size_;
  MemoryProtection protection_;
  uint8_t* host_ = nullptr;
  bool registered_ = false;
  bool locked_ = false;
};

}  // namespace svmm
