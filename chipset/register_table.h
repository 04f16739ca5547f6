// The chipset's register table (spec/chipset.md section 2) as data: one row per register, with
// its access in each window, writable bits, lock group, command, per-vCPU restriction, bank
// slot and owner. The access rules (access_rules.h) and ConfigSpace read these columns; no
// register is special-cased anywhere else (seed 0032-0033: the mapping is fixed data).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "chipset/chipset_types.h"

namespace svmm {

// Access through one window for a permitted requester (spec/chipset.md section 2, pub/priv).
enum class Access : uint8_t {
  None,       // `-`: private: aborted; public: reads 0, writes aborted
  Read,       // `r`: writes aborted (reason 2)
  ReadWrite,  // `rw`
  W1c,        // `w1c`: reads the value; written ones clear bits of w1c_mask
  Cmd,        // `cmd`: a write of any width and value triggers the command; reads 0
};

// The action behind a `cmd` register (seed 0019, 0022 b).
enum class Command : uint8_t {
  None,
  Reset,            // CMD.RESET: a system reset through ChipsetHost::reset_requested
  ClosePrivate,     // clear PRIVATE-OPEN, close localities 1 and 2, revoke the grant
  UnlockMemConfig,  // clear MEM-CONFIG-LOCK
  OpenLocality1,
  CloseLocality1,
  OpenLocality2,
  CloseLocality2,
  Secrets,        // set E2STS.SECRETS
  NoSecrets,      // clear E2STS.SECRETS
  GrantPrivate,   // open the private window to the guest OS (seed 0029)
  HypercallCall,  // SVMM.HC.CALL: perform a hypercall with the writer's bank
};

// Which hub physically holds the register (seed 0021, 0025; Figure 1: MCH 121, ICH 131).
enum class Owner : uint8_t { Mch, Ich };

// Slots of the hypercall bank (guest-abi.md section 5, memory-mapped transport).
enum class BankSlot : int8_t { None = -1, Arg0 = 0, Arg1, Arg2, Arg3, Result };
inline constexpr std::size_t kBankSlots = 5;

inline constexpr uint64_t kAllBits = ~uint64_t{0};

struct RegisterDef {
  uint32_t offset;                 // the same in both windows (seed 0032)
  uint8_t width;                   // bytes
  std::string_view name;           // as in spec/chipset.md
  Access pub;                      // public window (seed 142)
  Access priv;                     // private window (seed 141)
  uint64_t write_mask = kAllBits;  // rw: bits a write may change (reason 5 otherwise)
  uint64_t w1c_mask = 0;           // w1c: bits a written one clears (reason 5 for others)
  Command command = Command::None;
  bool protected_only = false;   // a command only protected requesters may issue (reason 3)
  bool vcpu0_only = false;       // writable only by vCPU 0 of the writer's VM (seed 0030; reason 2)
  bool mem_config_lock = false;  // writes aborted while STS.MEM-CONFIG-LOCK (reason 4)
  uint64_t self_lock_bit = 0;    // once this bit is set the register is read-only (reason 4)
  BankSlot bank = BankSlot::None;  // banked per requester vCPU
  Owner owner = Owner::Mch;

  [[nodiscard]] constexpr Access access(ChipsetWindow w) const {
    return w == ChipsetWindow::Private ? priv : pub;
  }
  [[nodiscard]] constexpr bool is_command() const { return command != Command::None; }
  [[nodiscard]] constexpr bool banked() const { return bank != BankSlot::None; }
  [[nodiscard]] constexpr bool contains(uint64_t off) const {
    return off >= offset && off - offset < width;
  }
};

// Every register, in offset order.
[[nodiscard]] std::span<const RegisterDef> register_table();

// The register holding window offset `off`, or nullptr (an unassigned offset).
[[nodiscard]] const RegisterDef* find_register(uint64_t off);

// The register called `name` (exactly as in the spec), or nullptr.
[[nodiscard]] const RegisterDef* register_named(std::string_view name);

// The first offset past the last register: the size of the register file.
inline constexpr uint32_t kRegisterFileSize = SVMM_CS_ICH_END;

[[nodiscard]] std::string_view to_string(Access a);

}  // namespace svmm
