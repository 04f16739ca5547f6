// A guest's boot image: the kernel and initrd read and validated before any VM exists (so a
// bad file is refused with nothing half-built), then written into a VM's memory together with
// the boot protocol's structures.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "vmm/loader/boot_protocol.h"
#include "vmm/loader/image.h"
#include "vmm/memory/layout.h"
#include "vmm/util/sha256.h"
#include "vmm/x86/vcpu_setup.h"

namespace svmm {

class GuestMemory;

struct BootImageSpec {
  std::filesystem::path kernel;
  BootProtocol boot = BootProtocol::Auto;
  std::optional<std::filesystem::path> initrd;
  std::string cmdline;
  uint64_t memory_mib = 0;
  uint32_t vcpus = 1;
  bool chipset_areas = true;  // the guest OS has them; trusted VMs do not
};

class BootImage {
 public:
  // Reads and validates everything; throws UsageError naming the file.
  explicit BootImage(const BootImageSpec& spec);

  // Writes kernel, initrd, boot structures and the MP table; returns the BSP's entry state.
  [[nodiscard]] EntryState load(GuestMemory& memory) const;

  [[nodiscard]] const KernelPlan& plan() const { return plan_; }
  [[nodiscard]] const std::vector<MemmapEntry>& memmap() const { return memmap_; }
  // SHA-256 of the whole kernel image file (spec/token.md section 3: measured at launch).
  [[nodiscard]] Sha256 kernel_sha256() const { return sha256(kernel_); }

 private:
  BootImageSpec spec_;
  ImageBytes kernel_;
  ImageBytes initrd_;
  KernelPlan plan_;
  std::vector<MemmapEntry> memmap_;
  uint64_t initrd_gpa_ = 0;
};

}  // namespace svmm
