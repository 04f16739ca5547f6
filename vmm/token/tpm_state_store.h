// Where the TPM's NV state lives (spec/token.md section 4): libtpms hands svmm its state blobs
// by name ("permall": the permanent state, see libtpms' tpm_nvfilename.h) through the NV
// callbacks (swtpm's SWTPM_NVRAM_LoadData/StoreData do the same job).
// - MemoryStateStore: the TPM is ephemeral, manufactured fresh at each start.
// - DirectoryStateStore (token.state_dir): each blob is a file of that name in the directory,
//   written to NAME.tmp, fsynced, renamed over NAME, then the directory fsynced, so a crash at
//   any point leaves the old or the new state, never a torn one. The directory is created
//   (0700) if missing and locked (flock on `lock`) for the life of the store, so two svmm
//   processes never share one TPM state.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "vmm/util/unique_fd.h"

namespace svmm {

class TpmStateStore {
 public:
  virtual ~TpmStateStore() = default;
  // The blob called `name`, or nothing if there is none. Never throws.
  [[nodiscard]] virtual std::optional<std::vector<uint8_t>> load(const std::string& name) = 0;
  // Replaces the blob `name`. Throws std::runtime_error when it cannot be stored durably.
  virtual void store(const std::string& name, std::span<const uint8_t> data) = 0;
  virtual void remove(const std::string& name) = 0;
  // Where a blob lives, for messages ("memory" for the ephemeral store).
  [[nodiscard]] virtual std::string describe(const std::string& name) const = 0;
};

class MemoryStateStore final : public TpmStateStore {
 public:
  std::optional<std::vector<uint8_t>> load(const std::string& name) override;
  void store(const std::string& name, std::span<const uint8_t> data) override;
  void remove(const std::string& name) override;
  [[nodiscard]] std::string describe(const std::string& name) const override;

 private:
  std::map<std::string, std::vector<uint8_t>> blobs_;
};

class DirectoryStateStore final : public TpmStateStore {
 public:
  // Creates and locks `dir` and reads the blobs libtpms asks for at start-up ("permall").
  // Throws UsageError when the directory cannot be used or is locked by another process, or a
  // state file cannot be read.
  explicit DirectoryStateStore(std::filesystem::path dir);

  std::optional<std::vector<uint8_t>> load(const std::string& name) override;
  void store(const std::string& name, std::span<const uint8_t> data) override;
  void remove(const std::string& name) override;
  [[nodiscard]] std::string describe(const std::string& name) const override;

 private:
  [[nodiscard]] std::optional<std::vector<uint8_t>> read_file(const std::string& name) const;

  std::filesystem::path dir_;
  UniqueFd dir_fd_;
  UniqueFd lock_fd_;
  std::map<std::string, std::vector<uint8_t>> cache_;  // what is on disk, for load()
};

}  // namespace svmm
