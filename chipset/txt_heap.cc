#include "chipset/txt_heap.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "protocol/memory_map.h"

namespace svmm {
namespace {

// Little-endian field access on a byte buffer (the heap is guest memory: no struct casts).
void put(std::vector<uint8_t>& out, std::size_t at, uint64_t value, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) out[at + i] = static_cast<uint8_t>(value >> (8 * i));
}

uint64_t take(std::span<const uint8_t> in, std::size_t at, std::size_t bytes) {
  uint64_t v = 0;
  for (std::size_t i = 0; i < bytes; ++i) v |= uint64_t{in[at + i]} << (8 * i);
  return v;
}

// bios_data_t field offsets inside the table (after the 8-byte size).
constexpr std::size_t kVersion = 0;
constexpr std::size_t kBiosSinitSize = 4;
constexpr std::size_t kLcpPdBase = 8;
constexpr std::size_t kLcpPdSize = 16;
constexpr std::size_t kNumLogicalProcs = 24;
constexpr std::size_t kFlags = 28;
constexpr std::size_t kExtElements = kBiosDataFixedSize;

constexpr uint32_t kMinLogicalProcs = 2;    // older tboot's heap.c (1.11: 1)
constexpr uint32_t kMaxLogicalProcs = 512;  // the smaller NR_CPUS of recent tboot

BiosDataCheck refuse(std::string why) { return {std::nullopt, std::move(why)}; }

}  // namespace

ChipsetAreas txt_chipset_layout(uint64_t low_ram_end) {
  const uint64_t l = low_ram_end;
  if (l % SVMM_MIB != 0 || l < 2 * SVMM_MIB || l > SVMM_LOW_RAM_MAX)
    throw std::invalid_argument(
        "chipset areas need the end of low RAM to be a multiple of 1 MiB "
        "in [2 MiB, 3 GiB], got " +
        std::to_string(l));
  ChipsetAreas a;
  a.sinit_base = l - SVMM_CHIPSET_AREA_SIZE;
  a.sinit_size = kSinitAreaSize;
  a.heap_base = a.sinit_base + kSinitAreaSize;
  a.heap_size = kHeapAreaSize;
  a.dpr = encode_dpr(l, SVMM_CHIPSET_AREA_SIZE / SVMM_MIB, true);
  return a;
}

std::vector<uint8_t> build_txt_heap(const ChipsetAreas& layout, uint32_t guest_vcpus) {
  const uint64_t heap_size = layout.heap_size;
  if (heap_size < kBiosDataSize)
    throw std::invalid_argument("TXT heap of " + std::to_string(heap_size) +
                                " bytes cannot hold the BiosData table");
  std::vector<uint8_t> heap(heap_size, 0);
  put(heap, 0, kBiosDataSize, 8);
  const std::size_t t = 8;
  put(heap, t + kVersion, kBiosDataVersion, 4);
  put(heap, t + kBiosSinitSize, 0, 4);
  put(heap, t + kLcpPdBase, 0, 8);
  put(heap, t + kLcpPdSize, 0, 8);
  put(heap, t + kNumLogicalProcs, std::max(guest_vcpus, kMinLogicalProcs), 4);
  put(heap, t + kFlags, 0, 8);
  put(heap, t + kExtElements, kHeapExtDataTypeEnd, 4);
  put(heap, t + kExtElements + 4, kHeapExtElementHeaderSize, 4);
  return heap;
}

BiosDataCheck parse_bios_data(std::span<const uint8_t> heap, uint64_t heap_base,
                              uint64_t heap_size) {
  if (heap_base == 0 || heap_size == 0) return refuse("TXT.HEAP.BASE or TXT.HEAP.SIZE is 0");
  if (heap.size() < 8) return refuse("heap shorter than the BIOS data size field");
  BiosData d;
  d.size = take(heap, 0, 8);
  if (d.size == 0) return refuse("BIOS data size is 0");
  if (d.size > heap_size) return refuse("BIOS data size is larger than heap size");
  // tboot reads the fixed fields whatever the size says; so do we, from the buffer.
  if (heap.size() < 8 + kBiosDataFixedSize || d.size > heap.size())
    return refuse("heap shorter than the BIOS data");
  const auto table = heap.subspan(8);
  d.version = static_cast<uint32_t>(take(table, kVersion, 4));
  d.bios_sinit_size = static_cast<uint32_t>(take(table, kBiosSinitSize, 4));
  d.lcp_pd_base = take(table, kLcpPdBase, 8);
  d.lcp_pd_size = take(table, kLcpPdSize, 8);
  d.num_logical_procs = static_cast<uint32_t>(take(table, kNumLogicalProcs, 4));
  d.flags = take(table, kFlags, 8);
  if (d.version < 2) return refuse("unsupported BIOS data version");
  if (d.num_logical_procs < kMinLogicalProcs)
    return refuse("BIOS data has incorrect num_logical_procs");
  if (d.num_logical_procs > kMaxLogicalProcs) return refuse("BIOS data specifies too many CPUs");
  if (d.version >= 4 && d.size > kBiosDataFixedSize + 8) {
    // verify_ext_data_elts(): the list must end with an END element inside the table.
    std::size_t at = kExtElements;
    std::size_t left = static_cast<std::size_t>(d.size) - kBiosDataFixedSize - 8;
    while (true) {
      if (left < kHeapExtElementHeaderSize) return refuse("heap ext data elements too small");
      const HeapExtElement e{static_cast<uint32_t>(take(table, at, 4)),
                             static_cast<uint32_t>(take(table, at + 4, 4))};
      if (left < e.size || e.size == 0) return refuse("invalid element size");
      if (e.type == kHeapExtDataTypeEnd) {
        d.has_end_element = true;
        break;
      }
      d.elements.push_back(e);
      left -= e.size;
      at += e.size;
    }
  }
  return {std::move(d), {}};
}

}  // namespace svmm
