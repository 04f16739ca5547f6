// The register table against spec/chipset.md section 2, transcribed row by row here.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

#include "chipset/register_table.h"
#include "protocol/chipset.h"

namespace svmm {
namespace {

struct SpecRow {
  uint32_t offset;
  std::string_view name;
  uint8_t width;
  std::string_view pub;
  std::string_view priv;
};

// spec/chipset.md section 2, verbatim columns.
constexpr SpecRow kSpec[] = {
    {0x000, "STS", 8, "r", "r"},
    {0x008, "ESTS", 8, "r", "w1c"},
    {0x030, "ERRORCODE", 8, "r", "rw"},
    {0x038, "CMD.RESET", 8, "-", "cmd"},
    {0x048, "CMD.CLOSE-PRIVATE", 8, "-", "cmd"},
    {0x100, "VER.FSBIF", 8, "r", "r"},
    {0x110, "DIDVID", 8, "r", "r"},
    {0x200, "VER.QPIIF", 8, "r", "r"},
    {0x218, "CMD.UNLOCK-MEM-CONFIG", 8, "-", "cmd"},
    {0x270, "SINIT.BASE", 8, "r", "rw"},
    {0x278, "SINIT.SIZE", 8, "r", "rw"},
    {0x290, "MLE.JOIN", 8, "r", "rw"},
    {0x300, "HEAP.BASE", 8, "r", "rw"},
    {0x308, "HEAP.SIZE", 8, "r", "rw"},
    {0x330, "DPR", 8, "r", "rw"},
    {0x380, "CMD.OPEN-LOCALITY1", 8, "-", "cmd"},
    {0x388, "CMD.CLOSE-LOCALITY1", 8, "-", "cmd"},
    {0x390, "CMD.OPEN-LOCALITY2", 8, "-", "cmd"},
    {0x398, "CMD.CLOSE-LOCALITY2", 8, "-", "cmd"},
    {0x400, "PUBLIC.KEY", 32, "r", "r"},
    {0x8E0, "CMD.SECRETS", 8, "-", "cmd"},
    {0x8E8, "CMD.NO-SECRETS", 8, "-", "cmd"},
    {0x8F0, "E2STS", 8, "r", "r"},
    {0xA00, "SVMM.SCRATCH", 8, "rw", "rw"},
    {0xA08, "SVMM.STATE", 8, "r", "r"},
    {0xA10, "SVMM.ABORT-COUNT", 8, "r", "r"},
    {0xA18, "SVMM.LAST-ABORT", 8, "r", "r"},
    {0xA20, "SVMM.TEARDOWN-COUNT", 8, "r", "r"},
    {0xA80, "SVMM.CMD.GRANT-PRIVATE", 8, "-", "cmd"},
    {0xA88, "SVMM.OWNER-SCRATCH", 8, "r", "rw"},
    {0xB00, "SVMM.HC.ARG0", 8, "rw", "rw"},
    {0xB08, "SVMM.HC.ARG1", 8, "rw", "rw"},
    {0xB10, "SVMM.HC.ARG2", 8, "rw", "rw"},
    {0xB18, "SVMM.HC.ARG3", 8, "rw", "rw"},
    {0xB20, "SVMM.HC.CALL", 8, "cmd", "cmd"},
    {0xB28, "SVMM.HC.RESULT", 8, "r", "r"},
    {0xE00, "ICH.TOKEN-STS", 8, "r", "r"},
    {0xE08, "ICH.TOKEN-FORWARDS", 8, "r", "r"},
};

TEST(ChipsetRegisterTable, EverySpecRowIsInTheTableWithItsColumns) {
  const auto table = register_table();
  ASSERT_EQ(table.size(), std::size(kSpec));
  for (std::size_t i = 0; i < table.size(); ++i) {
    SCOPED_TRACE(std::string(kSpec[i].name));
    EXPECT_EQ(table[i].offset, kSpec[i].offset);
    EXPECT_EQ(table[i].name, kSpec[i].name);
    EXPECT_EQ(table[i].width, kSpec[i].width);
    EXPECT_EQ(to_string(table[i].pub), kSpec[i].pub);
    EXPECT_EQ(to_string(table[i].priv), kSpec[i].priv);
  }
}

TEST(ChipsetRegisterTable, FindRegisterCoversEveryByteOfEveryRegister) {
  for (const RegisterDef& r : register_table()) {
    for (uint32_t b = 0; b < r.width; ++b) {
      const RegisterDef* found = find_register(r.offset + b);
      ASSERT_NE(found, nullptr) << r.name << " byte " << b;
      EXPECT_EQ(found->offset, r.offset);
    }
  }
}

TEST(ChipsetRegisterTable, OffsetsBetweenRegistersAreUnassigned) {
  for (const uint64_t off :
       {0x010ull, 0x02Full, 0x040ull, 0x0FFull, 0x108ull, 0x420ull, 0x8DFull, 0xA28ull, 0xA90ull,
        0xB30ull, 0xDFFull, 0xE10ull, 0xEFFull, 0xF00ull, 0xFFFFull, 0x10000ull, ~0ull}) {
    EXPECT_EQ(find_register(off), nullptr) << std::hex << off;
  }
}

TEST(ChipsetRegisterTable, RegisterNamedFindsEveryNameAndNothingElse) {
  for (const SpecRow& row : kSpec) {
    const RegisterDef* r = register_named(row.name);
    ASSERT_NE(r, nullptr) << row.name;
    EXPECT_EQ(r->offset, row.offset);
  }
  EXPECT_EQ(register_named("STS "), nullptr);
  EXPECT_EQ(register_named("sts"), nullptr);
}

TEST(ChipsetRegisterTable, TheIchOwnsExactlyItsForwardedRange) {
  for (const RegisterDef& r : register_table()) {
    const bool ich = r.offset >= SVMM_CS_ICH_BASE && r.offset < SVMM_CS_ICH_END;
    EXPECT_EQ(r.owner == Owner::Ich, ich) << r.name;
  }
}

TEST(ChipsetRegisterTable, MemConfigLockGroupIsSinitHeapAndDpr) {
  std::set<std::string_view> locked;
  for (const RegisterDef& r : register_table())
    if (r.mem_config_lock) locked.insert(r.name);
  EXPECT_EQ(locked, (std::set<std::string_view>{"SINIT.BASE", "SINIT.SIZE", "HEAP.BASE",
                                                "HEAP.SIZE", "DPR"}));
  EXPECT_EQ(register_named("DPR")->self_lock_bit, SVMM_DPR_LOCK);
}

TEST(ChipsetRegisterTable, OnlyOwnerScratchIsRestrictedToVcpu0AndOnlyGrantIsProtectedOnly) {
  for (const RegisterDef& r : register_table()) {
    EXPECT_EQ(r.vcpu0_only, r.name == "SVMM.OWNER-SCRATCH") << r.name;
    EXPECT_EQ(r.protected_only, r.name == "SVMM.CMD.GRANT-PRIVATE") << r.name;
  }
}

TEST(ChipsetRegisterTable, TheBankIsArg0To3AndResult) {
  std::set<std::string_view> banked;
  for (const RegisterDef& r : register_table())
    if (r.banked()) banked.insert(r.name);
  EXPECT_EQ(banked, (std::set<std::string_view>{"SVMM.HC.ARG0", "SVMM.HC.ARG1", "SVMM.HC.ARG2",
                                                "SVMM.HC.ARG3", "SVMM.HC.RESULT"}));
  EXPECT_EQ(register_named("SVMM.HC.RESULT")->bank, BankSlot::Result);
}

TEST(ChipsetRegisterTable, EveryCommandRowHasItsAction) {
  for (const RegisterDef& r : register_table()) {
    const bool cmd_column = r.pub == Access::Cmd || r.priv == Access::Cmd;
    EXPECT_EQ(r.is_command(), cmd_column) << r.name;
  }
  EXPECT_EQ(register_named("SVMM.HC.CALL")->command, Command::HypercallCall);
  EXPECT_EQ(register_named("CMD.RESET")->command, Command::Reset);
}

TEST(ChipsetRegisterTable, WriteMasksFollowTheRows) {
  EXPECT_EQ(register_named("DPR")->write_mask, 0xFFF00FF1ull);
  EXPECT_EQ(register_named("ERRORCODE")->write_mask, 0xFFFFFFFFull);
  EXPECT_EQ(register_named("ESTS")->w1c_mask, SVMM_ESTS_TXT_RESET);
  EXPECT_EQ(register_named("SVMM.SCRATCH")->write_mask, kAllBits);
}

}  // namespace
}  // namespace svmm
