// `svmm measure --config FILE [--vm N]` (spec/control.md section 1, spec/token.md section 3):
// the launch manifest's SHA-256 and the PCR 17/18 values a secure launch of those trusted VMs
// produces, computed without a TPM and without running anything.
#include "vmm/token/measure.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vmm/boot_image.h"
#include "vmm/cli/commands.h"
#include "vmm/launch_manifest.h"
#include "vmm/util/error.h"

namespace svmm::cli {

void add_measure_options(CLI::App& cmd, MeasureOptions& o) {
  cmd.add_option("--config", o.config, "JSON configuration file")->required();
  cmd.add_option("--vm", o.vm, "Index of one trusted VM (config order); default: all of them");
}

int command_measure(const MeasureOptions& o, const GlobalOptions&) {
  const CheckedConfig checked = load_checked_config(o.config, {}, {});
  const Config& c = checked.config;
  if (c.trusted_vms.empty())
    throw UsageError("config error at /trusted_vms: no trusted VM to measure");
  std::vector<size_t> which;
  if (o.vm) {
    if (*o.vm >= c.trusted_vms.size())
      throw UsageError("--vm " + std::to_string(*o.vm) + ": the config has " +
                       std::to_string(c.trusted_vms.size()) + " trusted VM(s)");
    which.push_back(*o.vm);
  } else {
    for (size_t i = 0; i < c.trusted_vms.size(); ++i) which.push_back(i);
  }
  // The same manifest the monitor builds at SECURE_LAUNCH (vmm/secure_monitor.cc).
  std::vector<ManifestEntry> manifest;
  std::vector<Sha256> images;
  nlohmann::ordered_json image_list = nlohmann::ordered_json::array();
  for (size_t i : which) {
    const auto& t = c.trusted_vms[i];
    const Sha256 h = checked.images.trusted_vms[i].kernel_sha256();
    manifest.push_back({t.name, t.memory_mib << 20, t.vcpus, h, t.cmdline});
    images.push_back(h);
    image_list.push_back({{"name", t.name}, {"sha256", to_hex(h)}});
  }
  const LaunchPcrs pcrs = expected_launch_pcrs(launch_manifest(manifest), images);
  nlohmann::ordered_json out;
  out["manifest_sha256"] = to_hex(pcrs.manifest_sha256);
  out["pcr17"] = to_hex(pcrs.pcr17);
  out["pcr18"] = to_hex(pcrs.pcr18);
  out["images"] = image_list;
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace svmm::cli
