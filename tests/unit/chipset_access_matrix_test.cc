// Every register x window x requester x operation (spec/chipset.md sections 1, 2, 4), with the
// data returned and SVMM.ABORT-COUNT, SVMM.LAST-ABORT and ERRORCODE afterwards. Each cell runs
// on a fresh chipset under the `error-code` policy, with MEM-CONFIG-LOCK and the DPR lock
// cleared so that only the requester rules decide (locks are tested in chipset_locks_test).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "chipset/config_space.h"
#include "chipset/register_table.h"
#include "protocol/chipset.h"
#include "tests/unit/chipset_fakes.h"

namespace svmm {
namespace {

using fakes::read_value;
using fakes::RecordingChipsetHost;
using fakes::write_value;

enum class Who { GuestNoGrant, GuestGranted, TrustedSecure, TrustedNormal, Monitor };
enum class Op { Read, Write };

const char* name(Who w) {
  switch (w) {
    case Who::GuestNoGrant:
      return "guest OS without grant";
    case Who::GuestGranted:
      return "guest OS with grant";
    case Who::TrustedSecure:
      return "trusted VM in secure mode";
    case Who::TrustedNormal:
      return "trusted VM in normal mode";
    case Who::Monitor:
      return "monitor";
  }
  return "?";
}

struct Cell {
  std::unique_ptr<RecordingChipsetHost> host = std::make_unique<RecordingChipsetHost>();
  std::unique_ptr<ConfigSpace> cs;
  Requester who;
};

Cell make_cell(Who w) {
  Cell c;
  ChipsetOptions o = fakes::chipset_options(AbortPolicy::ErrorCode);
  o.dpr &= ~SVMM_DPR_LOCK;
  c.cs = std::make_unique<ConfigSpace>(o, *c.host);
  if (w == Who::TrustedSecure) c.cs->secure_launch({});
  const Requester mon = Requester::monitor();
  if (w == Who::GuestGranted)
    write_value(*c.cs, ChipsetWindow::Private, SVMM_CS_CMD_GRANT_PRIVATE, 0, mon);
  write_value(*c.cs, ChipsetWindow::Private, SVMM_CS_CMD_UNLOCK_MEM_CONFIG, 0, mon);
  EXPECT_EQ(c.host->abort_count(), 0u);
  switch (w) {
    case Who::GuestNoGrant:
    case Who::GuestGranted:
      c.who = Requester::guest_os(0);
      break;
    case Who::TrustedSecure:
    case Who::TrustedNormal:
      c.who = Requester::trusted_vm(0, 0);
      break;
    case Who::Monitor:
      c.who = Requester::monitor();
      break;
  }
  return c;
}

// The oracle: spec/chipset.md section 1's requester table and section 2's columns, read
// literally. Returns the abort reason, 0 when the access is performed.
uint32_t expected_reason(const RegisterDef& r, ChipsetWindow window, Who w, Op op) {
  const bool prot = w == Who::TrustedSecure || w == Who::Monitor;
  const bool granted = w == Who::GuestGranted;
  if (window == ChipsetWindow::Private && !prot && !granted) return 1;
  const std::string_view col = to_string(r.access(window));
  if (op == Op::Read) return (col == "-" && window == ChipsetWindow::Private) ? 2 : 0;
  if (col == "r") return 2;
  if (col == "-") return r.is_command() ? 3 : 2;
  if (col == "cmd" && !prot && (window == ChipsetWindow::Private || r.protected_only)) return 3;
  return 0;
}

// The registers an abort itself updates.
bool abort_changes(uint32_t offset) {
  return offset == SVMM_CS_ERRORCODE || offset == SVMM_CS_ABORT_COUNT ||
         offset == SVMM_CS_LAST_ABORT;
}

constexpr uint64_t expected_error_code(uint32_t reason) {
  return (1ull << 31) | (1ull << 30) | (0x5356ull << 16) | reason;
}

class ChipsetAccessMatrix
    : public ::testing::TestWithParam<std::tuple<std::size_t, ChipsetWindow>> {};

TEST_P(ChipsetAccessMatrix, EveryRequesterAndOperation) {
  const RegisterDef& reg = register_table()[std::get<0>(GetParam())];
  const ChipsetWindow window = std::get<1>(GetParam());
  for (const Who w : {Who::GuestNoGrant, Who::GuestGranted, Who::TrustedSecure, Who::TrustedNormal,
                      Who::Monitor}) {
    for (const Op op : {Op::Read, Op::Write}) {
      SCOPED_TRACE(std::string(name(w)) + (op == Op::Read ? " read" : " write"));
      Cell c = make_cell(w);
      ConfigSpace& cs = *c.cs;
      const uint32_t reason = expected_reason(reg, window, w, op);
      const uint64_t before = cs.read_register(reg.offset);
      const uint64_t errorcode_before = cs.read_register(SVMM_CS_ERRORCODE);
      uint64_t written = 0;
      uint64_t data = 0;
      if (op == Op::Read) {
        data = read_value(cs, window, reg.offset, c.who);
      } else {
        // rw: flip writable bits; w1c: write 0 (clears nothing); cmd: any value triggers.
        if (reg.access(window) == Access::ReadWrite)
          written = before ^ (reg.write_mask & 0xF0F0F0F0F0F0F0F0ull);
        write_value(cs, window, reg.offset, written, c.who);
      }
      if (reason != 0) {
        AbortRecord rec;
        rec.window = window;
        rec.offset = reg.offset;
        rec.width = 8;
        rec.write = op == Op::Write;
        rec.reason = reason;
        rec.who = c.who;
        EXPECT_EQ(cs.read_register(SVMM_CS_ABORT_COUNT), 1u);
        EXPECT_EQ(cs.read_register(SVMM_CS_LAST_ABORT), encode_last_abort(rec));
        EXPECT_EQ(cs.read_register(SVMM_CS_ERRORCODE), expected_error_code(reason));
        ASSERT_EQ(c.host->aborts().size(), 1u);
        EXPECT_EQ(c.host->aborts()[0].record.reason, reason);
        EXPECT_EQ(c.host->aborts()[0].policy, AbortPolicy::ErrorCode);
        if (op == Op::Read) {
          EXPECT_EQ(data, ~0ull);
        } else if (!abort_changes(reg.offset)) {
          EXPECT_EQ(cs.read_register(reg.offset), before) << "an aborted write changed it";
        }
        continue;
      }
      EXPECT_EQ(cs.read_register(SVMM_CS_ABORT_COUNT), 0u);
      if (reg.offset != SVMM_CS_ERRORCODE) {
        EXPECT_EQ(cs.read_register(SVMM_CS_ERRORCODE), errorcode_before);
      }
      EXPECT_EQ(c.host->abort_count(), 0u);
      if (op == Op::Read) {
        const uint64_t expect = reg.is_command() || reg.access(window) == Access::None ? 0
                                : reg.banked()                                         ? 0
                                                                                       : before;
        EXPECT_EQ(data, expect);
      } else if (reg.access(window) == Access::ReadWrite) {
        const uint64_t now =
            reg.banked() ? read_value(cs, window, reg.offset, c.who) : cs.read_register(reg.offset);
        EXPECT_EQ(now, written);
      }
    }
  }
}

std::string cell_name(const ::testing::TestParamInfo<ChipsetAccessMatrix::ParamType>& info) {
  std::string n(register_table()[std::get<0>(info.param)].name);
  for (char& ch : n)
    if (ch == '.' || ch == '-') ch = '_';
  return n + (std::get<1>(info.param) == ChipsetWindow::Private ? "_private" : "_public");
}

INSTANTIATE_TEST_SUITE_P(AllRegisters, ChipsetAccessMatrix,
                         ::testing::Combine(::testing::Range<std::size_t>(0, 38),
                                            ::testing::Values(ChipsetWindow::Public,
                                                              ChipsetWindow::Private)),
                         cell_name);

TEST(ChipsetAccessMatrixSize, CoversTheWholeTable) { EXPECT_EQ(register_table().size(), 38u); }

}  // namespace
}  // namespace svmm
