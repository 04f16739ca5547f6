// The real TPM (vmm/token/libtpms_backend.h, vmm/token/token.h): power-on as firmware does,
// PCRs 17-22, the DRTM sequence against expected_launch_pcrs(), the cap, the locality libtpms
// is told, the closed platform hierarchy, one TPM per process, the state directory (NV kept
// across restarts, corrupt states refused with their path, atomic stores), and the TIS in
// front of it driven the way Linux does.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "chipset/token/tis_interface.h"
#include "protocol/chipset.h"
#include "tests/support/process.h"
#include "tests/unit/chipset_fakes.h"
#include "tests/unit/token_test_support.h"
#include "vmm/token/libtpms_backend.h"
#include "vmm/token/measure.h"
#include "vmm/token/token.h"
#include "vmm/token/tpm_commands.h"
#include "vmm/token/tpm_state_store.h"
#include "vmm/util/error.h"

namespace svmm {
namespace {

using test::TempDir;

// Host-side NV commands for the persistence tests (TPM 2.0 Part 3, sections 31.3, 31.5, 31.13).
std::vector<uint8_t> command(uint16_t tag, uint32_t code, const std::vector<uint8_t>& body) {
  const std::size_t n = 10 + body.size();
  const uint8_t header[10] = {static_cast<uint8_t>(tag >> 8),
                              static_cast<uint8_t>(tag),
                              0,
                              0,
                              static_cast<uint8_t>(n >> 8),
                              static_cast<uint8_t>(n),
                              static_cast<uint8_t>(code >> 24),
                              static_cast<uint8_t>(code >> 16),
                              static_cast<uint8_t>(code >> 8),
                              static_cast<uint8_t>(code)};
  std::vector<uint8_t> c(n);
  std::copy_n(header, 10, c.begin());
  std::copy(body.begin(), body.end(), c.begin() + 10);
  return c;
}
void put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 3; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void password(std::vector<uint8_t>& b) {
  put32(b, 9);
  put32(b, tpm::kRsPw);
  put16(b, 0);
  b.push_back(0);
  put16(b, 0);
}
constexpr uint32_t kIndex = 0x01500016;
std::vector<uint8_t> nv_define() {
  std::vector<uint8_t> b;
  put32(b, tpm::kRhOwner);
  password(b);
  put16(b, 0);
  put16(b, 14);
  put32(b, kIndex);
  put16(b, tpm::kAlgSha256);
  put32(b, 0x02060006);  // OWNERWRITE|AUTHWRITE|OWNERREAD|AUTHREAD|NO_DA
  put16(b, 0);
  put16(b, 8);
  return command(tpm::kStSessions, 0x12A, b);
}
std::vector<uint8_t> nv_write(uint8_t value) {
  std::vector<uint8_t> b;
  put32(b, kIndex);
  put32(b, kIndex);
  password(b);
  put16(b, 8);
  for (int i = 0; i < 8; ++i) b.push_back(value);
  put16(b, 0);
  return command(tpm::kStSessions, 0x137, b);
}
std::vector<uint8_t> nv_read() {
  std::vector<uint8_t> b;
  put32(b, kIndex);
  put32(b, kIndex);
  password(b);
  put16(b, 8);
  put16(b, 0);
  return command(tpm::kStSessions, 0x14E, b);
}

uint32_t run(LibtpmsBackend& tpm, unsigned locality, const std::vector<uint8_t>& cmd,
             std::vector<uint8_t>* response = nullptr) {
  std::vector<uint8_t> r(4096);
  r.resize(tpm.execute(locality, cmd, r));
  if (response) *response = r;
  return tpm::response_code(r);
}

const Sha256 kOnes = [] {
  Sha256 s;
  s.fill(0xFF);
  return s;
}();

std::span<const uint8_t> text(const char* s) {
  return {reinterpret_cast<const uint8_t*>(s), std::strlen(s)};
}

TEST(Libtpms, PowerOnLeavesPcrs17To22AllOnesAndTheOthersZero) {
  LibtpmsBackend tpm({});
  for (unsigned pcr = 0; pcr < 24; ++pcr) {
    const Sha256 v = tpm.pcr_read(pcr);
    if (pcr >= 17 && pcr <= 22)
      EXPECT_EQ(v, kOnes) << pcr;
    else
      EXPECT_EQ(v, Sha256{}) << pcr;
  }
  EXPECT_FALSE(tpm.established());
  EXPECT_EQ(run(tpm, 0, tpm::startup_clear()), tpm::kRcInitialize) << "TPM2_Startup already done";
}

TEST(Libtpms, TheDrtmSequenceProducesTheExpectedPcrs) {
  LibtpmsBackend tpm({});
  const Sha256 images[] = {sha256(text("image one")), sha256(text("image two"))};
  tpm.drtm(text("a launch manifest"));
  for (const auto& h : images) tpm.pcr_extend(4, 18, h);
  const LaunchPcrs want = expected_launch_pcrs(text("a launch manifest"), images);
  EXPECT_EQ(tpm.pcr_read(17), want.pcr17);
  EXPECT_EQ(tpm.pcr_read(18), want.pcr18);
  for (unsigned pcr = 19; pcr <= 22; ++pcr) EXPECT_EQ(tpm.pcr_read(pcr), Sha256{}) << pcr;
  EXPECT_TRUE(tpm.established()) << "TPM_HASH_START sets tpmEstablished";
  // A second DRTM resets PCR 17 again.
  tpm.drtm(text("another"));
  EXPECT_EQ(tpm.pcr_read(17), expected_launch_pcrs(text("another"), {}).pcr17);
  EXPECT_EQ(tpm.pcr_read(18), Sha256{});
}

// The PC client PCR attributes in libtpms (src/tpm2/PCR.c, s_initAttributes: extendLocality):
// 16 and 23 any locality, 17-18 localities 2-4, 19 2-3, 20 1-3, 21-22 locality 2 only.
TEST(Libtpms, TheRequestersLocalityReachesLibtpms) {
  LibtpmsBackend tpm({});
  struct Row {
    unsigned pcr;
    uint8_t allowed;  // bit n: locality n
  };
  const Row rows[] = {{16, 0x1F}, {17, 0x1C}, {18, 0x1C}, {19, 0x0C},
                      {20, 0x0E}, {21, 0x04}, {22, 0x04}, {23, 0x1F}};
  for (const auto& row : rows)
    for (unsigned l = 0; l < 5; ++l) {
      const uint32_t rc = run(tpm, l, tpm::pcr_extend_sha256(row.pcr, Sha256{}));
      EXPECT_EQ(rc, (row.allowed >> l) & 1 ? tpm::kRcSuccess : tpm::kRcLocality)
          << "PCR " << row.pcr << " at locality " << l;
    }
}

TEST(Libtpms, ThePlatformHierarchyIsClosedToEveryone) {
  LibtpmsBackend tpm({});
  EXPECT_NE(run(tpm, 0, tpm::hierarchy_change_auth(tpm::kRhPlatform, {})), 0u);
  EXPECT_NE(run(tpm, 0, tpm::clear_control(tpm::kRhPlatform, false)), 0u);
  EXPECT_EQ(run(tpm, 0, tpm::clear(tpm::kRhLockout)), 0x120u) << "TPM_RC_DISABLED";
  EXPECT_NE(run(tpm, 0, tpm::clear(tpm::kRhPlatform)), 0u);
}

TEST(Libtpms, OneTpmPerProcess) {
  auto first = std::make_unique<LibtpmsBackend>(LibtpmsOptions{});
  EXPECT_THROW(LibtpmsBackend second({}), InternalError);
  ASSERT_EQ(run(*first, 0, nv_define()), 0u);
  first.reset();
  LibtpmsBackend again({});  // ephemeral: a fresh TPM, without the index
  EXPECT_NE(run(again, 0, nv_read()), 0u);
}

TEST(Libtpms, GetRandomAndPcrReadThroughTheTisTheLinuxWay) {
  LibtpmsBackend tpm({});
  TisInterface tis(tpm);
  fakes::TisDriver d({[&](uint64_t o, std::span<uint8_t> b) { tis.read(o, b); },
                      [&](uint64_t o, std::span<const uint8_t> b) { tis.write(o, b); }});
  const auto r1 = d.transmit(0, tpm::get_random(32));
  const auto r2 = d.transmit(0, tpm::get_random(32));
  ASSERT_EQ(r1.error, 0);
  ASSERT_EQ(r2.error, 0);
  ASSERT_TRUE(tpm::parse_get_random(r1.response).has_value());
  EXPECT_EQ(tpm::parse_get_random(r1.response)->size(), 32u);
  EXPECT_NE(r1.response, r2.response);
  const auto p = d.transmit(0, tpm::pcr_read_sha256(17));
  ASSERT_EQ(p.error, 0);
  EXPECT_EQ(tpm::parse_pcr_read_sha256(p.response), kOnes);
  // The locality of the window is the one libtpms sees.
  EXPECT_EQ(tpm::response_code(d.transmit(0, tpm::pcr_extend_sha256(17, Sha256{})).response),
            tpm::kRcLocality);
  EXPECT_EQ(tpm::response_code(d.transmit(2, tpm::pcr_extend_sha256(17, Sha256{})).response), 0u);
  // And the QEMU-test command, TPM2_Startup, answers TPM_RC_INITIALIZE: firmware started it.
  EXPECT_EQ(tpm::response_code(d.transmit(0, tpm::startup_clear()).response), tpm::kRcInitialize);
}

TEST(Libtpms, TheTokenMeasuresCapsAndResetsTheTrustedLocalities) {
  fakes::RecordingChipsetHost host;
  ConfigSpace cs(fakes::chipset_options(), host);
  Ich ich(cs);
  Token token({}, ich, cs);
  const Sha256 images[] = {sha256(text("image"))};
  token.measured_launch(text("manifest"), images);
  const LaunchPcrs want = expected_launch_pcrs(text("manifest"), images);
  EXPECT_EQ(token.pcr_read(17), want.pcr17);
  EXPECT_EQ(token.pcr_read(18), want.pcr18);
  EXPECT_EQ(token.cap(), (1u << 17) | (1u << 18));
  EXPECT_EQ(token.pcr_read(17), capped(want.pcr17));
  EXPECT_EQ(token.pcr_read(18), capped(want.pcr18));
  EXPECT_NE(token.pcr_read(17), want.pcr17);
  // Locality 2 in use by a trusted VM, then teardown step 3.
  cs.secure_launch(want.manifest_sha256);
  const Requester trusted = Requester::trusted_vm(0, 0);
  fakes::TisDriver d(
      {[&](uint64_t o, std::span<uint8_t> b) { token.window()->read(o, b, trusted); },
       [&](uint64_t o, std::span<const uint8_t> b) { token.window()->write(o, b, trusted); }});
  ASSERT_EQ(d.request_locality(2), 0);
  ASSERT_EQ(d.send(2, tpm::get_random(16)), 0);
  d.go(2);
  EXPECT_FALSE(token.tis().buffer_is_zero(2));
  token.reset_trusted_localities();
  EXPECT_TRUE(token.tis().buffer_is_zero(2));
  EXPECT_FALSE(token.tis().active_locality().has_value());
}

TEST(LibtpmsState, AnNvIndexSurvivesARestartWithTheSameStateDir) {
  TempDir dir;
  const std::filesystem::path state = dir.path() + "/tpm";
  {
    LibtpmsBackend tpm({state});
    ASSERT_EQ(run(tpm, 0, nv_define()), 0u);
    ASSERT_EQ(run(tpm, 0, nv_write(0x42)), 0u);
    EXPECT_GT(tpm.state_stores(), 0u);
  }
  EXPECT_TRUE(std::filesystem::exists(state / "permall"));
  EXPECT_FALSE(std::filesystem::exists(state / "permall.tmp"));
  EXPECT_EQ(std::filesystem::status(state).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  LibtpmsBackend tpm({state});
  std::vector<uint8_t> r;
  ASSERT_EQ(run(tpm, 0, nv_read(), &r), 0u);
  ASSERT_GE(r.size(), 24u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(r[16 + static_cast<std::size_t>(i)], 0x42);
  EXPECT_EQ(tpm.pcr_read(17), kOnes) << "PCRs are not part of the permanent state";
}

TEST(LibtpmsState, TheShutdownIsStored) {
  TempDir dir;
  const std::filesystem::path state = dir.path() + "/tpm";
  uint64_t before;
  {
    LibtpmsBackend tpm({state});
    before = tpm.state_stores();
    tpm.shutdown();
    EXPECT_EQ(tpm.state_stores(), before + 1) << "TPM2_Shutdown(CLEAR) is committed to NV";
    tpm.shutdown();  // once only
    EXPECT_EQ(tpm.state_stores(), before + 1);
  }
}

class CorruptState : public ::testing::TestWithParam<const char*> {};

TEST_P(CorruptState, IsAUsageErrorNamingTheFileAndTheFileStays) {
  TempDir dir;
  const std::filesystem::path state = dir.path() + "/tpm";
  { LibtpmsBackend tpm({state}); }
  const std::string file = (state / "permall").string();
  std::string good = test::read_file(file);
  ASSERT_GT(good.size(), 100u);
  std::string bad = good;
  const std::string how = GetParam();
  if (how == "truncated") bad.resize(good.size() / 2);
  if (how == "empty") bad.clear();
  if (how == "garbled") bad.replace(0, 16, "garbage-garbage!");
  if (how == "garbled-tail") bad.resize(good.size() - 8);
  std::ofstream(file, std::ios::trunc | std::ios::binary) << bad;
  try {
    LibtpmsBackend tpm({state});
    FAIL() << "accepted a " << how << " state";
  } catch (const UsageError& e) {
    EXPECT_EQ(e.exit_status(), 2);
    EXPECT_NE(std::string(e.what()).find("token state '" + file + "' is corrupt: "),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(test::read_file(file), bad) << "never silently replaced";
  LibtpmsBackend ephemeral({});  // the process's TPM slot was released
}

INSTANTIATE_TEST_SUITE_P(Ways, CorruptState,
                         ::testing::Values("truncated", "empty", "garbled", "garbled-tail"));

TEST(TokenStateStore, TheDirectoryIsLockedAgainstASecondSvmm) {
  TempDir dir;
  DirectoryStateStore first(dir.path() + "/s");
  try {
    DirectoryStateStore second(dir.path() + "/s");
    FAIL() << "two stores share a directory";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("is in use by another svmm"), std::string::npos)
        << e.what();
  }
}

TEST(TokenStateStore, StoresAreAtomicAndLeftoversOfACrashAreIgnored) {
  TempDir dir;
  const std::string d = dir.path() + "/s";
  {
    DirectoryStateStore s(d);
    EXPECT_FALSE(s.load("permall").has_value());
    const std::vector<uint8_t> v1 = {1, 2, 3};
    s.store("permall", v1);
    EXPECT_EQ(s.load("permall"), v1);
    EXPECT_FALSE(std::filesystem::exists(d + "/permall.tmp"));
    EXPECT_EQ(s.describe("permall"), d + "/permall");
    EXPECT_FALSE(s.load("../escape").has_value());
    EXPECT_THROW(s.store("../escape", v1), std::runtime_error);
  }
  // A crash between writing the temporary file and the rename: the old state is current.
  std::ofstream(d + "/permall.tmp") << "half a new state";
  DirectoryStateStore s(d);
  EXPECT_EQ(s.load("permall"), (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_FALSE(std::filesystem::exists(d + "/permall.tmp"));
}

TEST(TokenStateStore, AnUnreadableStateIsAUsageError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  TempDir dir;
  const std::string d = dir.path() + "/s";
  {
    DirectoryStateStore s(d);
    s.store("permall", std::vector<uint8_t>{1});
  }
  ::chmod((d + "/permall").c_str(), 0);
  EXPECT_THROW(DirectoryStateStore s(d), UsageError);
}

}  // namespace
}  // namespace svmm
