// The chipset's areas in guest memory and the TXT heap's BiosData table (spec/chipset.md
// section 2, HEAP.BASE: "e820-reserved RAM holding a valid BiosData table, version 4, no
// extended elements"; guest-abi.md section 2: [L - 1 MiB, L) reserved).
//
// Facts from tboot (include/txt/heap.h, txt/heap.c, utils/txt-stat.c), which tools in the
// guest OS use to read this through /dev/mem:
// - The heap starts with the BIOS data: a uint64 size that counts itself (bios_data_size;
//   bios_data starts at heap + 8 and the OS-to-MLE data size sits at heap + bios_data_size),
//   then bios_data_t, packed: version u32, bios_sinit_size u32, lcp_pd_base u64, lcp_pd_size
//   u64, num_logical_procs u32, (version >= 3) flags u64, (version >= 4) ext_data_elts[].
// - An extended data element is {type u32, size u32 (header included), data}; the list ends
//   with HEAP_EXTDATA_TYPE_END (0), whose size is 8.
// - verify_bios_data(): HEAP.BASE and HEAP.SIZE non-zero; bios_data_size non-zero and at most
//   HEAP.SIZE; version >= 2 (above the tool's known version only warns); num_logical_procs at
//   least 2 in older tboot ("all TXT-capable CPUs support at least 2 cores"; 1.11 accepts 1)
//   and at most NR_CPUS (include/config.h: 512, 1024 in 1.11); for version >= 4 with bios_data_size
//   > sizeof(bios_data_t) + 8, verify_ext_data_elts() walks the list: each element at least 8
//   bytes, non-zero size, inside the table, until the END element.
// - txt-stat --heap reads HEAP.SIZE bytes from HEAP.BASE and calls verify_bios_data().
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "chipset/chipset_types.h"
#include "protocol/memory_map.h"

namespace svmm {

// The reserved last MiB of low RAM, split in halves.
inline constexpr uint64_t kSinitAreaSize = SVMM_CHIPSET_AREA_SIZE / 2;
inline constexpr uint64_t kHeapAreaSize = SVMM_CHIPSET_AREA_SIZE - kSinitAreaSize;
static_assert(kSinitAreaSize == 512 * 1024 && kHeapAreaSize == 512 * 1024);

// DPR as tboot's txt_dpr_t lays it out: bit 0 lock, bits 4-11 size in MiB, bits 20-31 top >> 20.
[[nodiscard]] constexpr uint64_t encode_dpr(uint64_t top, uint64_t size_mib, bool lock) {
  return (lock ? 1ull : 0ull) | ((size_mib & 0xFF) << 4) | (((top >> 20) & 0xFFF) << 20);
}

// The layout for L = the end of the guest OS's low RAM (guest-abi.md section 2):
//   SINIT [L - 1 MiB, L - 512 KiB), HEAP [L - 512 KiB, L), DPR top L, 1 MiB, locked.
// As on TXT platforms, the launch-module area lies below the heap and the heap ends at the DPR
// top, and DPR covers both (the whole reserved MiB). DPR is locked from the start, as platform
// firmware leaves it before any OS runs: its own lock bit keeps it read-only for everybody.
// Throws std::invalid_argument unless L is a multiple of 1 MiB in [2 MiB, 3 GiB].
[[nodiscard]] ChipsetAreas txt_chipset_layout(uint64_t low_ram_end);

// tboot's heap structures (include/txt/heap.h).
inline constexpr uint32_t kBiosDataVersion = 4;
inline constexpr std::size_t kBiosDataFixedSize = 36;  // sizeof(bios_data_t), packed
inline constexpr std::size_t kHeapExtElementHeaderSize = 8;
inline constexpr uint32_t kHeapExtDataTypeEnd = 0;  // HEAP_EXTDATA_TYPE_END
// bios_data_size of svmm's table: the size field, bios_data_t and the END element.
inline constexpr uint64_t kBiosDataSize = 8 + kBiosDataFixedSize + kHeapExtElementHeaderSize;

// The bytes to place at HEAP.BASE (layout.heap_base): layout.heap_size bytes, the BiosData table
// (version 4, bios_sinit_size 0: no BIOS-provided launch module; no launch control policy data;
// flags 0; the extended element list holding only its END element) followed by zeros, where the OS
// loader will put its OS-to-MLE and OS-to-SINIT data. num_logical_procs is the guest OS vCPU
// count, but at least 2, which every tboot version accepts (nothing here runs an SINIT that
// would rendezvous with them). Throws std::invalid_argument if layout.heap_size is smaller
// than kBiosDataSize.
[[nodiscard]] std::vector<uint8_t> build_txt_heap(const ChipsetAreas& layout, uint32_t guest_vcpus);

struct HeapExtElement {
  uint32_t type = 0;
  uint32_t size = 0;
  friend bool operator==(const HeapExtElement&, const HeapExtElement&) = default;
};

struct BiosData {
  uint64_t size = 0;  // bios_data_size
  uint32_t version = 0;
  uint32_t bios_sinit_size = 0;
  uint64_t lcp_pd_base = 0;
  uint64_t lcp_pd_size = 0;
  uint32_t num_logical_procs = 0;
  uint64_t flags = 0;
  std::vector<HeapExtElement> elements;  // the extended elements before END (none for svmm)
  bool has_end_element = false;
};

struct BiosDataCheck {
  std::optional<BiosData> data;  // set when tboot would accept the table
  std::string error;             // otherwise, why (tboot's own message where it has one)
};

// Parses the BiosData table at the start of `heap` (HEAP.SIZE bytes read from HEAP.BASE) with
// the checks of tboot's verify_bios_data() above, the stricter variant where versions differ
// (num_logical_procs in [2, 512]).
[[nodiscard]] BiosDataCheck parse_bios_data(std::span<const uint8_t> heap, uint64_t heap_base,
                                            uint64_t heap_size);

}  // namespace svmm
