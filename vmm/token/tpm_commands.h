// The few TPM 2.0 commands svmm itself sends (spec/token.md section 3: start-up, closing the
// platform hierarchy, PCR reads and extends for the measured launch and the cap, shutdown),
// as byte strings, and the parsing of their responses (TCG TPM 2.0 Library, Part 3). This is
// not TPM command processing: libtpms executes them like any other command.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "vmm/util/sha256.h"

namespace svmm::tpm {

// Part 2 constants.
inline constexpr uint16_t kStNoSessions = 0x8001;
inline constexpr uint16_t kStSessions = 0x8002;
inline constexpr uint16_t kAlgSha256 = 0x000B;
inline constexpr uint32_t kRhOwner = 0x40000001;
inline constexpr uint32_t kRsPw = 0x40000009;
inline constexpr uint32_t kRhLockout = 0x4000000A;
inline constexpr uint32_t kRhPlatform = 0x4000000C;
inline constexpr uint16_t kSuClear = 0x0000;
inline constexpr uint32_t kCcHierarchyChangeAuth = 0x00000129;
inline constexpr uint32_t kCcClearControl = 0x00000127;
inline constexpr uint32_t kCcClear = 0x00000126;
inline constexpr uint32_t kCcStartup = 0x00000144;
inline constexpr uint32_t kCcShutdown = 0x00000145;
inline constexpr uint32_t kCcGetRandom = 0x0000017B;
inline constexpr uint32_t kCcPcrRead = 0x0000017E;
inline constexpr uint32_t kCcPcrExtend = 0x00000182;
inline constexpr uint32_t kRcSuccess = 0x000;
inline constexpr uint32_t kRcInitialize = 0x100;  // TPM2_Startup already done
inline constexpr uint32_t kRcFailure = 0x101;
inline constexpr uint32_t kRcLocality = 0x907;
inline constexpr std::size_t kHeaderSize = 10;

// Commands. Authorizations use a password session with an empty password (TPM_RS_PW).
[[nodiscard]] std::vector<uint8_t> startup_clear();
[[nodiscard]] std::vector<uint8_t> shutdown_clear();
[[nodiscard]] std::vector<uint8_t> get_random(uint16_t bytes);
[[nodiscard]] std::vector<uint8_t> pcr_read_sha256(unsigned pcr);
[[nodiscard]] std::vector<uint8_t> pcr_extend_sha256(unsigned pcr, const Sha256& digest);
[[nodiscard]] std::vector<uint8_t> hierarchy_change_auth(uint32_t hierarchy,
                                                         std::span<const uint8_t> new_auth);
[[nodiscard]] std::vector<uint8_t> clear_control(uint32_t auth, bool disable);
[[nodiscard]] std::vector<uint8_t> clear(uint32_t auth);

// The response code of a response (TPM_RC_FAILURE if it is too short to have one).
[[nodiscard]] uint32_t response_code(std::span<const uint8_t> response);
// TPM2_PCR_Read of one SHA-256 PCR: its value, if the response carries exactly that.
[[nodiscard]] std::optional<Sha256> parse_pcr_read_sha256(std::span<const uint8_t> response);
// TPM2_GetRandom: the random bytes.
[[nodiscard]] std::optional<std::vector<uint8_t>> parse_get_random(
    std::span<const uint8_t> response);

}  // namespace svmm::tpm
