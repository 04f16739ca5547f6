// The launch manifest (spec/token.md section 3): the canonical byte string measured at a
// secure launch. Its SHA-256 goes into PCR 17 and the chipset's PUBLIC.KEY.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vmm/util/sha256.h"

namespace svmm {

struct ManifestEntry {
  std::string name;
  uint64_t memory_bytes = 0;
  uint32_t vcpus = 0;
  Sha256 image_sha256{};
  std::string cmdline;
};

// "SVMM-MANIFEST-1\0", then per VM being launched, in config order: name NUL, memory (u64 LE),
// vCPUs (u32 LE), SHA-256 of the image (32 bytes), cmdline length (u32 LE), cmdline bytes.
[[nodiscard]] std::vector<uint8_t> launch_manifest(std::span<const ManifestEntry> vms);

}  // namespace svmm
