#include <gtest/gtest.h>

#include <array>
#include <memory>

#include "devices/pci_config.h"
#include "vmm/bus/bus.h"

namespace svmm {
namespace {

const Requester kWho = Requester::guest_os(0);

template <size_t N>
std::array<uint8_t, N> read(PciConfigMech1& dev, uint64_t offset) {
  std::array<uint8_t, N> b{};
  b.fill(0xAB);
  dev.read(offset, b, kWho);
  return b;
}

void write32(PciConfigMech1& dev, uint64_t offset, uint32_t v) {
  const std::array<uint8_t, 4> b{static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                                 static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
  dev.write(offset, b, kWho);
}

uint32_t read32(PciConfigMech1& dev, uint64_t offset) {
  const auto b = read<4>(dev, offset);
  return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
}

TEST(PciConfigMech1, AddressPortReadsAllOnesEvenAfterADwordWrite) {
  PciConfigMech1 dev;
  EXPECT_EQ(read32(dev, PciConfigMech1::kAddressOffset), 0xFFFFFFFFu);
  write32(dev, PciConfigMech1::kAddressOffset, 0x80000000u);
  EXPECT_EQ(read32(dev, PciConfigMech1::kAddressOffset), 0xFFFFFFFFu);
}

TEST(PciConfigMech1, DataReadsAllOnesWhateverTheAddress) {
  PciConfigMech1 dev;
  for (uint32_t addr : {0x80000000u, 0x80000008u, 0x8000F800u, 0u}) {
    write32(dev, PciConfigMech1::kAddressOffset, addr);
    EXPECT_EQ(read32(dev, PciConfigMech1::kDataOffset), 0xFFFFFFFFu);
    for (uint64_t off = 4; off < 8; ++off) EXPECT_EQ(read<1>(dev, off)[0], 0xFF);
    EXPECT_EQ(read<2>(dev, 6), (std::array<uint8_t, 2>{0xFF, 0xFF}));
  }
  write32(dev, PciConfigMech1::kDataOffset, 0x12345678u);  // ignored
  EXPECT_EQ(read32(dev, PciConfigMech1::kDataOffset), 0xFFFFFFFFu);
}

TEST(PciConfigMech1, NarrowAccessesToTheAddressPortReadAllOnesAndAreIgnored) {
  // Linux's mechanism 2 probe: byte writes of 0 to 0xCFB, 0xCF8, 0xCFA, then byte reads.
  PciConfigMech1 dev;
  write32(dev, 0, 0x80000000u);
  const uint8_t zero = 0;
  for (uint64_t off : {3, 0, 2}) dev.write(off, std::span<const uint8_t>(&zero, 1), kWho);
  EXPECT_EQ(read<1>(dev, 0)[0], 0xFF);
  EXPECT_EQ(read<1>(dev, 2)[0], 0xFF);
  EXPECT_EQ(read<2>(dev, 0), (std::array<uint8_t, 2>{0xFF, 0xFF}));
}

TEST(PciConfigMech1, ThroughThePioBusAt0xCf8) {
  PioBus bus("pio");
  auto dev = std::make_shared<PciConfigMech1>();
  bus.insert(PciConfigMech1::kBase, PciConfigMech1::kRangeLength, dev, "PCI");
  const std::array<uint8_t, 4> a{0x00, 0x00, 0x00, 0x80};
  EXPECT_TRUE(bus.write(0xCF8, a, kWho));
  std::array<uint8_t, 4> back{};
  EXPECT_TRUE(bus.read(0xCF8, back, kWho));
  EXPECT_EQ(back, (std::array<uint8_t, 4>{0xFF, 0xFF, 0xFF, 0xFF}));
  std::array<uint8_t, 4> data{};
  EXPECT_TRUE(bus.read(0xCFC, data, kWho));
  EXPECT_EQ(data, (std::array<uint8_t, 4>{0xFF, 0xFF, 0xFF, 0xFF}));
}

}  // namespace
}  // namespace svmm
