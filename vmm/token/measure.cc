#include "vmm/token/measure.h"

#include <cstring>

#include "protocol/token.h"

namespace svmm {

Sha256 pcr_extend(const Sha256& pcr, const Sha256& digest) {
  Sha256Hasher h;
  h.update(pcr);
  h.update(digest);
  return h.finish();
}

LaunchPcrs expected_launch_pcrs(std::span<const uint8_t> manifest, std::span<const Sha256> images) {
  LaunchPcrs out;
  out.manifest_sha256 = sha256(manifest);
  out.pcr17 = pcr_extend(Sha256{}, out.manifest_sha256);
  Sha256 pcr18{};
  for (const auto& image : images) pcr18 = pcr_extend(pcr18, image);
  out.pcr18 = pcr18;
  return out;
}

Sha256 cap_digest() {
  static constexpr char kText[] = SVMM_TOKEN_CAP_TEXT;
  static_assert(sizeof kText - 1 == 17, "the cap text is 17 bytes");
  return sha256(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(kText), sizeof kText - 1));
}

}  // namespace svmm
