// What the TIS interface needs from the TPM behind it (spec/token.md section 1): run one
// command at a locality, and the TPM_ACCESS.tpmEstablishment flag. The real one is libtpms
// (vmm/token/libtpms_backend.h); unit tests use fakes. Like QEMU's TPMBackend
// (include/sysemu/tpm_backend.h), without the asynchronous delivery: libtpms answers fast
// enough that the TIS runs commands synchronously, inside the tpmGo write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace svmm {

class TpmBackend {
 public:
  virtual ~TpmBackend() = default;

  // Executes `command` as sent by software at `locality` (0-4) and writes the response into
  // `response`; returns its length (<= response.size()). `response` may be the same memory as
  // `command` (the TIS answers in its FIFO buffer): the command is consumed before the response
  // is written. Never throws for a malformed command: the TPM answers those with an error
  // response. Thread-safe.
  [[nodiscard]] virtual std::size_t execute(unsigned locality, std::span<const uint8_t> command,
                                            std::span<uint8_t> response) = 0;

  // The TPM's tpmEstablished flag: set by a DRTM sequence (TPM_HASH_START), cleared by
  // TPM_STS.resetEstablishmentBit at locality 3 or 4. ACCESS bit 0 reads its negation.
  [[nodiscard]] virtual bool established() = 0;
  virtual void reset_established(unsigned locality) = 0;
};

}  // namespace svmm
