#include "vmm/token/tpm_commands.h"

namespace svmm::tpm {

namespace {

// Big-endian marshalling of one command; finish() patches commandSize.
class Command {
 public:
  Command(uint16_t tag, uint32_t code) {
    u16(tag);
    u32(0);
    u32(code);
  }
  Command& u8(uint8_t v) {
    bytes_.push_back(v);
    return *this;
  }
  Command& u16(uint16_t v) { return u8(static_cast<uint8_t>(v >> 8)).u8(static_cast<uint8_t>(v)); }
  Command& u32(uint32_t v) {
    return u16(static_cast<uint16_t>(v >> 16)).u16(static_cast<uint16_t>(v));
  }
  Command& raw(std::span<const uint8_t> b) {
    bytes_.insert(bytes_.end(), b.begin(), b.end());
    return *this;
  }
  // The authorization area of one password session with an empty password (Part 1, 19.6.14;
  // Part 3, "Command/Response Layout"): authorizationSize, sessionHandle TPM_RS_PW, empty
  // nonce, attributes 0, empty hmac.
  Command& password_session() { return u32(9).u32(kRsPw).u16(0).u8(0).u16(0); }
  std::vector<uint8_t> finish() {
    const auto n = static_cast<uint32_t>(bytes_.size());
    for (int i = 0; i < 4; ++i) bytes_[2 + i] = static_cast<uint8_t>(n >> (24 - 8 * i));
    return std::move(bytes_);
  }

 private:
  std::vector<uint8_t> bytes_;
};

uint32_t be32(std::span<const uint8_t> b, std::size_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) |
         b[at + 3];
}
uint16_t be16(std::span<const uint8_t> b, std::size_t at) {
  return static_cast<uint16_t>((b[at] << 8) | b[at + 1]);
}

// A well-formed success response: at least the header, size field equal to its length.
bool success(std::span<const uint8_t> r) {
  return r.size() >= kHeaderSize && be32(r, 2) == r.size() && be32(r, 6) == kRcSuccess;
}

}  // namespace

std::vector<uint8_t> startup_clear() {
  return Command(kStNoSessions, kCcStartup).u16(kSuClear).finish();
}

std::vector<uint8_t> shutdown_clear() {
  return Command(kStNoSessions, kCcShutdown).u16(kSuClear).finish();
}

std::vector<uint8_t> get_random(uint16_t bytes) {
  return Command(kStNoSessions, kCcGetRandom).u16(bytes).finish();
}

std::vector<uint8_t> pcr_read_sha256(unsigned pcr) {
  // TPML_PCR_SELECTION: count 1, TPMS_PCR_SELECTION {SHA-256, sizeofSelect 3, bitmap}.
  uint8_t select[3] = {0, 0, 0};
  if (pcr < 24) select[pcr / 8] = static_cast<uint8_t>(1u << (pcr % 8));
  return Command(kStNoSessions, kCcPcrRead).u32(1).u16(kAlgSha256).u8(3).raw(select).finish();
}

std::vector<uint8_t> pcr_extend_sha256(unsigned pcr, const Sha256& digest) {
  // pcrHandle, authorization, TPML_DIGEST_VALUES {count 1, TPMT_HA {SHA-256, digest}}.
  return Command(kStSessions, kCcPcrExtend)
      .u32(pcr)
      .password_session()
      .u32(1)
      .u16(kAlgSha256)
      .raw(digest)
      .finish();
}

std::vector<uint8_t> hierarchy_change_auth(uint32_t hierarchy, std::span<const uint8_t> new_auth) {
  return Command(kStSessions, kCcHierarchyChangeAuth)
      .u32(hierarchy)
      .password_session()
      .u16(static_cast<uint16_t>(new_auth.size()))
      .raw(new_auth)
      .finish();
}

std::vector<uint8_t> clear_control(uint32_t auth, bool disable) {
  return Command(kStSessions, kCcClearControl)
      .u32(auth)
      .password_session()
      .u8(disable ? 1 : 0)
      .finish();
}

std::vector<uint8_t> clear(uint32_t auth) {
  return Command(kStSessions, kCcClear).u32(auth).password_session().finish();
}

uint32_t response_code(std::span<const uint8_t> response) {
  if (response.size() < kHeaderSize) return kRcFailure;
  return be32(response, 6);
}

std::optional<Sha256> parse_pcr_read_sha256(std::span<const uint8_t> r) {
  // header, pcrUpdateCounter (4), TPML_PCR_SELECTION (4 + 2 + 1 + 3), TPML_DIGEST count (4),
  // TPM2B_DIGEST size (2) + 32 bytes.
  constexpr std::size_t kSize = kHeaderSize + 4 + 10 + 4 + 2 + 32;
  if (!success(r) || r.size() != kSize) return std::nullopt;
  if (be32(r, kHeaderSize + 4) != 1 || be16(r, kHeaderSize + 8) != kAlgSha256) return std::nullopt;
  if (be32(r, kHeaderSize + 14) != 1 || be16(r, kHeaderSize + 18) != 32) return std::nullopt;
  Sha256 out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = r[kHeaderSize + 20 + i];
  return out;
}

std::optional<std::vector<uint8_t>> parse_get_random(std::span<const uint8_t> r) {
  if (!success(r) || r.size() < kHeaderSize + 2) return std::nullopt;
  const std::size_t n = be16(r, kHeaderSize);
  if (r.size() != kHeaderSize + 2 + n) return std::nullopt;
  return std::vector<uint8_t>(r.begin() + kHeaderSize + 2, r.end());
}

}  // namespace svmm::tpm
