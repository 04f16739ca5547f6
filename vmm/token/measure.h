// The PCR values of a measured launch computed without a TPM (spec/token.md section 3), for
// `svmm measure` and for checking what the TPM reports. The TPM's side, as libtpms implements
// the TPM 2.0 reference code (src/tpm2/PCR.c, _TPM_Hash_End):
// - PCRs 17-22 (reset locality includes 4) start as all ones at TPM2_Startup(CLEAR)
//   (PCRStartup) and are reset to zeros by the DRTM sequence (PCRResetDynamics);
// - _TPM_Hash_End completes the hash of the data sent between _TPM_Hash_Start and it, and
//   PcrDrtm() sets PCR 17 to zeros then extends it with that hash:
//   PCR17 = SHA-256(0^32 || SHA-256(manifest));
// - PCR 18, zero after the reset, is then extended by the monitor with each launched image's
//   SHA-256 in config order: PCR18 = SHA-256(... SHA-256(0^32 || h1) ... || hn).
// An extend is PCR := SHA-256(PCR || digest) (TPM2_PCR_Extend).
#pragma once

#include <span>
#include <string>

#include "vmm/util/sha256.h"

namespace svmm {

struct LaunchPcrs {
  Sha256 manifest_sha256{};
  Sha256 pcr17{};
  Sha256 pcr18{};
};

[[nodiscard]] Sha256 pcr_extend(const Sha256& pcr, const Sha256& digest);
[[nodiscard]] LaunchPcrs expected_launch_pcrs(std::span<const uint8_t> manifest,
                                              std::span<const Sha256> images);
// SHA-256 of the 17 ASCII bytes "svmm teardown cap" (spec/token.md section 3).
[[nodiscard]] Sha256 cap_digest();
// A PCR after the cap.
[[nodiscard]] inline Sha256 capped(const Sha256& pcr) { return pcr_extend(pcr, cap_digest()); }

}  // namespace svmm
