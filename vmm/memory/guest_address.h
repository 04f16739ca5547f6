// A guest-physical address: a distinct type so it is never confused with a host pointer or a
// length (vm-memory's GuestAddress).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>

namespace svmm {

class GuestAddress {
 public:
  constexpr GuestAddress() = default;
  constexpr explicit GuestAddress(uint64_t v) : value_(v) {}
  [[nodiscard]] constexpr uint64_t value() const { return value_; }
  // nullopt on wrap-around.
  [[nodiscard]] constexpr std::optional<GuestAddress> checked_add(uint64_t n) const {
    if (value_ + n < value_) return std::nullopt;
    return GuestAddress(value_ + n);
  }
  constexpr auto operator<=>(const GuestAddress&) const = default;

 private:
  uint64_t value_ = 0;
};

}  // namespace svmm
