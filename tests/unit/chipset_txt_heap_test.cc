// The chipset areas and the TXT heap's BiosData table, parsed back with tboot's
// verify_bios_data() checks (chipset/txt_heap.h cites them).
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "chipset/config_space.h"
#include "chipset/txt_heap.h"
#include "protocol/chipset.h"
#include "protocol/memory_map.h"
#include "tests/unit/chipset_fakes.h"
#include "vmm/memory/layout.h"

namespace svmm {
namespace {

uint64_t le(const std::vector<uint8_t>& b, std::size_t at, std::size_t n) {
  uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= uint64_t{b[at + i]} << (8 * i);
  return v;
}

ChipsetAreas heap_of(uint64_t size) {
  ChipsetAreas a = txt_chipset_layout(256 * SVMM_MIB);
  a.heap_size = size;
  return a;
}

TEST(ChipsetAreas, LayoutFor256MiBPutsSinitBelowTheHeapInTheLastMiB) {
  const uint64_t l = 256 * SVMM_MIB;
  const ChipsetAreas a = txt_chipset_layout(l);
  EXPECT_EQ(a.sinit_base, l - SVMM_MIB);
  EXPECT_EQ(a.sinit_size, 512u * 1024);
  EXPECT_EQ(a.heap_base, l - 512 * 1024);
  EXPECT_EQ(a.heap_size, 512u * 1024);
  EXPECT_EQ(a.heap_base + a.heap_size, l);
  // DPR as tboot's txt-stat decodes it: lock, size in MiB, top.
  EXPECT_EQ(a.dpr & 1, 1u);
  EXPECT_EQ((a.dpr >> 4) & 0xFF, 1u);
  EXPECT_EQ(((a.dpr >> 20) & 0xFFF) << 20, l);
}

TEST(ChipsetAreas, TheAreasLieInsideTheReservedRangeOfTheGuestMemoryMap) {
  for (const uint64_t mib : {16ull, 256ull, 3072ull, 8192ull}) {
    const uint64_t l = low_ram_end(mib);
    const ChipsetAreas a = txt_chipset_layout(l);
    bool inside = false;
    for (const MemmapEntry& e : guest_memmap(mib, true))
      if (e.type == SVMM_E820_RESERVED && e.addr <= a.sinit_base &&
          a.heap_base + a.heap_size <= e.addr + e.size)
        inside = true;
    EXPECT_TRUE(inside) << mib << " MiB";
  }
}

TEST(ChipsetAreas, RefusesAnEndOfLowRamThatCannotHoldThem) {
  EXPECT_THROW((void)txt_chipset_layout(SVMM_MIB), std::invalid_argument);
  EXPECT_THROW((void)txt_chipset_layout(256 * SVMM_MIB + 4096), std::invalid_argument);
  EXPECT_THROW((void)txt_chipset_layout(4 * SVMM_GIB), std::invalid_argument);
  EXPECT_NO_THROW((void)txt_chipset_layout(3 * SVMM_GIB));
}

TEST(ChipsetAreas, EncodeDprMatchesTheRegisterLayout) {
  EXPECT_EQ(encode_dpr(0xC0000000ull, 3, true), 0xC0000031ull);
  EXPECT_EQ(encode_dpr(0x10000000ull, 1, false), 0x10000010ull);
}

TEST(ChipsetAreas, TheRegistersShowTheAreasInThePublicWindow) {
  fakes::RecordingChipsetHost host;
  ConfigSpace cs(fakes::chipset_options(), host);
  const ChipsetAreas a = txt_chipset_layout(256 * SVMM_MIB);
  const Requester guest = Requester::guest_os(0);
  EXPECT_EQ(fakes::read_value(cs, ChipsetWindow::Public, SVMM_CS_SINIT_BASE, guest), a.sinit_base);
  EXPECT_EQ(fakes::read_value(cs, ChipsetWindow::Public, SVMM_CS_SINIT_SIZE, guest), a.sinit_size);
  EXPECT_EQ(fakes::read_value(cs, ChipsetWindow::Public, SVMM_CS_HEAP_BASE, guest), a.heap_base);
  EXPECT_EQ(fakes::read_value(cs, ChipsetWindow::Public, SVMM_CS_HEAP_SIZE, guest), a.heap_size);
  EXPECT_EQ(fakes::read_value(cs, ChipsetWindow::Public, SVMM_CS_DPR, guest), a.dpr);
}

TEST(ChipsetTxtHeap, TheHeapStartsWithAVersion4BiosDataTableEndedByItsEndElement) {
  const std::vector<uint8_t> heap = build_txt_heap(heap_of(kHeapAreaSize), 4);
  ASSERT_EQ(heap.size(), kHeapAreaSize);
  EXPECT_EQ(le(heap, 0, 8), 52u) << "bios_data_size counts its own 8 bytes";
  EXPECT_EQ(le(heap, 8, 4), 4u);   // version
  EXPECT_EQ(le(heap, 12, 4), 0u);  // bios_sinit_size
  EXPECT_EQ(le(heap, 16, 8), 0u);  // lcp_pd_base
  EXPECT_EQ(le(heap, 24, 8), 0u);  // lcp_pd_size
  EXPECT_EQ(le(heap, 32, 4), 4u);  // num_logical_procs
  EXPECT_EQ(le(heap, 36, 8), 0u);  // flags
  EXPECT_EQ(le(heap, 44, 4), 0u);  // HEAP_EXTDATA_TYPE_END
  EXPECT_EQ(le(heap, 48, 4), 8u);  // its size
  for (std::size_t i = 52; i < heap.size(); ++i) ASSERT_EQ(heap[i], 0u) << i;
}

TEST(ChipsetTxtHeap, ParsesBackAsTbootWouldAcceptIt) {
  const ChipsetAreas a = txt_chipset_layout(256 * SVMM_MIB);
  const std::vector<uint8_t> heap = build_txt_heap(a, 2);
  const BiosDataCheck check = parse_bios_data(heap, a.heap_base, a.heap_size);
  ASSERT_TRUE(check.data.has_value()) << check.error;
  EXPECT_EQ(check.data->size, kBiosDataSize);
  EXPECT_EQ(check.data->version, 4u);
  EXPECT_EQ(check.data->num_logical_procs, 2u);
  EXPECT_TRUE(check.data->elements.empty()) << "no extended elements";
  EXPECT_TRUE(check.data->has_end_element);
}

TEST(ChipsetTxtHeap, OneVcpuIsReportedAsTwoLogicalProcessorsForOlderTboot) {
  const std::vector<uint8_t> heap = build_txt_heap(heap_of(kHeapAreaSize), 1);
  EXPECT_EQ(le(heap, 32, 4), 2u);
  EXPECT_EQ(le(build_txt_heap(heap_of(kHeapAreaSize), 64), 32, 4), 64u);
}

TEST(ChipsetTxtHeap, TooSmallAHeapIsRefused) {
  EXPECT_THROW((void)build_txt_heap(heap_of(51), 1), std::invalid_argument);
  EXPECT_EQ(build_txt_heap(heap_of(52), 1).size(), 52u);
}

TEST(ChipsetTxtHeap, TheParserRefusesWhatTbootRefuses) {
  const std::vector<uint8_t> good = build_txt_heap(heap_of(4096), 2);
  const auto refused = [](std::vector<uint8_t> heap, uint64_t base = 0x100000,
                          uint64_t size = 4096) { return parse_bios_data(heap, base, size).error; };
  EXPECT_EQ(refused(good), "");
  EXPECT_EQ(refused(good, 0), "TXT.HEAP.BASE or TXT.HEAP.SIZE is 0");
  EXPECT_EQ(refused(good, 0x100000, 0), "TXT.HEAP.BASE or TXT.HEAP.SIZE is 0");
  auto zero_size = good;
  zero_size[0] = 0;
  EXPECT_EQ(refused(zero_size), "BIOS data size is 0");
  EXPECT_EQ(refused(good, 0x100000, 51), "BIOS data size is larger than heap size");
  auto v1 = good;
  v1[8] = 1;
  EXPECT_EQ(refused(v1), "unsupported BIOS data version");
  auto procs = good;
  procs[32] = 1;
  EXPECT_EQ(refused(procs), "BIOS data has incorrect num_logical_procs");
  auto zero_elt = good;
  zero_elt[48] = 0;
  EXPECT_EQ(refused(zero_elt), "invalid element size");
  auto no_end = good;  // an unknown element of 8 bytes fills the list: no END left
  no_end[44] = 9;
  EXPECT_EQ(refused(no_end), "heap ext data elements too small");
  auto v3 = good;  // version 3 ignores the element list
  v3[8] = 3;
  v3[48] = 0;
  EXPECT_EQ(refused(v3), "");
}

}  // namespace
}  // namespace svmm
