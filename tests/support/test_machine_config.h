// Configs for machines built in process by tests and benchmarks: the tiny test kernel as the
// guest OS (and as every trusted VM), without a console unless asked. The including target
// defines SVMM_TEST_KERNEL (the kernel's path).
#pragma once

#include <cstdint>
#include <string>

#include "vmm/config/config.h"

namespace svmm::test {

// The guest OS runs the test kernel's scenario `cmdline`; everything else is the default.
inline Config test_kernel_config(const std::string& cmdline, uint32_t vcpus = 1,
                                 uint64_t memory_mib = 64) {
  Config c = default_config();
  c.guest_os.kernel = SVMM_TEST_KERNEL;
  c.guest_os.cmdline = cmdline;
  c.guest_os.vcpus = vcpus;
  c.guest_os.memory_mib = memory_mib;
  c.guest_os.console = {ConsoleKind::None, {}};
  return c;
}

// Adds a trusted VM running the test kernel's scenario `cmdline`; `console_file` empty: none.
inline TrustedVmConfig& add_trusted_test_vm(Config& c, const std::string& name,
                                            const std::string& cmdline, uint64_t memory_mib,
                                            const std::string& console_file = "") {
  TrustedVmConfig t;
  t.name = name;
  t.kernel = SVMM_TEST_KERNEL;
  t.cmdline = cmdline;
  t.memory_mib = memory_mib;
  t.console = console_file.empty() ? ConsoleConfig{ConsoleKind::None, {}}
                                   : ConsoleConfig{ConsoleKind::File, console_file};
  c.trusted_vms.push_back(t);
  return c.trusted_vms.back();
}

}  // namespace svmm::test
