#include <gtest/gtest.h>

#include <array>
#include <memory>

#include "devices/acpi_pm.h"
#include "protocol/acpi.h"
#include "vmm/bus/bus.h"
#include "vmm/util/error.h"

namespace svmm {
namespace {

const Requester kWho = Requester::guest_os(0);

class AcpiPmTest : public ::testing::Test {
 protected:
  uint16_t in16(uint64_t offset) {
    std::array<uint8_t, 2> b{0xAB, 0xAB};
    dev_.read(offset, b, kWho);
    return static_cast<uint16_t>(b[0] | b[1] << 8);
  }
  uint8_t in8(uint64_t offset) {
    uint8_t b = 0xAB;
    dev_.read(offset, std::span<uint8_t>(&b, 1), kWho);
    return b;
  }
  void out16(uint64_t offset, uint16_t v) {
    const std::array<uint8_t, 2> b{static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
    dev_.write(offset, b, kWho);
  }
  void out8(uint64_t offset, uint8_t v) {
    dev_.write(offset, std::span<const uint8_t>(&v, 1), kWho);
  }
  static uint16_t sleep(uint16_t typ) {
    return static_cast<uint16_t>(typ << SVMM_PM1_CNT_SLP_TYP_SHIFT | SVMM_PM1_CNT_SLP_EN);
  }

  int power_offs_ = 0;
  int sleeps_ = 0;
  AcpiPm dev_{[this] { ++power_offs_; }, [this] { ++sleeps_; }};
};

TEST_F(AcpiPmTest, SlpTyp5WithSlpEnPowersOff) {
  out16(AcpiPm::kControlOffset, sleep(SVMM_ACPI_SLP_TYP_S5));
  EXPECT_EQ(power_offs_, 1);
  EXPECT_EQ(sleeps_, 0);
}

TEST_F(AcpiPmTest, SlpTyp3WithSlpEnSleepsThenReportsWake) {
  EXPECT_EQ(in16(AcpiPm::kStatusOffset) & SVMM_PM1_STS_WAK, 0);
  out16(AcpiPm::kControlOffset, sleep(SVMM_ACPI_SLP_TYP_S3));
  EXPECT_EQ(sleeps_, 1);
  EXPECT_EQ(power_offs_, 0);
  EXPECT_EQ(in16(AcpiPm::kStatusOffset), SVMM_PM1_STS_WAK);
  // Write 1 to clear.
  out16(AcpiPm::kStatusOffset, SVMM_PM1_STS_WAK);
  EXPECT_EQ(in16(AcpiPm::kStatusOffset), 0);
}

TEST_F(AcpiPmTest, SlpTypWithoutSlpEnOnlyLatchesTheType) {
  // ACPICA writes SLP_TYP first, then SLP_TYP | SLP_EN.
  out16(AcpiPm::kControlOffset, SVMM_ACPI_SLP_TYP_S5 << SVMM_PM1_CNT_SLP_TYP_SHIFT);
  EXPECT_EQ(power_offs_, 0);
  EXPECT_EQ(in16(AcpiPm::kControlOffset),
            SVMM_ACPI_SLP_TYP_S5 << SVMM_PM1_CNT_SLP_TYP_SHIFT | SVMM_PM1_CNT_SCI_EN);
}

TEST_F(AcpiPmTest, OtherSleepTypesAreIgnored) {
  for (uint16_t typ : {0, 1, 2, 4, 6, 7}) out16(AcpiPm::kControlOffset, sleep(typ));
  EXPECT_EQ(power_offs_, 0);
  EXPECT_EQ(sleeps_, 0);
}

TEST_F(AcpiPmTest, HighByteWriteAloneIsEnough) {
  out8(AcpiPm::kControlOffset + 1, static_cast<uint8_t>(sleep(SVMM_ACPI_SLP_TYP_S5) >> 8));
  EXPECT_EQ(power_offs_, 1);
}

TEST_F(AcpiPmTest, FourByteWriteAtTheEventBlockReachesStatusAndEnable) {
  out16(AcpiPm::kEnableOffset, 0xFFFF);
  EXPECT_EQ(in16(AcpiPm::kEnableOffset), AcpiPm::kEnableMask);
  const std::array<uint8_t, 4> zero{0, 0, 0, 0};
  dev_.write(AcpiPm::kStatusOffset, zero, kWho);
  EXPECT_EQ(in16(AcpiPm::kEnableOffset), 0);
}

TEST_F(AcpiPmTest, ControlReadsSciEnAndNeverSlpEn) {
  EXPECT_EQ(in16(AcpiPm::kControlOffset), SVMM_PM1_CNT_SCI_EN);
  out16(AcpiPm::kControlOffset, 0);  // SCI_EN cannot be cleared: no SMI mode
  EXPECT_EQ(in16(AcpiPm::kControlOffset), SVMM_PM1_CNT_SCI_EN);
  out16(AcpiPm::kControlOffset, sleep(SVMM_ACPI_SLP_TYP_S3));
  EXPECT_EQ(in16(AcpiPm::kControlOffset) & SVMM_PM1_CNT_SLP_EN, 0);
}

TEST_F(AcpiPmTest, RestOfTheRangeReadsAllOnesAndIgnoresWrites) {
  for (uint64_t off = 6; off < AcpiPm::kRangeLength; ++off) {
    out8(off, 0);
    EXPECT_EQ(in8(off), 0xFF) << off;
  }
  EXPECT_EQ(power_offs_ + sleeps_, 0);
}

TEST(AcpiPm, EmptyHandlersAreRefused) {
  EXPECT_THROW(AcpiPm(nullptr, [] {}), InternalError);
  EXPECT_THROW(AcpiPm([] {}, nullptr), InternalError);
}

TEST(AcpiPm, PowerOffThroughThePioBusAtPort0x604) {
  int offs = 0;
  PioBus bus("pio");
  bus.insert(AcpiPm::kBase, AcpiPm::kRangeLength, std::make_shared<AcpiPm>([&] { ++offs; }, [] {}),
             "ACPI PM1a");
  const uint16_t v = SVMM_ACPI_SLP_TYP_S5 << SVMM_PM1_CNT_SLP_TYP_SHIFT | SVMM_PM1_CNT_SLP_EN;
  const std::array<uint8_t, 2> b{static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
  EXPECT_TRUE(bus.write(SVMM_PORT_PM1A_CNT, b, kWho));
  EXPECT_EQ(offs, 1);
}

TEST(AcpiPm, HandlersRunWithoutTheDeviceLock) {
  // A handler that touches the device again (as a teardown resuming other vCPUs may) must not
  // deadlock.
  std::shared_ptr<AcpiPm> dev;
  uint8_t seen = 0;
  dev =
      std::make_shared<AcpiPm>([] {},
                               [&] {
                                 uint8_t b = 0;
                                 dev->read(AcpiPm::kControlOffset, std::span<uint8_t>(&b, 1), kWho);
                                 seen = b;
                               });
  const uint16_t v = SVMM_ACPI_SLP_TYP_S3 << SVMM_PM1_CNT_SLP_TYP_SHIFT | SVMM_PM1_CNT_SLP_EN;
  const std::array<uint8_t, 2> b{static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
  dev->write(AcpiPm::kControlOffset, b, kWho);
  EXPECT_EQ(seen, SVMM_PM1_CNT_SCI_EN);
}

}  // namespace
}  // namespace svmm
