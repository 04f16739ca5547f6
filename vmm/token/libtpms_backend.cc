#include "vmm/token/libtpms_backend.h"

#include <fmt/format.h>
#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>
#include <libtpms/tpm_nvfilename.h>
#include <libtpms/tpm_tis.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "protocol/token.h"
#include "vmm/token/tpm_commands.h"
#include "vmm/util/error.h"
#include "vmm/util/log.h"

namespace svmm {

// libtpms' callbacks are plain C functions without a context pointer: they reach the one
// backend of the process through these globals, which are only touched with the backend's
// mutex held (libtpms calls back on the thread that called into it).
struct LibtpmsCallbacks {
  static inline std::atomic<bool> exists{false};  // a LibtpmsBackend exists
  static inline LibtpmsBackend* backend = nullptr;
  static inline unsigned locality = 0;

  // tpm_nvram_loaddata: TPM_RETRY means "no such blob" (libtpms then manufactures a new TPM,
  // see TPM2_MainInit / _TPM2_CheckNVRAMFileExists). libtpms frees the data with free().
  static TPM_RESULT load(unsigned char** data, uint32_t* length, uint32_t, const char* name) {
    try {
      auto blob = backend->store_->load(name);
      if (!blob) return TPM_RETRY;
      auto* p = static_cast<unsigned char*>(std::malloc(std::max<std::size_t>(blob->size(), 1)));
      if (!p) return TPM_FAIL;
      if (!blob->empty()) std::memcpy(p, blob->data(), blob->size());
      *data = p;
      *length = static_cast<uint32_t>(blob->size());
      return TPM_SUCCESS;
    } catch (...) {
      return TPM_FAIL;
    }
  }

  static TPM_RESULT store(const unsigned char* data, uint32_t length, uint32_t, const char* name) {
    try {
      backend->store_->store(name, std::span<const uint8_t>(data, length));
      if (std::strcmp(name, TPM_PERMANENT_ALL_NAME) == 0) backend->stores_.fetch_add(1);
      return TPM_SUCCESS;
    } catch (const std::exception& e) {
      log::error("token", "cannot store the TPM state: {}", e.what());
      return TPM_FAIL;
    }
  }

  static TPM_RESULT remove(uint32_t, const char* name, TPM_BOOL) {
    try {
      backend->store_->remove(name);
    } catch (...) {
    }
    return TPM_SUCCESS;
  }

