// A VM's guest RAM: a set of memory slots and the one place where guest-physical addresses are
// turned into host bytes. Every access is bounds-checked; a range that leaves RAM is an error
// value (false / nullopt), never undefined behaviour.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include "vmm/memory/guest_address.h"
#include "vmm/memory/layout.h"
#include "vmm/memory/memory_slot.h"

namespace svmm {

class GuestMemory {
 public:
  GuestMemory() = default;
  // One slot per RAM range, slot ids from `first_slot`.
  // `vm` nullptr: mapped only (unit tests of the accessors).
  GuestMemory(const VmFd* vm, const std::vector<RamRange>& ranges, MemoryProtection protection,
              uint32_t first_slot = 0);

  [[nodiscard]] bool read(GuestAddress addr, std::span<uint8_t> out) const;
  [[nodiscard]] bool write(GuestAddress addr, std::span<const uint8_t> in);
  [[nodiscard]] bool fill(GuestAddress addr, uint64_t len, uint8_t value);
  [[nodiscard]] bool contains(GuestAddress addr, uint64_t len) const;

  template <typename T>
  [[nodiscard]] std::optional<T> read_obj(GuestAddress addr) const {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    if (!read(addr, {reinterpret_cast<uint8_t*>(&value), sizeof(T)})) return std::nullopt;
    return value;
  }
  template <typename T>
  [[nodiscard]] bool write_obj(GuestAddress addr, const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    return write(addr, {reinterpret_cast<const uint8_t*>(&value), sizeof(T)});
  }

  // A checked host view of [addr, addr + len), for bulk copies (image loading). nullopt when
  // the range is not wholly inside one slot.
  [[nodiscard]] std::optional<std::span<uint8_t>> slice(GuestAddress addr, uint64_t len) const;

  // Teardown step 3 for this RAM: zero every byte with up to `threads` threads, verify it reads
  // back zero, then remove each slot from KVM and unmap it. Returns the bytes scrubbed; throws
  // InternalError naming the first address that did not read back zero.
  uint64_t scrub_and_release(unsigned threads);

  [[nodiscard]] const std::vector<std::unique_ptr<MemorySlot>>& slots() const { return slots_; }
  [[nodiscard]] uint64_t total_bytes() const;

 private:
  [[nodiscard]] const MemorySlot* find(GuestAddress addr, uint64_t len) const;
  std::vector<std::unique_ptr<MemorySlot>> slots_;
};

}  // namespace svmm
