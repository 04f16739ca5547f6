// libFuzzer target: the token (spec/token.md) - the TIS interface in front of the real TPM
// (libtpms), behind the token window and the ICH - driven by any sequence of register
// accesses of any width at any offset by any requester (guest OS, trusted VMs, the monitor),
// whole Linux-style command transactions with fuzzed command bodies, chipset transitions that
// open and close localities 1 and 2, and the monitor's resets of localities. Checked after
// every step (a violation is abort(), a crash, a sanitizer report or a hang a bug):
// - locality rules: every command reaches libtpms at a locality its sender may use, and an
//   access to a locality the requester may not use reads all ones and changes nothing in the
//   TIS;
// - TIS invariants: at most one active locality, and it is the one whose ACCESS says so; a
//   locality that is not active is idle with a zeroed buffer; dataAvail only in completion,
//   Expect only in reception; the family bits are always TPM 2.0.
//
// Input: records of bytes read from the front (so seeds are easy to write by hand; see
// tests/fuzz/corpus/tis/): op, then the op's fields (see step()).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "chipset/config_space.h"
#include "chipset/ich.h"
#include "chipset/token/token_window.h"
#include "protocol/chipset.h"
#include "tests/unit/chipset_fakes.h"
#include "tests/unit/token_test_support.h"
#include "vmm/token/libtpms_backend.h"

namespace {

using namespace svmm;  // NOLINT(google-build-using-namespace): a .cc file

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "token invariant violated: %s\n", what);
    std::abort();
  }
}