  // tpm_io_getlocality: the locality of the command being processed (TPM2_Process asks it
  // before every command, see libtpms src/tpm_tpm2_interface.c).
  static TPM_RESULT get_locality(TPM_MODIFIER_INDICATOR* locality_modifier, uint32_t) {
    *locality_modifier = locality;
    return TPM_SUCCESS;
  }
};

namespace {

std::string rc_text(uint32_t rc) { return fmt::format("TPM_RC 0x{:x}", rc); }

}  // namespace

LibtpmsBackend::LibtpmsBackend(const LibtpmsOptions& options) {
  if (LibtpmsCallbacks::exists.exchange(true))
    throw InternalError("libtpms keeps one TPM per process and it is in use");
  try {
    if (options.state_dir)
      store_ = std::make_unique<DirectoryStateStore>(*options.state_dir);
    else
      store_ = std::make_unique<MemoryStateStore>();
    command_.resize(SVMM_TIS_BUFFER_SIZE);

    std::lock_guard<std::mutex> lock(mutex_);
    LibtpmsCallbacks::backend = this;
    LibtpmsCallbacks::locality = 0;
    libtpms_callbacks callbacks{};
    callbacks.sizeOfStruct = sizeof callbacks;
    callbacks.tpm_nvram_loaddata = &LibtpmsCallbacks::load;
    callbacks.tpm_nvram_storedata = &LibtpmsCallbacks::store;
    callbacks.tpm_nvram_deletename = &LibtpmsCallbacks::remove;
    callbacks.tpm_io_getlocality = &LibtpmsCallbacks::get_locality;
    if (TPM_RESULT rc = TPMLIB_ChooseTPMVersion(TPMLIB_TPM_VERSION_2); rc != TPM_SUCCESS)
      throw InternalError("libtpms: cannot choose TPM 2.0 (" + rc_text(rc) + ")");
    if (TPM_RESULT rc = TPMLIB_RegisterCallbacks(&callbacks); rc != TPM_SUCCESS)
      throw InternalError("libtpms: cannot register callbacks (" + rc_text(rc) + ")");

    const std::string state_path = store_->describe(TPM_PERMANENT_ALL_NAME);
    const bool have_state = store_->load(TPM_PERMANENT_ALL_NAME).has_value();
    if (have_state) {
      if (TPM_RESULT rc = TPMLIB_ValidateState(TPMLIB_STATE_PERMANENT, 0); rc != TPM_SUCCESS)
        throw UsageError("token state '" + state_path + "' is corrupt: libtpms rejects it (" +
                         rc_text(rc) + ")");
    }
    if (TPM_RESULT rc = TPMLIB_MainInit(); rc != TPM_SUCCESS) {
      TPMLIB_Terminate();
      if (have_state)
        throw UsageError("token state '" + state_path +
                         "' is corrupt: libtpms cannot start from it (" + rc_text(rc) + ")");
      throw InternalError("libtpms: TPMLIB_MainInit failed (" + rc_text(rc) + ")");
    }
    initialized_ = true;

    const auto startup = tpm::startup_clear();
    uint8_t response[64];
    const std::size_t n = process_locked(0, startup, response);
    if (const uint32_t rc = tpm::response_code(std::span<const uint8_t>(response, n));
        rc != tpm::kRcSuccess) {
      if (have_state)
        throw UsageError("token state '" + state_path + "' is corrupt: TPM2_Startup fails (" +
                         rc_text(rc) + ")");
      throw InternalError("TPM2_Startup(CLEAR) failed (" + rc_text(rc) + ")");
    }
    started_ = true;
  } catch (...) {
    if (initialized_) TPMLIB_Terminate();
    std::free(response_);
    response_ = nullptr;
    LibtpmsCallbacks::backend = nullptr;
    LibtpmsCallbacks::exists.store(false);
    throw;
  }
  try {
    close_platform_hierarchy();
  } catch (...) {
    shutdown();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      TPMLIB_Terminate();
    }
    std::free(response_);
    LibtpmsCallbacks::backend = nullptr;
    LibtpmsCallbacks::exists.store(false);
    throw;
  }
  log::debug("token", "TPM 2.0 (libtpms {:#x}) started, state {}", TPMLIB_GetVersion(),
             store_->describe(TPM_PERMANENT_ALL_NAME));
}

LibtpmsBackend::~LibtpmsBackend() {
  try {
    shutdown();
  } catch (const std::exception& e) {
    log::error("token", "TPM2_Shutdown failed: {}", e.what());
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    TPMLIB_Terminate();
    if (response_) OPENSSL_cleanse(response_, response_capacity_);
    std::free(response_);
    response_ = nullptr;
    OPENSSL_cleanse(command_.data(), command_.size());
    LibtpmsCallbacks::backend = nullptr;
  }
  LibtpmsCallbacks::exists.store(false);
}

void LibtpmsBackend::close_platform_hierarchy() {
  // First, while platformAuth is still empty: TPM2_Clear disabled (only the platform could
  // enable it again). Then platformAuth becomes a random value nobody will ever know.
  (void)transact(0, tpm::clear_control(tpm::kRhPlatform, true), "TPM2_ClearControl(platform)");
  std::array<uint8_t, 32> auth{};
  if (RAND_bytes(auth.data(), static_cast<int>(auth.size())) != 1)
    throw InternalError("no random bytes for the platform authorization");
  auto command = tpm::hierarchy_change_auth(tpm::kRhPlatform, auth);
  OPENSSL_cleanse(auth.data(), auth.size());
  try {
    (void)transact(0, command, "TPM2_HierarchyChangeAuth(platform)");
  } catch (...) {
    OPENSSL_cleanse(command.data(), command.size());
    throw;
  }
  OPENSSL_cleanse(command.data(), command.size());
}

