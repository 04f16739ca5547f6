// SHA-256 through OpenSSL's libcrypto (already a dependency of libtpms): measurements of the
// launch manifest and of trusted images (spec/token.md section 3).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace svmm {

using Sha256 = std::array<uint8_t, 32>;

class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void update(std::span<const uint8_t> bytes);
  [[nodiscard]] Sha256 finish();

 private:
  void* ctx_;  // EVP_MD_CTX
};

[[nodiscard]] Sha256 sha256(std::span<const uint8_t> bytes);
[[nodiscard]] std::string to_hex(std::span<const uint8_t> bytes);  // lower-case

}  // namespace svmm
