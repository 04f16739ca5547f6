// Measurements without a TPM (vmm/token/measure.h) and the monitor's TPM command byte strings
// (vmm/token/tpm_commands.h).
#include <gtest/gtest.h>

#include <string>

#include "vmm/launch_manifest.h"
#include "vmm/token/measure.h"
#include "vmm/token/tpm_commands.h"

namespace svmm {
namespace {

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(TokenMeasure, Pcr17IsTheManifestHashExtendedIntoZeros) {
  // SHA-256(0^32 || SHA-256("abc")), the value libtpms' _TPM_Hash_End leaves in PCR 17.
  const auto p = expected_launch_pcrs(bytes("abc"), {});
  EXPECT_EQ(to_hex(p.manifest_sha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(p.pcr17), "589f9ffed4c477966bfb8d41f37895b08c69047df8f911d6f3b57fbe08faee8d");
  EXPECT_EQ(to_hex(p.pcr18), std::string(64, '0')) << "no image: PCR 18 stays at its DRTM reset";
}

TEST(TokenMeasure, Pcr18ExtendsEveryImageInOrder) {
  const Sha256 images[] = {sha256(bytes("img1")), sha256(bytes("img2"))};
  const auto p = expected_launch_pcrs(bytes("m"), images);
  EXPECT_EQ(to_hex(p.pcr18), "78f4aca6ab4699f553c07791a04e85ed12035472e8823d8884d94151fa394041");
  const Sha256 swapped[] = {images[1], images[0]};
  EXPECT_NE(expected_launch_pcrs(bytes("m"), swapped).pcr18, p.pcr18);
}

TEST(TokenMeasure, TheCapDigestIsTheHashOfTheSeventeenBytes) {
  EXPECT_EQ(to_hex(cap_digest()),
            "823c1807e99b76737284ca360d1e28a3954a9116b472a0da4571f92938cafcaf");
  const Sha256 zero{};
  EXPECT_EQ(capped(zero), pcr_extend(zero, cap_digest()));
  EXPECT_NE(capped(zero), zero);
}

TEST(TokenCommands, StartupAndShutdownAreTheCanonicalTwelveBytes) {
  EXPECT_EQ(tpm::startup_clear(),
            (std::vector<uint8_t>{0x80, 0x01, 0, 0, 0, 0x0C, 0, 0, 0x01, 0x44, 0, 0}));
  EXPECT_EQ(tpm::shutdown_clear(),
            (std::vector<uint8_t>{0x80, 0x01, 0, 0, 0, 0x0C, 0, 0, 0x01, 0x45, 0, 0}));
}

TEST(TokenCommands, PcrReadSelectsOneSha256Pcr) {
  const auto c = tpm::pcr_read_sha256(17);
  EXPECT_EQ(c, (std::vector<uint8_t>{0x80, 0x01, 0, 0, 0,    0x14, 0, 0, 0x01, 0x7E,
                                     0,    0,    0, 1, 0x00, 0x0B, 3, 0, 0,    0x02}));
}

TEST(TokenCommands, PcrExtendCarriesAPasswordSessionAndTheDigest) {
  Sha256 d{};
  d[0] = 0xAB;
  const auto c = tpm::pcr_extend_sha256(18, d);
  ASSERT_EQ(c.size(), 10u + 4 + 4 + 9 + 4 + 2 + 32);
  EXPECT_EQ(c[1], 0x02);                                                  // TPM_ST_SESSIONS
  EXPECT_EQ(c[13], 18);                                                   // pcrHandle
  EXPECT_EQ(c[17], 9);                                                    // authorizationSize
  EXPECT_EQ(c[18] << 24 | c[19] << 16 | c[20] << 8 | c[21], 0x40000009);  // TPM_RS_PW
  EXPECT_EQ(c[30], 1);                                                    // one digest
  EXPECT_EQ(c[32], 0x0B);                                                 // SHA-256
  EXPECT_EQ(c[33], 0xAB);
}

TEST(TokenCommands, ResponsesAreParsedStrictly) {
  std::vector<uint8_t> r = {0x80, 0x01, 0, 0, 0,    62, 0, 0, 0, 0, 0, 0, 0, 7, 0,
                            0,    0,    1, 0, 0x0B, 3,  0, 0, 2, 0, 0, 0, 1, 0, 32};
  for (int i = 0; i < 32; ++i) r.push_back(static_cast<uint8_t>(i));
  ASSERT_TRUE(tpm::parse_pcr_read_sha256(r).has_value());
  EXPECT_EQ((*tpm::parse_pcr_read_sha256(r))[31], 31);
  r[9] = 1;  // an error code
  EXPECT_FALSE(tpm::parse_pcr_read_sha256(r).has_value());
  EXPECT_EQ(tpm::response_code(r), 1u);
  EXPECT_EQ(tpm::response_code(std::vector<uint8_t>{0x80}), tpm::kRcFailure);
  std::vector<uint8_t> g = {0x80, 0x01, 0, 0, 0, 14, 0, 0, 0, 0, 0, 2, 0xAA, 0xBB};
  EXPECT_EQ(tpm::parse_get_random(g), (std::vector<uint8_t>{0xAA, 0xBB}));
  g[11] = 3;
  EXPECT_FALSE(tpm::parse_get_random(g).has_value());
}

TEST(TokenMeasure, TheManifestOfOneVmIsThatVmAlone) {
  ManifestEntry a{"vault", 16 << 20, 1, {}, "x"}, b{"signer", 8 << 20, 2, {}, ""};
  const ManifestEntry both[] = {a, b};
  const ManifestEntry one[] = {b};
  EXPECT_NE(expected_launch_pcrs(launch_manifest(both), {}).pcr17,
            expected_launch_pcrs(launch_manifest(one), {}).pcr17);
}

}  // namespace
}  // namespace svmm