std::size_t LibtpmsBackend::process_locked(unsigned locality, std::span<const uint8_t> command,
                                           std::span<uint8_t> response) {
  // The command is copied out first: `response` may alias it, and TPMLIB_Process takes a
  // non-const buffer.
  const std::size_t len = std::min(command.size(), command_.size());
  std::copy_n(command.begin(), len, command_.begin());
  LibtpmsCallbacks::locality = locality;
  uint32_t resp_len = 0;
  const TPM_RESULT rc = TPMLIB_Process(&response_, &resp_len, &response_capacity_, command_.data(),
                                       static_cast<uint32_t>(len));
  OPENSSL_cleanse(command_.data(), len);
  if (rc != TPM_SUCCESS || !response_) {
    // libtpms could not even produce a response: answer TPM_RC_FAILURE ourselves.
    const uint8_t failure[tpm::kHeaderSize] = {0x80, 0x01, 0, 0, 0, 10, 0, 0, 0x01, 0x01};
    const std::size_t n = std::min(response.size(), sizeof failure);
    std::copy_n(failure, n, response.begin());
    return n;
  }
  const std::size_t n = std::min<std::size_t>(resp_len, response.size());
  std::copy_n(response_, n, response.begin());
  OPENSSL_cleanse(response_, resp_len);  // responses may carry a trusted VM's secrets
  return n;
}

std::size_t LibtpmsBackend::execute(unsigned locality, std::span<const uint8_t> command,
                                    std::span<uint8_t> response) {
  std::lock_guard<std::mutex> lock(mutex_);
  return process_locked(locality, command, response);
}

bool LibtpmsBackend::established() {
  std::lock_guard<std::mutex> lock(mutex_);
  TPM_BOOL flag = 0;
  if (TPM_IO_TpmEstablished_Get(&flag) != TPM_SUCCESS) return false;
  return flag != 0;
}

void LibtpmsBackend::reset_established(unsigned locality) {
  std::lock_guard<std::mutex> lock(mutex_);
  LibtpmsCallbacks::locality = locality;  // TPM2_IO_TpmEstablished_Reset checks it (3 or 4)
  (void)TPM_IO_TpmEstablished_Reset();
}

std::vector<uint8_t> LibtpmsBackend::transact(unsigned locality, std::span<const uint8_t> command,
                                              const char* what) {
  std::vector<uint8_t> response(SVMM_TIS_BUFFER_SIZE);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    response.resize(process_locked(locality, command, response));
  }
  if (const uint32_t rc = tpm::response_code(response); rc != tpm::kRcSuccess)
    throw InternalError(fmt::format("{} at locality {} failed ({})", what, locality, rc_text(rc)));
  return response;
}

void LibtpmsBackend::drtm(std::span<const uint8_t> data) {
  std::lock_guard<std::mutex> lock(mutex_);
  // The locality-4 sequence (TIS TPM_HASH_START / TPM_HASH_DATA / TPM_HASH_END; libtpms
  // src/tpm_tpm2_tis.c): nothing else runs in between, the mutex is held throughout.
  LibtpmsCallbacks::locality = 4;
  if (TPM_RESULT rc = TPM_IO_Hash_Start(); rc != TPM_SUCCESS)
    throw InternalError("TPM_IO_Hash_Start failed (" + rc_text(rc) + ")");
  for (std::size_t done = 0; done < data.size();) {
    const std::size_t n = std::min<std::size_t>(data.size() - done, 64 * 1024);
    if (TPM_RESULT rc = TPM_IO_Hash_Data(data.data() + done, static_cast<uint32_t>(n));
        rc != TPM_SUCCESS)
      throw InternalError("TPM_IO_Hash_Data failed (" + rc_text(rc) + ")");
    done += n;
  }
  if (TPM_RESULT rc = TPM_IO_Hash_End(); rc != TPM_SUCCESS)
    throw InternalError("TPM_IO_Hash_End failed (" + rc_text(rc) + ")");
}

Sha256 LibtpmsBackend::pcr_read(unsigned pcr) {
  const auto response = transact(0, tpm::pcr_read_sha256(pcr), "TPM2_PCR_Read");
  auto value = tpm::parse_pcr_read_sha256(response);
  if (!value) throw InternalError(fmt::format("TPM2_PCR_Read of PCR {}: unexpected response", pcr));
  return *value;
}

void LibtpmsBackend::pcr_extend(unsigned locality, unsigned pcr, const Sha256& digest) {
  (void)transact(locality, tpm::pcr_extend_sha256(pcr, digest), "TPM2_PCR_Extend");
}

void LibtpmsBackend::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_) return;
    started_ = false;
  }
  (void)transact(0, tpm::shutdown_clear(), "TPM2_Shutdown(CLEAR)");
}

}  // namespace svmm
