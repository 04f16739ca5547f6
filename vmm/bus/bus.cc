#include "vmm/bus/bus.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "vmm/util/error.h"

namespace svmm {

std::string Bus::describe(uint64_t base, uint64_t last, std::string_view label) {
  if (label.empty()) return fmt::format("[{:#x}, {:#x}]", base, last);
  return fmt::format("[{:#x}, {:#x}] ({})", base, last, label);
}

void Bus::insert(uint64_t base, uint64_t length, std::shared_ptr<BusDevice> device,
                 std::string_view label) {
  // Before the range is known to be valid, name it by base and length.
  const std::string what = label.empty()
                               ? fmt::format("at {:#x} length {:#x}", base, length)
                               : fmt::format("at {:#x} length {:#x} ({})", base, length, label);
  if (frozen_) throw InternalError(fmt::format("{} bus: insert {} after freeze()", name_, what));
  if (!device) throw InternalError(fmt::format("{} bus: null device for range {}", name_, what));
  if (length == 0) throw InternalError(fmt::format("{} bus: empty range {} refused", name_, what));
  if (length - 1 > std::numeric_limits<uint64_t>::max() - base) {
    throw InternalError(
        fmt::format("{} bus: range {} wraps around the address space", name_, what));
  }
  const uint64_t last = base + (length - 1);

  // First range with base > ours; only it and its predecessor can overlap us, because the
  // existing ranges are sorted and disjoint.
  auto next = std::upper_bound(ranges_.begin(), ranges_.end(), base,
                               [](uint64_t a, const Range& r) { return a < r.base; });
  auto clash = [&](const Range& r) {
    throw InternalError(fmt::format("{} bus: range {} overlaps existing range {}", name_,
                                    describe(base, last, label),
                                    describe(r.base, r.last, r.label)));
  };
  if (next != ranges_.end() && next->base <= last) clash(*next);
  if (next != ranges_.begin() && std::prev(next)->last >= base) clash(*std::prev(next));

  ranges_.insert(next, Range{base, last, std::move(device), std::string(label)});
}

const Bus::Range* Bus::find(uint64_t addr, uint64_t size) const {
  if (size == 0) return nullptr;
  auto next = std::upper_bound(ranges_.begin(), ranges_.end(), addr,
                               [](uint64_t a, const Range& r) { return a < r.base; });
  if (next == ranges_.begin()) return nullptr;
  const Range& r = *std::prev(next);
  // addr >= r.base here. Both tests are written so that nothing overflows.
  if (addr > r.last || size - 1 > r.last - addr) return nullptr;
  return &r;
}

bool Bus::read(uint64_t addr, std::span<uint8_t> data, const Requester& who) const {
  const Range* r = find(addr, data.size());
  if (r == nullptr) return false;
  r->device->read(addr - r->base, data, who);
  return true;
}

bool Bus::write(uint64_t addr, std::span<const uint8_t> data, const Requester& who) const {
  const Range* r = find(addr, data.size());
  if (r == nullptr) return false;
  r->device->write(addr - r->base, data, who);
  return true;
}

}  // namespace svmm