class Reader {
 public:
  Reader(const uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  [[nodiscard]] bool empty() const { return pos_ >= size_; }
  uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint16_t u16() { return static_cast<uint16_t>(u8() | u8() << 8); }
  uint32_t u32() { return u16() | uint32_t{u16()} << 16; }

 private:
  const uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// The requester of the access being made, for the checking backend.
const ConfigSpace* g_chipset = nullptr;
Requester g_who;

// Forwards to libtpms and checks the locality rule for every command.
class CheckingTpm final : public TpmBackend {
 public:
  explicit CheckingTpm(LibtpmsBackend& tpm) : tpm_(tpm) {}
  std::size_t execute(unsigned locality, std::span<const uint8_t> command,
                      std::span<uint8_t> response) override {
    check(g_chipset && g_chipset->locality_usable(locality, g_who),
          "a command reached the TPM at a locality its sender may not use");
    return tpm_.execute(locality, command, response);
  }
  bool established() override { return tpm_.established(); }
  void reset_established(unsigned locality) override {
    check(locality == 3 || locality == 4, "resetEstablishment below locality 3");
    tpm_.reset_established(locality);
  }

 private:
  LibtpmsBackend& tpm_;
};

LibtpmsBackend& the_tpm() {
  // libtpms keeps one TPM per process: one for the whole run (ephemeral, in memory).
  static LibtpmsBackend tpm(LibtpmsOptions{});
  return tpm;
}

Requester pick_requester(uint8_t b) {
  switch (b % 4) {
    case 0:
      return Requester::guest_os(b >> 4 & 1);
    case 1:
      return Requester::trusted_vm(0, 0);
    case 2:
      return Requester::trusted_vm(1, b >> 4 & 1);
    default:
      return Requester::monitor();
  }
}

constexpr uint32_t kRegs[] = {SVMM_TIS_ACCESS,
                              SVMM_TIS_INT_ENABLE,
                              SVMM_TIS_INT_VECTOR,
                              SVMM_TIS_INT_STATUS,
                              SVMM_TIS_INTF_CAPABILITY,
                              SVMM_TIS_STS,
                              SVMM_TIS_STS + 1,
                              SVMM_TIS_STS + 3,
                              SVMM_TIS_DATA_FIFO,
                              SVMM_TIS_INTERFACE_ID,
                              SVMM_TIS_XDATA_FIFO,
                              SVMM_TIS_XDATA_FIFO + 0x3C,
                              SVMM_TIS_DID_VID,
                              SVMM_TIS_RID,
                              0xFFC};
constexpr std::size_t kWidths[] = {1, 1, 1, 2, 4, 4, 8, 3};
// Command codes worth reaching (the rest of a command is fuzzed).
constexpr uint32_t kCodes[] = {
    0x17B /* GetRandom */,      0x17E /* PCR_Read */,         0x182 /* PCR_Extend */,
    0x17A /* GetCapability */,  0x144 /* Startup */,          0x145 /* Shutdown */,
    0x12A /* NV_DefineSpace */, 0x137 /* NV_Write */,         0x14E /* NV_Read */,
    0x13D /* PCR_Reset */,      0x176 /* StartAuthSession */, 0x143 /* SelfTest */};

struct Snapshot {
  std::optional<unsigned> active;
  std::array<TisState, 5> state{};
  std::array<uint8_t, 5> access{};
  std::array<uint32_t, 5> sts{};
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const TisInterface& tis) {
  Snapshot s;
  s.active = tis.active_locality();
  for (unsigned l = 0; l < 5; ++l) {
    s.state[l] = tis.state(l);
    s.access[l] = tis.access_bits(l);
    s.sts[l] = tis.sts_bits(l);
  }
  return s;
}

void check_invariants(const TisInterface& tis) {
  const auto active = tis.active_locality();
  unsigned active_bits = 0;
  for (unsigned l = 0; l < 5; ++l) {
    const uint8_t access = tis.access_bits(l);
    const uint32_t sts = tis.sts_bits(l);
    const TisState state = tis.state(l);
    if (access & SVMM_TIS_ACCESS_ACTIVE_LOCALITY) ++active_bits;
    check(((access & SVMM_TIS_ACCESS_ACTIVE_LOCALITY) != 0) == (active == l),
          "ACCESS.activeLocality matches the active locality");
    check(access & SVMM_TIS_ACCESS_REG_VALID_STS, "tpmRegValidSts always set");
    check((sts & SVMM_TIS_STS_FAMILY_MASK) == SVMM_TIS_STS_FAMILY_TPM2, "family TPM 2.0");
    if (active != l) {
      check(state == TisState::Idle, "a locality that is not active is idle");
      check(tis.buffer_is_zero(l), "a locality that is not active has a zeroed buffer");
    }
    if (sts & SVMM_TIS_STS_DATA_AVAIL)
      check(state == TisState::Completion, "dataAvail only in completion");
    if (sts & SVMM_TIS_STS_EXPECT) check(state == TisState::Reception, "Expect only in reception");
    check(state != TisState::Execution, "execution is synchronous");
  }
  check(active_bits <= 1, "at most one active locality");
}

void command(ConfigSpace& cs, uint32_t offset, const Requester& who) {
  const uint8_t b[1] = {1};
  cs.write(ChipsetWindow::Private, offset, b, who);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  LibtpmsBackend& tpm = the_tpm();
  fakes::RecordingChipsetHost host;
  ConfigSpace cs(fakes::chipset_options(), host);
  Ich ich(cs);
  CheckingTpm checking(tpm);
  auto tis = std::make_shared<TisInterface>(checking);
  TokenWindow window(ich, cs, tis);
  g_chipset = &cs;

  Reader in(data, size);
  for (int steps = 0; steps < 256 && !in.empty(); ++steps) {
    const uint8_t op = in.u8();
    const Requester who = pick_requester(in.u8());
    g_who = who;
    switch (op % 8) {
      case 0:    // a read anywhere in the window
      case 1: {  // a read of a register of some locality
        uint64_t offset;
        if (op % 8 == 0) {
          offset = in.u16() % 0x5000u;
        } else {
          const unsigned l = in.u8() % 5;
          offset = l * 0x1000u + kRegs[in.u8() % std::size(kRegs)];
        }
        const std::size_t width = kWidths[in.u8() % std::size(kWidths)];
        const unsigned l = static_cast<unsigned>(offset >> 12);
        const bool same_locality = ((offset + width - 1) >> 12) == l;
        const bool usable = cs.locality_usable(l, who);
        const Snapshot before = snapshot(*tis);
        std::vector<uint8_t> b(width);
        window.read(offset, b, who);
        if (!usable && same_locality) {
          for (uint8_t x : b) check(x == 0xFF, "a refused read reads all ones");
          check(snapshot(*tis) == before, "a refused read changes nothing");
        }
        break;
      }
      case 2:
      case 3: {  // a write of a register of some locality, or anywhere
        uint64_t offset;
        if (op % 8 == 2) {
          const unsigned l = in.u8() % 5;
          offset = l * 0x1000u + kRegs[in.u8() % std::size(kRegs)];
        } else {
          offset = in.u16() % 0x5000u;
        }
        const std::size_t width = kWidths[in.u8() % std::size(kWidths)];
        std::vector<uint8_t> b(width);
        for (auto& x : b) x = in.u8();
        const unsigned l = static_cast<unsigned>(offset >> 12);
        const bool same_locality = ((offset + width - 1) >> 12) == l;
        const bool usable = cs.locality_usable(l, who);
        const Snapshot before = snapshot(*tis);
        window.write(offset, b, who);
        if (!usable && same_locality)
          check(snapshot(*tis) == before, "a refused write changes nothing");
        break;
      }
      case 4: {  // a whole Linux-style transaction with a fuzzed command body
        const unsigned l = in.u8() % 5;
        std::vector<uint8_t> cmd = {0x80, static_cast<uint8_t>(in.u8() & 1 ? 0x02 : 0x01), 0, 0, 0,
                                    0};
        const uint32_t code = kCodes[in.u8() % std::size(kCodes)];
        for (int i = 3; i >= 0; --i) cmd.push_back(static_cast<uint8_t>(code >> (8 * i)));
        const std::size_t body = in.u8() % 64;
        for (std::size_t i = 0; i < body; ++i) cmd.push_back(in.u8());
        cmd[5] = static_cast<uint8_t>(cmd.size());
        fakes::TisDriver d(
            {[&](uint64_t o, std::span<uint8_t> b) { window.read(o, b, who); },
             [&](uint64_t o, std::span<const uint8_t> b) { window.write(o, b, who); }});
        const auto r = d.transmit(l, cmd, in.u8() & 1);
        if (r.error == 0) check(r.response.size() >= 10, "a response has a header");
        break;
      }
      case 5: {  // chipset transitions
        switch (in.u8() % 6) {
          case 0:
            cs.secure_launch({});
            break;
          case 1:
            cs.teardown_close();
            break;
          case 2:
            command(cs, SVMM_CS_CMD_OPEN_LOCALITY1, Requester::trusted_vm(0, 0));
            break;
          case 3:
            command(cs, SVMM_CS_CMD_CLOSE_LOCALITY1, Requester::trusted_vm(0, 0));
            break;
          case 4:
            command(cs, SVMM_CS_CMD_OPEN_LOCALITY2, Requester::trusted_vm(0, 0));
            break;
          default:
            command(cs, SVMM_CS_CMD_CLOSE_LOCALITY2, Requester::trusted_vm(1, 0));
            break;
        }
        break;
      }
      case 6:  // the monitor's teardown step 3 (or a reset of any locality)
        tis->reset_locality(in.u8() % 6);
        break;
      default: {  // the monitor polls and reads a register of its own locality 4
        uint8_t b[4];
        g_who = Requester::monitor();
        window.read(0x4000 + kRegs[in.u8() % std::size(kRegs)], b, Requester::monitor());
        break;
      }
    }
    check_invariants(*tis);
  }
  g_chipset = nullptr;
  return 0;
}
