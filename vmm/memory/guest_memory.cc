#include "vmm/memory/guest_memory.h"

#include <fmt/format.h>

#include "vmm/memory/scrub.h"
#include "vmm/util/log.h"

#include <chrono>
#include "vmm/util/error.h"

namespace svmm {

GuestMemory::GuestMemory(const VmFd* vm, const std::vector<RamRange>& ranges,
                         MemoryProtection protection, uint32_t first_slot) {
  uint32_t id = first_slot;
  for (const auto& r : ranges)
    slots_.push_back(
        std::make_unique<MemorySlot>(vm, id++, GuestAddress(r.start), r.size, protection));
}

const MemorySlot* GuestMemory::find(GuestAddress addr, uint64_t len) const {
  for (const auto& s : slots_)
    if (s->contains(addr, len)) return s.get();
  return nullptr;
}

bool GuestMemory::contains(GuestAddress addr, uint64_t len) const {
  return find(addr, len) != nullptr;
}

std::optional<std::span<uint8_t>> GuestMemory::slice(GuestAddress addr, uint64_t len) const {
  const MemorySlot* s = find(addr, len);
  if (!s) return std::nullopt;
  return s->host_bytes().subspan(static_cast<size_t>(addr.value() - s->base().value()),
                                 static_cast<size_t>(len));
}

bool GuestMemory::read(GuestAddress addr, std::span<uint8_t> out) const {
  auto src = slice(addr, out.size());
  if (!src) return false;
  if (!out.empty()) std::memcpy(out.data(), src->data(), out.size());
  return true;
}

bool GuestMemory::write(GuestAddress addr, std::span<const uint8_t> in) {
  auto dst = slice(addr, in.size());
  if (!dst) return false;
  if (!in.empty()) std::memcpy(dst->data(), in.data(), in.size());
  return true;
}

bool GuestMemory::fill(GuestAddress addr, uint64_t len, uint8_t value) {
  auto dst = slice(addr, len);
  if (!dst) return false;
  if (len) std::memset(dst->data(), value, dst->size());
  return true;
}

uint64_t GuestMemory::scrub_and_release(unsigned threads) {
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t total = 0;
  for (auto& s : slots_) {
    if (!s->mapped()) continue;
    if (auto bad = zero_and_verify(s->host_bytes(), threads))
      throw InternalError(fmt::format("scrub: guest-physical 0x{:x} did not read back zero",
                                      s->base().value() + *bad));
    total += s->size();
  }
  const auto t1 = std::chrono::steady_clock::now();
  for (auto& s : slots_) s->unregister();
  const auto t2 = std::chrono::steady_clock::now();
  for (auto& s : slots_) s->unmap_scrubbed();
  const auto t3 = std::chrono::steady_clock::now();
  auto us = [](auto d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); };
  log::debug("memory", "scrub: zero+verify {} us, unregister {} us, unmap {} us", us(t1 - t0),
             us(t2 - t1), us(t3 - t2));
  return total;
}

uint64_t GuestMemory::total_bytes() const {
  uint64_t t = 0;
  for (const auto& s : slots_) t += s->size();
  return t;
}

}  // namespace svmm
