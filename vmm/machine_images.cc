#include "vmm/machine_images.h"

#include <string>

#include "vmm/util/error.h"

namespace svmm {

namespace {

BootImage read_image(const std::string& where, const BootImageSpec& spec) {
  try {
    return BootImage(spec);
  } catch (const UsageError& e) {
    throw UsageError(where + ": " + e.what());
  }
}

}  // namespace

MachineImages read_machine_images(const Config& config) {
  const auto& g = config.guest_os;
  MachineImages images{
      read_image(config.source.empty() ? std::string("--kernel")
                                       : std::string("config error at /guest_os/kernel"),
                 {g.kernel, g.boot, g.initrd, g.cmdline, g.memory_mib, g.vcpus, true}),
      {}};
  images.trusted_vms.reserve(config.trusted_vms.size());
  for (size_t i = 0; i < config.trusted_vms.size(); ++i) {
    const auto& t = config.trusted_vms[i];
    images.trusted_vms.push_back(
        read_image("config error at /trusted_vms/" + std::to_string(i) + "/kernel",
                   {t.kernel, t.boot, std::nullopt, t.cmdline, t.memory_mib, t.vcpus, false}));
  }
  return images;
}

}  // namespace svmm
