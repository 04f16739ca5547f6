// The ACPI PM1a event and control blocks the FADT describes (spec/guest-abi.md section 3;
// ACPI 6.5 section 4.8.3), registered as one range [0x600, 0x610):
//   offset 0  PM1_STS (16 bits, write 1 to clear): only WAK_STS is ever set, after a sleep;
//   offset 2  PM1_EN  (16 bits): the enable bits are stored and read back; nothing raises SCI;
//   offset 4  PM1_CNT (16 bits): SCI_EN reads 1 (there is no SMI command port: the platform is
//             always in ACPI mode), BM_RLD and SLP_TYP are stored, SLP_EN and GBL_RLS read 0;
//   offsets 6-15 read all ones and ignore writes.
// Writing SLP_EN with SLP_TYP 5 (\_S5_) calls the power-off handler, with SLP_TYP 3 (\_S3_) the
// sleep handler; when the sleep handler returns the guest has "woken" at once: WAK_STS is set
// (so OSPM's wait for it ends, as after a resume). Other SLP_TYP values are ignored.
//
// Accesses of any width are taken byte by byte, so a guest may also write PM1_CNT's high byte
// alone (SLP_TYP and SLP_EN are all in it). Thread safety: one mutex, never held while a
// handler runs (the handlers may block: a teardown holds the vCPUs).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <span>

#include "protocol/acpi.h"
#include "vmm/bus/bus_device.h"

namespace svmm {

class AcpiPm final : public BusDevice {
 public:
  static constexpr uint64_t kBase = SVMM_PORT_PM1A;
  static constexpr uint64_t kRangeLength = SVMM_PORT_PM1A_LEN;
  static constexpr uint64_t kStatusOffset = 0;
  static constexpr uint64_t kEnableOffset = 2;
  static constexpr uint64_t kControlOffset = 4;
  // PM1_EN bits that exist: TMR_EN, GBL_EN, PWRBTN_EN, SLPBTN_EN, RTC_EN, PCIEXP_WAKE_DIS.
  static constexpr uint16_t kEnableMask = 0x4721;
  // PM1_CNT bits that are stored: BM_RLD and SLP_TYP (SCI_EN is fixed at 1).
  static constexpr uint16_t kControlMask = 0x0002 | SVMM_PM1_CNT_SLP_TYP_MASK;

  using Handler = std::function<void()>;

  // Throws InternalError if a handler is empty. Handlers run on the writing vCPU thread.
  AcpiPm(Handler on_power_off, Handler on_sleep);

  void read(uint64_t offset, std::span<uint8_t> data, const Requester& who) override;
  void write(uint64_t offset, std::span<const uint8_t> data, const Requester& who) override;

 private:
  mutable std::mutex mutex_;
  uint16_t status_ = 0;
  uint16_t enable_ = 0;
  uint16_t control_ = SVMM_PM1_CNT_SCI_EN;
  Handler on_power_off_;
  Handler on_sleep_;
};

}  // namespace svmm
