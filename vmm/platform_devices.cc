#include "vmm/platform_devices.h"

#include <memory>
#include <utility>

#include "devices/acpi_pm.h"
#include "devices/fw_cfg.h"
#include "devices/pci_config.h"
#include "protocol/memory_map.h"
#include "vmm/secure_monitor.h"
#include "vmm/util/log.h"

namespace svmm {

void attach_platform_devices(PioBus& pio, const GuestOsConfig& guest,
                             std::function<void()> power_off, std::function<void()> sleep) {
  pio.insert(AcpiPm::kBase, AcpiPm::kRangeLength,
             std::make_shared<AcpiPm>(std::move(power_off), std::move(sleep)), "ACPI PM1a");
  pio.insert(
      FwCfg::kBase, FwCfg::kRangeLength,
      std::make_shared<FwCfg>(guest.memory_mib * SVMM_MIB, static_cast<uint16_t>(guest.vcpus)),
      "fw_cfg");
  pio.insert(PciConfigMech1::kBase, PciConfigMech1::kRangeLength,
             std::make_shared<PciConfigMech1>(), "PCI configuration");
}

void guest_sleep_request(SecureMonitor& monitor, const SecureConfig& secure) {
  if (!monitor.secure()) {
    log::info("machine",
              "the guest OS requested ACPI S3: sleep is not emulated, it resumes at once");
    return;
  }
  if (!secure.tears_down_on(TeardownTrigger::Sleep)) {
    log::warn("monitor",
              "ignored: ACPI S3 requested in secure mode (sleep is not in teardown_on); the guest "
              "OS resumes at once");
    return;
  }
  (void)monitor.teardown(TeardownTrigger::Sleep);
  log::info("machine", "the guest OS requested ACPI S3: torn down; it resumes at once");
}

}  // namespace svmm
