#include "vmm/token/token.h"

#include <fmt/format.h>

#include "protocol/token.h"
#include "vmm/token/measure.h"
#include "vmm/util/error.h"
#include "vmm/util/log.h"

namespace svmm {

namespace {
constexpr unsigned kMonitorLaunchLocality = 4;  // token.md section 2: the monitor only
constexpr unsigned kCapLocality = 2;            // token.md section 3
}  // namespace

Token::Token(const LibtpmsOptions& options, Ich& ich, const ConfigSpace& chipset)
    : tpm_(std::make_unique<LibtpmsBackend>(options)),
      tis_(std::make_shared<TisInterface>(*tpm_)),
      window_(std::make_shared<TokenWindow>(ich, chipset, tis_)) {}

void Token::measured_launch(std::span<const uint8_t> manifest, std::span<const Sha256> images) {
  tpm_->drtm(manifest);
  for (const auto& image : images)
    tpm_->pcr_extend(kMonitorLaunchLocality, SVMM_TOKEN_PCR_IMAGES, image);
  const LaunchPcrs want = expected_launch_pcrs(manifest, images);
  const Sha256 pcr17 = tpm_->pcr_read(SVMM_TOKEN_PCR_DRTM);
  const Sha256 pcr18 = tpm_->pcr_read(SVMM_TOKEN_PCR_IMAGES);
  if (pcr17 != want.pcr17 || pcr18 != want.pcr18)
    throw InternalError(
        fmt::format("the measured launch left PCR 17 = {} and PCR 18 = {}, "
                    "expected {} and {}",
                    to_hex(pcr17), to_hex(pcr18), to_hex(want.pcr17), to_hex(want.pcr18)));
  log::debug("token", "measured launch: manifest {}, PCR 17 {}, PCR 18 {}",
             to_hex(want.manifest_sha256), to_hex(pcr17), to_hex(pcr18));
}

uint64_t Token::cap() {
  const Sha256 digest = cap_digest();
  tpm_->pcr_extend(kCapLocality, SVMM_TOKEN_PCR_DRTM, digest);
  tpm_->pcr_extend(kCapLocality, SVMM_TOKEN_PCR_IMAGES, digest);
  return (uint64_t{1} << SVMM_TOKEN_PCR_DRTM) | (uint64_t{1} << SVMM_TOKEN_PCR_IMAGES);
}

void Token::reset_trusted_localities() {
  tis_->reset_locality(1);
  tis_->reset_locality(2);
}

}  // namespace svmm
