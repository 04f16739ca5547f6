// The guest OS's ACPI-era platform ports (spec/guest-abi.md section 3): the ACPI PM1a blocks
// (devices/acpi_pm.h), QEMU fw_cfg (devices/fw_cfg.h) and PCI configuration mechanism 1
// (devices/pci_config.h). Trusted VMs have none of them.
#pragma once

#include <cstdint>
#include <functional>

#include "vmm/bus/bus.h"
#include "vmm/config/config.h"

namespace svmm {

class SecureMonitor;

// Registers the three devices on the guest OS's port bus. `power_off` runs on the vCPU that
// wrote SLP_TYP 5 | SLP_EN, `sleep` on the one that wrote SLP_TYP 3 | SLP_EN; when `sleep`
// returns, that vCPU continues as if the guest had woken at once (PM1_STS.WAK_STS set).
void attach_platform_devices(PioBus& pio, const GuestOsConfig& guest,
                             std::function<void()> power_off, std::function<void()> sleep);

// What an ACPI S3 request of the guest OS does (S3 itself is not emulated: the guest resumes at
// once in every case):
// - normal mode: logged at info level;
// - secure mode with `sleep` in secure.teardown_on: a teardown with the `sleep` trigger (the
//   calling vCPU waits for it, like a TEARDOWN hypercall), then the guest OS resumes in normal
//   mode;
// - secure mode without it: logged as a warning and ignored (spec/config.md).
void guest_sleep_request(SecureMonitor& monitor, const SecureConfig& secure);

}  // namespace svmm
