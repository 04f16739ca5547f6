// The token as the monitor sees it (spec/token.md): the TPM (libtpms), its TIS interface and
// the MMIO window behind the ICH, plus the monitor's own uses of the TPM: the measured launch
// (section 3), the cap of teardown step 2 and the reset of the trusted localities' FIFO buffers
// in teardown step 3 (spec/guest-abi.md section 6). One per process.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>

#include "chipset/config_space.h"
#include "chipset/ich.h"
#include "chipset/token/tis_interface.h"
#include "chipset/token/token_window.h"
#include "vmm/token/libtpms_backend.h"
#include "vmm/util/sha256.h"

namespace svmm {

class Token {
 public:
  // Starts the TPM (see LibtpmsBackend: may throw UsageError for a corrupt state). `ich` and
  // `chipset` must outlive the token's window.
  Token(const LibtpmsOptions& options, Ich& ich, const ConfigSpace& chipset);
  Token(const Token&) = delete;
  Token& operator=(const Token&) = delete;

  // The device at SVMM_MMIO_TOKEN (SVMM_MMIO_TOKEN_SIZE bytes), for the guest OS and the
  // trusted VMs.
  [[nodiscard]] std::shared_ptr<BusDevice> window() const { return window_; }

  // Secure launch (token.md section 3): the DRTM sequence at locality 4 over `manifest`
  // (PCRs 17-22 reset, PCR 17 extended with its SHA-256), then PCR 18 extended with each
  // image's SHA-256 in order, at locality 4. PCRs 17 and 18 are read back and compared with
  // expected_launch_pcrs(). Throws InternalError on any failure (the caller caps).
  void measured_launch(std::span<const uint8_t> manifest, std::span<const Sha256> images);
  // Teardown step 2 (and a failed launch): PCRs 17 and 18 extended with cap_digest() at
  // locality 2. Returns the PCRs capped as bits (1 << 17 | 1 << 18). Throws InternalError.
  uint64_t cap();
  // Teardown step 3: the TIS localities 1 and 2 released, idle, their buffers zeroed.
  void reset_trusted_localities();

  [[nodiscard]] Sha256 pcr_read(unsigned pcr) { return tpm_->pcr_read(pcr); }
  [[nodiscard]] LibtpmsBackend& tpm() { return *tpm_; }
  [[nodiscard]] TisInterface& tis() { return *tis_; }

 private:
  std::unique_ptr<LibtpmsBackend> tpm_;
  std::shared_ptr<TisInterface> tis_;
  std::shared_ptr<TokenWindow> window_;
};

}  // namespace svmm
