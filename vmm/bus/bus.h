// A bus maps address ranges to devices. The same type serves port I/O and MMIO: both are
// "ranges of addresses -> BusDevice", only the address width differs, and KVM hands us the
// address and the bytes in both cases.
//
// Life cycle: build, then freeze, then use. insert() is only legal before freeze(); lookups
// (read/write) take no lock, which is sound because the map never changes once vCPU threads
// run (design/architecture.md "the bus map is immutable after start").
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vmm/bus/bus_device.h"
#include "vmm/bus/requester.h"

namespace svmm {

class Bus {
 public:
  explicit Bus(std::string name) : name_(std::move(name)) {}

  // Registers `device` for [base, base + length). `label` only improves error messages.
  // Throws InternalError (naming both ranges) on: zero length, a range running past the top of
  // the address space, overlap with an existing range, a null device, or a frozen bus.
  // Adjacent ranges are fine. One device may be inserted under several ranges.
  void insert(uint64_t base, uint64_t length, std::shared_ptr<BusDevice> device,
              std::string_view label = {});

  // Ends the build phase: later insert() calls throw.
  void freeze() { frozen_ = true; }
  [[nodiscard]] bool frozen() const { return frozen_; }

  // Delivers the access to the device whose range contains all of [addr, addr + data.size())
  // with the offset from the range base, and returns true. Returns false, touching nothing,
  // when no single range contains the whole access; the caller then applies the unassigned
  // rule of spec/guest-abi.md sections 2-3 (reads all ones, writes ignored).
  //
  // Straddling rule: an access that starts inside a range but runs past its end (or that is
  // empty, or wraps the address space) counts as unassigned as a whole. Devices therefore
  // only ever see offset + size <= length, and a guest cannot reach a device with a width
  // the device's range does not hold. x86 guests do not issue such accesses in practice.
  [[nodiscard]] bool read(uint64_t addr, std::span<uint8_t> data, const Requester& who) const;
  [[nodiscard]] bool write(uint64_t addr, std::span<const uint8_t> data,
                           const Requester& who) const;

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] std::size_t range_count() const { return ranges_.size(); }

 private:
  struct Range {
    uint64_t base;
    uint64_t last;  // inclusive, so a range may end at the top of the address space
    std::shared_ptr<BusDevice> device;
    std::string label;
  };

  // The range containing [addr, addr + size), or nullptr.
  [[nodiscard]] const Range* find(uint64_t addr, uint64_t size) const;
  [[nodiscard]] static std::string describe(uint64_t base, uint64_t last, std::string_view label);

  std::string name_;
  std::vector<Range> ranges_;  // sorted by base, pairwise disjoint
  bool frozen_ = false;
};

// The two buses of a VM. Aliases rather than types: their behaviour is identical.
using PioBus = Bus;
using MmioBus = Bus;

}  // namespace svmm
