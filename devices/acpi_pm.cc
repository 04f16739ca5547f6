#include "devices/acpi_pm.h"

#include <utility>

#include "vmm/util/error.h"

namespace svmm {

namespace {

uint8_t byte_of(uint16_t reg, uint64_t index) { return static_cast<uint8_t>(reg >> (8 * index)); }

// `reg` with byte `index` (0 low, 1 high) replaced by `value`.
uint16_t with_byte(uint16_t reg, uint64_t index, uint8_t value) {
  const unsigned shift = 8 * static_cast<unsigned>(index);
  return static_cast<uint16_t>((reg & ~(0xFFu << shift)) | (unsigned{value} << shift));
}

}  // namespace

AcpiPm::AcpiPm(Handler on_power_off, Handler on_sleep)
    : on_power_off_(std::move(on_power_off)), on_sleep_(std::move(on_sleep)) {
  if (!on_power_off_ || !on_sleep_) throw InternalError("ACPI PM device: missing handler");
}

void AcpiPm::read(uint64_t offset, std::span<uint8_t> data, const Requester& /*who*/) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < data.size(); ++i) {
    const uint64_t reg = offset + i;
    if (reg < kEnableOffset) {
      data[i] = byte_of(status_, reg - kStatusOffset);
    } else if (reg < kControlOffset) {
      data[i] = byte_of(enable_, reg - kEnableOffset);
    } else if (reg < kControlOffset + SVMM_PM1_CNT_LEN) {
      data[i] = byte_of(control_, reg - kControlOffset);
    } else {
      data[i] = 0xFF;
    }
  }
}

void AcpiPm::write(uint64_t offset, std::span<const uint8_t> data, const Requester& /*who*/) {
  bool sleep_enable = false;
  uint16_t sleep_type = 0;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < data.size(); ++i) {
      const uint64_t reg = offset + i;
      if (reg < kEnableOffset) {
        // Write 1 to clear.
        status_ = static_cast<uint16_t>(status_ & ~with_byte(0, reg - kStatusOffset, data[i]));
      } else if (reg < kControlOffset) {
        enable_ =
            static_cast<uint16_t>(with_byte(enable_, reg - kEnableOffset, data[i]) & kEnableMask);
      } else if (reg < kControlOffset + SVMM_PM1_CNT_LEN) {
        const uint16_t written = with_byte(0, reg - kControlOffset, data[i]);
        const uint16_t mask = with_byte(0, reg - kControlOffset, 0xFF) & kControlMask;
        control_ = static_cast<uint16_t>((control_ & ~mask) | (written & mask));
        if (written & SVMM_PM1_CNT_SLP_EN) {
          sleep_enable = true;
          sleep_type = (control_ & SVMM_PM1_CNT_SLP_TYP_MASK) >> SVMM_PM1_CNT_SLP_TYP_SHIFT;
        }
      }
    }
  }
  if (!sleep_enable) return;
  if (sleep_type == SVMM_ACPI_SLP_TYP_S5) {
    on_power_off_();
  } else if (sleep_type == SVMM_ACPI_SLP_TYP_S3) {
    on_sleep_();
    std::lock_guard lock(mutex_);
    status_ |= SVMM_PM1_STS_WAK;
  }
}

}  // namespace svmm
