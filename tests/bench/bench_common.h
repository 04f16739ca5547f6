// Shared pieces of svmm's benchmarks: timing, medians, the bare KVM_RUN loop and svmm's own
// run of the test kernel. Every benchmark prints medians next to a limit measured in the same
// run; none asserts anything about time.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "vmm/kvm/kvm.h"

namespace svmm::bench {

using Clock = std::chrono::steady_clock;

[[nodiscard]] double median(std::vector<double> v);
[[nodiscard]] double us_since(Clock::time_point t0);

template <typename F>
double median_of(int runs, F f) {
  std::vector<double> v;
  for (int i = 0; i < runs; ++i) v.push_back(f());
  return median(v);
}

// Runs every function of `fs` once per round, `runs` rounds (so that drifting machine load
// hits all alike), and returns the median of each.
[[nodiscard]] std::vector<double> interleaved_medians(int runs,
                                                      const std::vector<std::function<double()>>& fs);

// The bare loop: the test kernel booted by hand, one thread, exits answered inline (port reads
// and MMIO reads give all ones, the COM1 LSR says transmitter empty). Returns the microseconds
// from the first KVM_RUN to the debug exit.
[[nodiscard]] double bare_run(const Kvm& kvm, const std::string& cmdline);

// svmm's path, in process: Machine construction is not timed, run() is. The guest OS has 64 MiB
// and one vCPU; returns microseconds.
[[nodiscard]] double svmm_run(const std::string& cmdline);

// The benchmark groups, one file each.
void bench_pio(const Kvm& kvm, bool quick);            // bench_exits.cc
void bench_chipset_mmio(const Kvm& kvm, bool quick);   // bench_exits.cc
void bench_startup(const Kvm& kvm, bool quick);        // bench_startup.cc
void bench_rss();                                      // bench_startup.cc
void bench_teardown(const Kvm& kvm, bool quick);       // bench_teardown.cc

}  // namespace svmm::bench
