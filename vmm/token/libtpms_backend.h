// The token's TPM: libtpms' TPM 2.0 (the TCG reference implementation, as used by swtpm and
// QEMU) in this process (spec/token.md). libtpms keeps one TPM per process in global state
// (tpm2-tss's tcti-libtpms notes the same), so this lives under vmm/ rather than among the pure
// devices, and at most one LibtpmsBackend exists at a time.
//
// Power-on (the constructor), as platform firmware would:
// 1. libtpms callbacks (TPMLIB_RegisterCallbacks, as swtpm's src/swtpm/swtpm.c does): NV
//    storage through a TpmStateStore (tpm_nvram_loaddata/storedata/deletename), the locality
//    of the current command (tpm_io_getlocality);
// 2. a stored state is checked with TPMLIB_ValidateState first; a state libtpms rejects is
//    `token state 'PATH' is corrupt: ...` (UsageError, exit 2), never replaced. Without one,
//    TPMLIB_MainInit manufactures a fresh TPM;
// 3. TPM2_Startup(CLEAR) at locality 0;
// 4. the platform hierarchy is closed to guests: TPM2_ClearControl(TPM_RH_PLATFORM, YES) so
//    that nobody (not even with the lockout authorization) can TPM2_Clear the TPM, then
//    TPM2_HierarchyChangeAuth(TPM_RH_PLATFORM) to 32 random bytes that are never stored or
//    revealed (PCR_Allocate, ClearControl NO, platform NV writes need it). Both are redone at
//    every start: TPM2_Startup(CLEAR) resets platformAuth.
// PCRs 17-22 read all ones after TPM2_Startup (libtpms' PCRStartup for the PC client
// profile); a DRTM sequence resets them.
//
// Power-off (shutdown(), the destructor): TPM2_Shutdown(CLEAR), which libtpms commits to NV
// (the state store), then TPMLIB_Terminate.
//
// Thread safety: one mutex serializes every call into libtpms.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "chipset/token/tpm_backend.h"
#include "vmm/token/tpm_state_store.h"
#include "vmm/util/sha256.h"

namespace svmm {

struct LibtpmsOptions {
  std::optional<std::filesystem::path> state_dir;  // nullopt: ephemeral (in memory)
};

class LibtpmsBackend final : public TpmBackend {
 public:
  // Throws UsageError (state directory unusable, state corrupt) or InternalError (libtpms
  // failed otherwise; another LibtpmsBackend exists in this process).
  explicit LibtpmsBackend(const LibtpmsOptions& options);
  ~LibtpmsBackend() override;
  LibtpmsBackend(const LibtpmsBackend&) = delete;
  LibtpmsBackend& operator=(const LibtpmsBackend&) = delete;

  // TpmBackend: `command` runs with `locality` reported by tpm_io_getlocality.
  std::size_t execute(unsigned locality, std::span<const uint8_t> command,
                      std::span<uint8_t> response) override;
  bool established() override;
  void reset_established(unsigned locality) override;

  // The monitor's own commands: the response, or InternalError if the TPM answers with an
  // error code (the message names `what` and the code).
  std::vector<uint8_t> transact(unsigned locality, std::span<const uint8_t> command,
                                const char* what);
  // The dynamic root of trust sequence at locality 4: TPM_IO_Hash_Start, TPM_IO_Hash_Data over
  // `data`, TPM_IO_Hash_End (resets PCRs 17-22, extends PCR 17 with SHA-256(data)).
  void drtm(std::span<const uint8_t> data);
  [[nodiscard]] Sha256 pcr_read(unsigned pcr);
  void pcr_extend(unsigned locality, unsigned pcr, const Sha256& digest);

  // TPM2_Shutdown(CLEAR) (once; later calls do nothing). The state is stored as libtpms
  // commits it.
  void shutdown();

  // How many times libtpms stored its permanent state (tests).
  [[nodiscard]] uint64_t state_stores() const { return stores_.load(); }

 private:
  std::size_t process_locked(unsigned locality, std::span<const uint8_t> command,
                             std::span<uint8_t> response);
  void close_platform_hierarchy();

  std::unique_ptr<TpmStateStore> store_;
  std::mutex mutex_;
  std::vector<uint8_t> command_;       // libtpms wants a writable command buffer
  unsigned char* response_ = nullptr;  // libtpms' (re)allocated response buffer
  uint32_t response_capacity_ = 0;
  bool started_ = false;      // TPM2_Startup done, TPM2_Shutdown not yet
  bool initialized_ = false;  // TPMLIB_MainInit succeeded
  std::atomic<uint64_t> stores_{0};

  friend struct LibtpmsCallbacks;
};

}  // namespace svmm
