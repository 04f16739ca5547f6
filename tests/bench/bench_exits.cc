// Exit round trips, per exit: (t(N) - t(0)) / N of a test-kernel loop of N exits, so that boot
// and console output cancel out.
//
// 1. PIO: `pio-loop count=N` (N OUTs to port 0x80) under svmm's full path (vCPU thread, bus,
//    device) against the bare single-threaded KVM_RUN loop running the very same kernel.
// 2. Chipset MMIO: `chipset-loop count=N` (N 4-byte reads of SVMM.SCRATCH in the chipset's
//    public window) against `mmio-loop count=N` (N 4-byte reads of unassigned MMIO, answered
//    all ones by the bus) under svmm, and `mmio-loop` in the bare loop.
#include <fmt/format.h>

#include "tests/bench/bench_common.h"

namespace svmm::bench {

void bench_pio(const Kvm& kvm, bool quick) {
  const int n = quick ? 2000 : 20000;
  const int runs = quick ? 3 : 7;
  const std::string loop = fmt::format("pio-loop count={}", n);
  auto m = interleaved_medians(runs, {
                                         [&] { return bare_run(kvm, "pio-loop count=0"); },
                                         [&] { return svmm_run("pio-loop count=0"); },
                                         [&] { return bare_run(kvm, loop); },
                                         [&] { return svmm_run(loop); },
                                     });
  const double bare_us = (m[2] - m[0]) / n;
  const double svmm_us = (m[3] - m[1]) / n;
  fmt::print("pio exit round trip ({} OUTs, median of {}):\n", n, runs);
  fmt::print("  bare KVM_RUN loop (limit)   {:8.3f} us/exit\n", bare_us);
  fmt::print("  svmm                        {:8.3f} us/exit\n", svmm_us);
  fmt::print("  ratio svmm/bare             {:8.3f}   (target <= 1.05)\n\n", svmm_us / bare_us);
}

void bench_chipset_mmio(const Kvm& kvm, bool quick) {
  const int n = quick ? 2000 : 20000;
  const int runs = quick ? 3 : 7;
  const std::string mmio = fmt::format("mmio-loop count={}", n);
  const std::string chipset = fmt::format("chipset-loop count={}", n);
  auto m = interleaved_medians(runs, {
                                         [&] { return bare_run(kvm, "mmio-loop count=0"); },
                                         [&] { return svmm_run("mmio-loop count=0"); },
                                         [&] { return svmm_run("chipset-loop count=0"); },
                                         [&] { return bare_run(kvm, mmio); },
                                         [&] { return svmm_run(mmio); },
                                         [&] { return svmm_run(chipset); },
                                     });
  const double bare_us = (m[3] - m[0]) / n;
  const double plain_us = (m[4] - m[1]) / n;
  const double chipset_us = (m[5] - m[2]) / n;
  fmt::print("MMIO read round trip ({} 4-byte reads, median of {}):\n", n, runs);
  fmt::print("  bare KVM_RUN loop, unassigned MMIO (limit)   {:8.3f} us/read\n", bare_us);
  fmt::print("  svmm, unassigned MMIO 0xD0000000             {:8.3f} us/read   ({:.3f}x bare)\n",
             plain_us, plain_us / bare_us);
  fmt::print("  svmm, chipset SVMM.SCRATCH 0xFED30A00        {:8.3f} us/read   ({:.3f}x bare)\n",
             chipset_us, chipset_us / bare_us);
  fmt::print("  ratio chipset/plain MMIO under svmm          {:8.3f}   (target <= 1.10)\n\n",
             chipset_us / plain_us);
}

}  // namespace svmm::bench
