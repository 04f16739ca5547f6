// Token round trips (spec/token.md): a TPM command sent by the guest through the TIS window,
// byte by byte with the status polls Linux's tpm_tis_core makes (`token-bench op=X count=N`
// in the test kernel: (t(N) - t(0)) / N, so that boot and console output cancel out), against
// the same command handed to libtpms directly (LibtpmsBackend::execute, no VM) in the same run.
// The MMIO exits per command are ICH.TOKEN-FORWARDS / N (every token access is one exit).
// Per exit, a token register read in a tight loop (`token-bench op=sts`) is compared with a
// read of unassigned MMIO (`mmio-loop`), the same exit without the token device: the
// difference is what the ICH route and the TIS add. The rest of a command's time is the
// guest driver's own code between exits, which kvm_pvm emulates instruction by instruction.
#include "tests/bench/token_bench.h"

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "guest/test_abi.h"
#include "protocol/chipset.h"
#include "protocol/exit_status.h"
#include "tests/bench/bench_common.h"
#include "tests/support/test_machine_config.h"
#include "vmm/machine.h"
#include "vmm/token/libtpms_backend.h"
#include "vmm/token/tpm_commands.h"

namespace svmm::bench {

namespace {

struct TokenRun {
  double us = 0;
  uint64_t forwards = 0;
};

// svmm's path in process (as svmm_run), also returning ICH.TOKEN-FORWARDS at the end.
TokenRun token_run(const std::string& cmdline) {
  Machine m(test::test_kernel_config(cmdline));
  const auto t0 = Clock::now();
  const int status = m.run();
  TokenRun r{us_since(t0), m.monitor().chipset().read_register(SVMM_CS_ICH_TOKEN_FORWARDS)};
  if (status != SVMM_DEBUG_EXIT_STATUS(SVMM_TEST_EXIT_PASS))
    throw std::runtime_error("svmm run of '" + cmdline + "' ended with status " +
                             std::to_string(status) + ", not PASS");
  return r;
}

// The same command straight into libtpms (no Machine exists: libtpms keeps one TPM per
// process), microseconds per command.
double direct_us(const std::vector<uint8_t>& command, int n) {
  LibtpmsBackend tpm({});
  std::vector<uint8_t> response(4096);
  for (int i = 0; i < 10; ++i) (void)tpm.execute(0, command, response);  // warm up
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    const std::size_t len = tpm.execute(0, command, response);
    if (tpm::response_code(std::span<const uint8_t>(response.data(), len)) != 0)
      throw std::runtime_error("direct libtpms command failed");
  }
  return us_since(t0) / n;
}

}  // namespace

void bench_token(bool quick) {
  const int n = quick ? 20 : 200;
  const int runs = quick ? 3 : 5;
  struct Op {
    const char* name;
    const char* arg;
    std::vector<uint8_t> command;
  };
  const Op ops[] = {{"TPM2_PCR_Read(17)", "pcr-read", tpm::pcr_read_sha256(17)},
                    {"TPM2_GetRandom(32)", "get-random", tpm::get_random(32)}};
  // One exit: unassigned MMIO against a token register (STS of the active locality 0).
  const int loops = quick ? 2000 : 20000;
  auto e = interleaved_medians(
      runs, {[&] { return token_run("mmio-loop count=0").us; },
             [&] { return token_run(fmt::format("mmio-loop count={}", loops)).us; },
             [&] { return token_run("token-bench op=sts count=0").us; },
             [&] { return token_run(fmt::format("token-bench op=sts count={}", loops)).us; }});
  const double plain_us = (e[1] - e[0]) / loops, sts_us = (e[3] - e[2]) / loops;
  fmt::print("token MMIO exit ({} reads, median of {}):\n", loops, runs);
  fmt::print("  svmm, unassigned MMIO 0xD0000000 (limit)      {:8.3f} us/read\n", plain_us);
  fmt::print("  svmm, token STS 0xFED40018 (ICH route + TIS)  {:8.3f} us/read   ({:.3f}x)\n\n",
             sts_us, sts_us / plain_us);
  fmt::print("token command round trip ({} commands per run, median of {}):\n", n, runs);
  for (const Op& op : ops) {
    const std::string base = fmt::format("token-bench op={} count=0", op.arg);
    const std::string loop = fmt::format("token-bench op={} count={}", op.arg, n);
    uint64_t forwards0 = 0, forwards = 0;
    auto m = interleaved_medians(runs, {
                                           [&] {
                                             const auto r = token_run(base);
                                             forwards0 = r.forwards;
                                             return r.us;
                                           },
                                           [&] {
                                             const auto r = token_run(loop);
                                             forwards = r.forwards;
                                             return r.us;
                                           },
                                           [&] { return direct_us(op.command, n * 20); },
                                       });
    const double guest_us = (m[1] - m[0]) / n;
    const double exits = static_cast<double>(forwards - forwards0) / n;
    fmt::print(
        "  {:<20} direct libtpms (limit) {:6.2f} us | guest via TIS {:8.1f} us, {:5.1f} "
        "MMIO exits/command | ratio guest/direct {:6.0f}x\n",
        op.name, m[2], guest_us, exits, guest_us / m[2]);
  }
  fmt::print("\n");
}

}  // namespace svmm::bench
