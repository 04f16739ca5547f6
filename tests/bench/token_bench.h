// The token benchmark (token_bench.cc). bench_main.cc calls it as one more group:
//   group("token", [&] { svmm::bench::bench_token(quick); });
#pragma once

namespace svmm::bench {

// TPM2_PCR_Read and TPM2_GetRandom round trips from the guest (the test kernel's TIS driver:
// MMIO one byte at a time, as Linux does) against a direct call into libtpms in the same run;
// MMIO exits per command and the ratio.
void bench_token(bool quick);

}  // namespace svmm::bench
