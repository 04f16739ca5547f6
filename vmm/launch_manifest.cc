#include "vmm/launch_manifest.h"

#include <cstring>

namespace svmm {

namespace {
void put_le(std::vector<uint8_t>& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
}  // namespace

std::vector<uint8_t> launch_manifest(std::span<const ManifestEntry> vms) {
  static constexpr char kMagic[16] = "SVMM-MANIFEST-1";  // 15 characters and the NUL
  std::vector<uint8_t> out(kMagic, kMagic + sizeof kMagic);
  for (const auto& vm : vms) {
    out.insert(out.end(), vm.name.begin(), vm.name.end());
    out.push_back(0);
    put_le(out, vm.memory_bytes, 8);
    put_le(out, vm.vcpus, 4);
    out.insert(out.end(), vm.image_sha256.begin(), vm.image_sha256.end());
    put_le(out, vm.cmdline.size(), 4);
    out.insert(out.end(), vm.cmdline.begin(), vm.cmdline.end());
  }
  return out;
}

}  // namespace svmm
