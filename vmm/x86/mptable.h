// The Intel MultiProcessor Specification 1.4 table: how guests without ACPI (and the tiny test
// kernel) find their processors, the IOAPIC and the ISA interrupt wiring.
#pragma once

#include <cstdint>
#include <vector>

namespace svmm {

inline constexpr uint64_t kMpTableAddr = 0xF0000;

// The table as bytes to be placed at `base` (the floating pointer first, then the
// configuration table). Checksums filled in.
[[nodiscard]] std::vector<uint8_t> build_mptable(uint64_t base, uint32_t vcpu_count);

}  // namespace svmm
