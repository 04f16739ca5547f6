#include "chipset/register_table.h"

#include <array>

#include "protocol/chipset.h"

namespace svmm {
namespace {

using enum Access;

// DPR: bit 0 lock, bits 4-11 size in MiB, bits 20-31 top >> 20 (spec/chipset.md section 2,
// tboot's txt_dpr_t).
constexpr uint64_t kDprWritable = 0x1ull | 0xFF0ull | 0xFFF00000ull;
// ERRORCODE: bits 0-29 type, 30 external, 31 valid; the upper half is not defined.
constexpr uint64_t kErrorCodeWritable = 0xFFFFFFFFull;

// spec/chipset.md section 2, row by row. Keep in offset order (checked below).
// One row per register reads better than one field per line:
// clang-format off
constexpr RegisterDef kTable[] = {
    {.offset = SVMM_CS_STS, .width = 8, .name = "STS", .pub = Read, .priv = Read},
    {.offset = SVMM_CS_ESTS, .width = 8, .name = "ESTS", .pub = Read, .priv = W1c,
     .w1c_mask = SVMM_ESTS_TXT_RESET},
    {.offset = SVMM_CS_ERRORCODE, .width = 8, .name = "ERRORCODE", .pub = Read, .priv = ReadWrite,
     .write_mask = kErrorCodeWritable},
    {.offset = SVMM_CS_CMD_RESET, .width = 8, .name = "CMD.RESET", .pub = None, .priv = Cmd,
     .command = Command::Reset},
    {.offset = SVMM_CS_CMD_CLOSE_PRIVATE, .width = 8, .name = "CMD.CLOSE-PRIVATE", .pub = None,
     .priv = Cmd, .command = Command::ClosePrivate},
    {.offset = SVMM_CS_VER_FSBIF, .width = 8, .name = "VER.FSBIF", .pub = Read, .priv = Read},
    {.offset = SVMM_CS_DIDVID, .width = 8, .name = "DIDVID", .pub = Read, .priv = Read},
    {.offset = SVMM_CS_VER_QPIIF, .width = 8, .name = "VER.QPIIF", .pub = Read, .priv = Read},
    {.offset = SVMM_CS_CMD_UNLOCK_MEM_CONFIG, .width = 8, .name = "CMD.UNLOCK-MEM-CONFIG",
     .pub = None, .priv = Cmd, .command = Command::UnlockMemConfig},
    {.offset = SVMM_CS_SINIT_BASE, .width = 8, .name = "SINIT.BASE", .pub = Read,
     .priv = ReadWrite, .mem_config_lock = true},
    {.offset = SVMM_CS_SINIT_SIZE, .width = 8, .name = "SINIT.SIZE", .pub = Read,
     .priv = ReadWrite, .mem_config_lock = true},
    {.offset = SVMM_CS_MLE_JOIN, .width = 8, .name = "MLE.JOIN", .pub = Read, .priv = ReadWrite},
    {.offset = SVMM_CS_HEAP_BASE, .width = 8, .name = "HEAP.BASE", .pub = Read,
     .priv = ReadWrite, .mem_config_lock = true},
    {.offset = SVMM_CS_HEAP_SIZE, .width = 8, .name = "HEAP.SIZE", .pub = Read,
     .priv = ReadWrite, .mem_config_lock = true},
    {.offset = SVMM_CS_DPR, .width = 8, .name = "DPR", .pub = Read, .priv = ReadWrite,
     .write_mask = kDprWritable, .mem_config_lock = true, .self_lock_bit = SVMM_DPR_LOCK},
    {.offset = SVMM_CS_CMD_OPEN_LOCALITY1, .width = 8, .name = "CMD.OPEN-LOCALITY1", .pub = None,
     .priv = Cmd, .command = Command::OpenLocality1},
    {.offset = SVMM_CS_CMD_CLOSE_LOCALITY1, .width = 8, .name = "CMD.CLOSE-LOCALITY1",
     .pub = None, .priv = Cmd, .command = Command::CloseLocality1},
    {.offset = SVMM_CS_CMD_OPEN_LOCALITY2, .width = 8, .name = "CMD.OPEN-LOCALITY2", .pub = None,
     .priv = Cmd, .command = Command::OpenLocality2},
    {.offset = SVMM_CS_CMD_CLOSE_LOCALITY2, .width = 8, .name = "CMD.CLOSE-LOCALITY2",
     .pub = None, .priv = Cmd, .command = Command::CloseLocality2},
    {.offset = SVMM_CS_PUBLIC_KEY, .width = 32, .name = "PUBLIC.KEY", .pub = Read, .priv = Read},
    {.offset = SVMM_CS_CMD_SECRETS, .width = 8, .name = "CMD.SECRETS", .pub = None,
     .priv = Cmd, .command = Command::Secrets},
    {.offset = SVMM_CS_CMD_NO_SECRETS, .width = 8, .name = "CMD.NO-SECRETS", .pub = None,
     .priv = Cmd, .command = Command::NoSecrets},
    {.offset = SVMM_CS_E2STS, .width = 8, .name = "E2STS", .pub = Read, .priv = Read},
    // seed 0024: a non-protected R/W register.
    {.offset = SVMM_CS_SCRATCH, .width = 8, .name = "SVMM.SCRATCH", .pub = ReadWrite,
     .priv = ReadWrite},
    {.offset = SVMM_CS_STATE, .width = 8, .name = "SVMM.STATE", .pub = Read, .priv = Read},
    {.offset = SVMM_CS_ABORT_COUNT, .width = 8, .name = "SVMM.ABORT-COUNT", .pub = Read,
     .priv = Read},
    {.offset = SVMM_CS_LAST_ABORT, .width = 8, .name = "SVMM.LAST-ABORT", .pub = Read,
     .priv = Read},
    {.offset = SVMM_CS_TEARDOWN_COUNT, .width = 8, .name = "SVMM.TEARDOWN-COUNT", .pub = Read,
     .priv = Read},
    // seed 0029: protected microcode opens the protected space to non-protected software.
    {.offset = SVMM_CS_CMD_GRANT_PRIVATE, .width = 8, .name = "SVMM.CMD.GRANT-PRIVATE",
     .pub = None, .priv = Cmd, .command = Command::GrantPrivate, .protected_only = true},
    // seed 0030: a per-processor write restriction.
    {.offset = SVMM_CS_OWNER_SCRATCH, .width = 8, .name = "SVMM.OWNER-SCRATCH", .pub = Read,
     .priv = ReadWrite, .vcpu0_only = true},
    {.offset = SVMM_CS_HC_ARG0, .width = 8, .name = "SVMM.HC.ARG0", .pub = ReadWrite,
     .priv = ReadWrite, .bank = BankSlot::Arg0},
    {.offset = SVMM_CS_HC_ARG1, .width = 8, .name = "SVMM.HC.ARG1", .pub = ReadWrite,
     .priv = ReadWrite, .bank = BankSlot::Arg1},
    {.offset = SVMM_CS_HC_ARG2, .width = 8, .name = "SVMM.HC.ARG2", .pub = ReadWrite,
     .priv = ReadWrite, .bank = BankSlot::Arg2},
    {.offset = SVMM_CS_HC_ARG3, .width = 8, .name = "SVMM.HC.ARG3", .pub = ReadWrite,
     .priv = ReadWrite, .bank = BankSlot::Arg3},
    {.offset = SVMM_CS_HC_CALL, .width = 8, .name = "SVMM.HC.CALL", .pub = Cmd,
     .priv = Cmd, .command = Command::HypercallCall},
    {.offset = SVMM_CS_HC_RESULT, .width = 8, .name = "SVMM.HC.RESULT", .pub = Read, .priv = Read,
     .bank = BankSlot::Result},
    // 0xE00-0xEFF: the ICH's registers, forwarded by the MCH (seed 0025).
    {.offset = SVMM_CS_ICH_TOKEN_STS, .width = 8, .name = "ICH.TOKEN-STS", .pub = Read,
     .priv = Read, .owner = Owner::Ich},
    {.offset = SVMM_CS_ICH_TOKEN_FORWARDS, .width = 8, .name = "ICH.TOKEN-FORWARDS", .pub = Read,
     .priv = Read, .owner = Owner::Ich},
};
// clang-format on

constexpr bool writable(Access a) { return a == ReadWrite || a == W1c; }

// The table's own invariants, checked at compile time.
constexpr bool table_is_well_formed() {
  uint32_t next = 0;
  for (const RegisterDef& r : kTable) {
    if (r.offset < next || r.width == 0) return false;  // sorted, no overlap
    next = r.offset + r.width;
    if (next > kRegisterFileSize) return false;
    const bool ich_range = r.offset >= SVMM_CS_ICH_BASE && r.offset < SVMM_CS_ICH_END;
    if (ich_range != (r.owner == Owner::Ich)) return false;
    // Write checks operate on 64-bit values: writable and command registers are 8 bytes wide.
    if ((writable(r.pub) || writable(r.priv) || r.is_command()) && r.width != 8) return false;
    // A command row is `cmd` or `-` in each window, and only command rows are `cmd`.
    const bool cmd_cols = r.pub == Cmd || r.priv == Cmd;
    if (r.is_command() != cmd_cols) return false;
    if (r.is_command() && (writable(r.pub) || writable(r.priv) || r.pub == Read)) return false;
    if (r.w1c_mask != 0 && r.priv != W1c && r.pub != W1c) return false;
    if (r.protected_only && !r.is_command()) return false;
  }
  return true;
}
static_assert(table_is_well_formed(), "register table rows overlap or contradict themselves");

// Byte offset -> row index (-1: unassigned), built at compile time.
constexpr auto kIndex = [] {
  std::array<int16_t, kRegisterFileSize> index{};
  index.fill(-1);
  for (std::size_t i = 0; i < std::size(kTable); ++i)
    for (uint32_t b = 0; b < kTable[i].width; ++b)
      index[kTable[i].offset + b] = static_cast<int16_t>(i);
  return index;
}();

}  // namespace

std::span<const RegisterDef> register_table() { return kTable; }

const RegisterDef* find_register(uint64_t off) {
  if (off >= kIndex.size()) return nullptr;
  const int16_t i = kIndex[static_cast<std::size_t>(off)];
  return i < 0 ? nullptr : &kTable[static_cast<std::size_t>(i)];
}

const RegisterDef* register_named(std::string_view name) {
  for (const RegisterDef& r : kTable)
    if (r.name == name) return &r;
  return nullptr;
}

std::string_view to_string(Access a) {
  switch (a) {
    case None:
      return "-";
    case Read:
      return "r";
    case ReadWrite:
      return "rw";
    case W1c:
      return "w1c";
    case Cmd:
      return "cmd";
  }
  return "?";
}

}  // namespace svmm
