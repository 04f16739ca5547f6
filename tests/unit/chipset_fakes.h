// Test doubles and helpers for the chipset tests and the chipset fuzz target (no gtest here).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

#include "chipset/chipset_host.h"
#include "chipset/config_space.h"
#include "chipset/txt_heap.h"
#include "protocol/memory_map.h"

namespace svmm::fakes {

// Records every call the chipset makes to its host. Thread-safe. `on_hypercall` (when set)
// computes the result and may call back into the chipset, as the secure monitor does.
class RecordingChipsetHost final : public ChipsetHost {
 public:
  struct Hypercall {
    uint32_t function;
    std::array<uint64_t, 4> args;
    Requester who;
  };
  struct Abort {
    AbortRecord record;
    AbortPolicy policy;
  };

  int64_t hypercall(uint32_t function, const std::array<uint64_t, 4>& args,
                    const Requester& who) override {
    std::function<int64_t(uint32_t, const std::array<uint64_t, 4>&, const Requester&)> f;
    int64_t result = 0;
    {
      std::lock_guard lock(mutex_);
      hypercalls_.push_back({function, args, who});
      f = on_hypercall;
      result = next_result;
    }
    return f ? f(function, args, who) : result;
  }
  void aborted(const AbortRecord& record, AbortPolicy policy) override {
    std::lock_guard lock(mutex_);
    aborts_.push_back({record, policy});
  }
  void reset_requested(const Requester& who) override {
    std::lock_guard lock(mutex_);
    resets_.push_back(who);
  }

  [[nodiscard]] std::vector<Hypercall> hypercalls() const {
    std::lock_guard lock(mutex_);
    return hypercalls_;
  }
  [[nodiscard]] std::vector<Abort> aborts() const {
    std::lock_guard lock(mutex_);
    return aborts_;
  }
  [[nodiscard]] std::vector<Requester> resets() const {
    std::lock_guard lock(mutex_);
    return resets_;
  }
  [[nodiscard]] std::size_t abort_count() const {
    std::lock_guard lock(mutex_);
    return aborts_.size();
  }

  int64_t next_result = 0;
  std::function<int64_t(uint32_t, const std::array<uint64_t, 4>&, const Requester&)> on_hypercall;

 private:
  mutable std::mutex mutex_;
  std::vector<Hypercall> hypercalls_;
  std::vector<Abort> aborts_;
  std::vector<Requester> resets_;
};

inline bool same_requester(const Requester& a, const Requester& b) {
  return a.role == b.role && a.vm_index == b.vm_index && a.vcpu_index == b.vcpu_index &&
         a.cpl == b.cpl;
}

// Options as the machine would build them for a 256 MiB guest OS.
inline ChipsetOptions chipset_options(AbortPolicy policy = AbortPolicy::AllOnes,
                                      FuseState fuse = FuseState::Enabled) {
  ChipsetOptions o;
  o.fuse = fuse;
  o.abort_policy = policy;
  o.set_areas(txt_chipset_layout(256 * SVMM_MIB));
  return o;
}

// Little-endian access helpers over the span API.
inline uint64_t read_value(ConfigSpace& cs, ChipsetWindow w, uint64_t offset, const Requester& who,
                           std::size_t width = 8) {
  std::array<uint8_t, 8> buf{};
  cs.read(w, offset, std::span<uint8_t>(buf).first(width), who);
  uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) v |= uint64_t{buf[i]} << (8 * i);
  return v;
}

inline void write_value(ConfigSpace& cs, ChipsetWindow w, uint64_t offset, uint64_t value,
                        const Requester& who, std::size_t width = 8) {
  std::array<uint8_t, 8> buf{};
  for (std::size_t i = 0; i < width; ++i) buf[i] = static_cast<uint8_t>(value >> (8 * i));
  cs.write(w, offset, std::span<const uint8_t>(buf).first(width), who);
}

}  // namespace svmm::fakes
