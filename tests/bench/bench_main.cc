// svmm's benchmarks, each next to its limit measured in the same run on the same machine.
// Prints medians and ratios; asserts nothing about time.
//
//   build/tests/bench/svmm_bench [--quick]
//
// bench_exits.cc     PIO exit round trip; chipset MMIO read round trip vs a plain MMIO exit
// bench_startup.cc   `svmm run` start-up; RSS beside the guest RAM
// bench_teardown.cc  teardown latency by trusted memory size; scrub bandwidth vs memset
// token_bench.cc     TPM commands through the TIS window vs libtpms called directly
// bench_control.cc   control socket query-status latency/throughput vs QEMU's QMP
#include <fmt/format.h>
#include <sys/resource.h>

#include <exception>
#include <functional>
#include <string>

#include "tests/bench/bench_common.h"
#include "tests/bench/bench_control.h"
#include "tests/bench/token_bench.h"
#include "tests/support/process.h"
#include "vmm/util/log.h"

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  std::string why;
  if (!svmm::test::kvm_available(&why)) {
    fmt::print("svmm_bench: {}; nothing to measure\n", why);
    return 0;
  }
  // Trusted RAM is locked (up to 1 GiB here): lift RLIMIT_MEMLOCK as far as allowed. Without
  // CAP_SYS_RESOURCE only the soft limit can rise (to the hard one); with CAP_IPC_LOCK (root)
  // the limit does not apply anyway. A trusted VM that cannot be locked fails with a message.
  rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
  if (::setrlimit(RLIMIT_MEMLOCK, &unlimited) != 0) {
    rlimit cur{};
    if (::getrlimit(RLIMIT_MEMLOCK, &cur) == 0) {
      cur.rlim_cur = cur.rlim_max;
      (void)::setrlimit(RLIMIT_MEMLOCK, &cur);
    }
  }
  svmm::log::set_level(svmm::log::Level::Warn);  // no per-teardown info lines between results
  svmm::Kvm kvm;
  // One group failing (a guest that does not PASS, a trusted VM that cannot be locked) is
  // reported and does not hide the others.
  int status = 0;
  auto group = [&](const char* name, const std::function<void()>& f) {
    try {
      f();
    } catch (const std::exception& e) {
      fmt::print("{}: FAILED: {}\n\n", name, e.what());
      status = 1;
    }
  };
  group("pio", [&] { svmm::bench::bench_pio(kvm, quick); });
  group("chipset mmio", [&] { svmm::bench::bench_chipset_mmio(kvm, quick); });
  group("start-up", [&] { svmm::bench::bench_startup(kvm, quick); });
  group("memory", [&] { svmm::bench::bench_rss(); });
  group("teardown", [&] { svmm::bench::bench_teardown(kvm, quick); });
  group("token", [&] { svmm::bench::bench_token(quick); });
  group("control", [&] { svmm::bench::bench_control(quick); });
  return status;
}
