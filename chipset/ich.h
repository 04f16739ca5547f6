// The I/O control hub (seed 0021, 0025; Figure 1: ICH 131): its configuration registers
// (ICH.TOKEN-STS, ICH.TOKEN-FORWARDS at 0xE00-0xEFF, rows of the one register table owned by
// the ICH), reached only through the MCH, and the bus to the token (seed 0016: bus 180;
// seed 0022 c: commands sent on to the token).
//
// The register values live in ConfigSpace with every other register, so that the rules and
// the abort accounting are the same for the whole space; the ICH is the path. One ICH serves
// the MCH (configuration accesses) and the token's window device (route_token_access()).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include "chipset/config_space.h"

namespace svmm {

// What the token window does with one access (token.md section 2).
struct TokenRoute {
  bool forward = false;  // pass the access to the token
  uint8_t fill = 0xFF;   // when not forwarded: the byte a read returns (abort policy)
};

class Ich {
 public:
  static constexpr uint64_t kLocalityStride = 0x1000;  // token.md section 1
  static constexpr unsigned kLocalities = 5;

  // `config` must outlive the ICH.
  explicit Ich(ConfigSpace& config) : config_(config) {}
  Ich(const Ich&) = delete;
  Ich& operator=(const Ich&) = delete;

  // An access the MCH forwarded (its first byte lies in 0xE00-0xEFF; offsets are the window's).
  void read(ChipsetWindow window, uint64_t offset, std::span<uint8_t> data, const Requester& who);
  void write(ChipsetWindow window, uint64_t offset, std::span<const uint8_t> data,
             const Requester& who);
  // Configuration accesses the MCH forwarded here since start.
  [[nodiscard]] uint64_t forwarded() const { return forwarded_.load(); }

  // The token path, for the token window's device: `token_offset` is inside the token window
  // (0xFED40000 + 0x1000 * locality + register). A permitted access is counted in
  // ICH.TOKEN-FORWARDS and forwarded; any other (a locality the requester may not use, or an
  // offset past locality 4) is an aborted access, reason 6, under the abort policy.
  [[nodiscard]] TokenRoute route_token_access(uint64_t token_offset, std::size_t width, bool write,
                                              const Requester& who);

 private:
  ConfigSpace& config_;
  std::atomic<uint64_t> forwarded_{0};
};

}  // namespace svmm
