#pragma once

namespace svmm::bench {
// Control socket query-status latency and throughput, beside QEMU's QMP when installed.
void bench_control(bool quick);
}  // namespace svmm::bench
