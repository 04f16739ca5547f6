// Every boot image a config names, read and validated once, before any VM exists: a bad file
// is a configuration error naming its place in the config, and the bytes checked here are the
// bytes loaded (and, for trusted VMs, measured): no image file is read twice.
#pragma once

#include <vector>

#include "vmm/boot_image.h"
#include "vmm/config/config.h"

namespace svmm {

struct MachineImages {
  BootImage guest_os;
  std::vector<BootImage> trusted_vms;  // config order
};

// Throws UsageError prefixed with where the image is named: "--kernel: " for a config built
// from the command line, else "config error at /guest_os/kernel: " or
// "config error at /trusted_vms/N/kernel: ".
[[nodiscard]] MachineImages read_machine_images(const Config& config);

}  // namespace svmm
