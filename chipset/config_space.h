// The chipset's configuration space (seed 0018-0033, spec/chipset.md): one register file seen
// through two windows, with the requester rules, commands, locks, aborts and the fuse. The
// seed's configuration space control logic 124: a pure state machine (no KVM, no threads).
//
// Thread safety: one mutex inside guards all state; every public function may be called from
// any vCPU thread or the monitor. ChipsetHost is never called with the mutex held, so the
// host may call back into this object (HC.CALL -> TEARDOWN -> teardown_close()).
//
// Access semantics (spec/chipset.md sections 1-2, decisions documented in access_rules.h):
// - An access of any width at any offset is cut at register boundaries into parts (each byte
//   goes to the register holding it; the bytes of one register form one part, so a command
//   triggers once per access). The access is performed only if every part is allowed;
//   otherwise the whole access is aborted once, with the reason of the first refused part
//   (reads return the policy's fill in every byte, writes are dropped entirely). One access
//   is therefore at most one abort: ABORT-COUNT counts accesses, not bytes.
// - A read of an 8-byte register at a sub-offset returns its bytes from there; a write of
//   some of its bytes replaces those bytes (rw) or clears the ones written (w1c).
// - SVMM.HC.CALL: the written bytes at their position in the 64-bit register form a value;
//   its low 32 bits are the function code.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "chipset/chipset_host.h"
#include "chipset/chipset_types.h"
#include "chipset/hypercall_bank.h"
#include "chipset/register_table.h"

namespace svmm {

struct ChipsetOptions {
  FuseState fuse = FuseState::Enabled;
  AbortPolicy abort_policy = AbortPolicy::AllOnes;
  uint8_t abort_vector = 242;  // for the host's `interrupt` policy; the chipset only carries it
  bool token_present = true;   // token.enabled: ICH.TOKEN-STS, locality_usable()
  // Reset values of SINIT.BASE/SIZE, HEAP.BASE/SIZE and DPR: the chipset's areas in the last
  // MiB of the guest OS's low RAM (guest-abi.md section 2), see txt_chipset_layout().
  uint64_t sinit_base = 0, sinit_size = 0, heap_base = 0, heap_size = 0;
  uint64_t dpr = 0;

  void set_areas(const ChipsetAreas& a) {
    sinit_base = a.sinit_base;
    sinit_size = a.sinit_size;
    heap_base = a.heap_base;
    heap_size = a.heap_size;
    dpr = a.dpr;
  }
};

struct NamedRegister {
  std::string name;  // "STS", "SVMM.LAST-ABORT", "PUBLIC.KEY" ...
  uint32_t offset = 0;
  std::vector<uint8_t> value;  // `width` bytes, little-endian
};

class ConfigSpace {
 public:
  // `host` must outlive this object.
  ConfigSpace(const ChipsetOptions& options, ChipsetHost& host);
  ConfigSpace(const ConfigSpace&) = delete;
  ConfigSpace& operator=(const ConfigSpace&) = delete;

  // A vCPU's access through a window (the MCH's windows call these; offsets are inside the
  // window). Never throws for guest input: an access the requester may not make is aborted per
  // the policy. ChipsetWindow::Token is not a configuration window: reads all ones, writes
  // are ignored.
  void read(ChipsetWindow window, uint64_t offset, std::span<uint8_t> data, const Requester& who);
  void write(ChipsetWindow window, uint64_t offset, std::span<const uint8_t> data,
             const Requester& who);

  // Monitor-side transitions (spec/chipset.md section 3). secure_launch() changes nothing when
  // the fuse is disabled or the platform is already in secure mode (the monitor refuses those
  // launches first: -EPERM, -EBUSY); secure_mode() tells whether it took effect.
  void secure_launch(const std::array<uint8_t, 32>& manifest_hash);
  void teardown_close();       // teardown step 4: NO-SECRETS, UNLOCK-MEM-CONFIG, CLOSE-PRIVATE...
  void scrub_trusted_banks();  // teardown step 3: zero and forget every trusted vCPU's bank

  // A refused hypercall (reason 7) counts as an aborted access: LAST-ABORT has bit 34, the
  // function code as offset, width 4 and the write bit (the OUT that carried it). Applies the
  // policy (ERRORCODE) and returns after host.aborted().
  void hypercall_refused(uint32_t function, const Requester& who);

  // The token window (token.md section 2). locality_usable(): guest OS 0 always and 1 while
  // LOCALITY1 is open; trusted VMs 2 while LOCALITY2 is open; nobody 3; the monitor every
  // locality but 3 (it is the platform: startup at 0, the cap at 2, the launch at 4). False for
  // everyone when the token is disabled.
  [[nodiscard]] bool locality_usable(unsigned locality, const Requester& who) const;
  // An access to a locality the requester may not use (reason 6; LAST-ABORT bit 35, offset
  // from 0xFED40000). Returns the byte an aborted read returns under the policy.
  [[nodiscard]] uint8_t token_abort(uint32_t offset, uint8_t width, bool write,
                                    const Requester& who);
  void count_token_forward();  // ICH.TOKEN-FORWARDS + 1

  // The 8 bytes at `offset` as the monitor sees them (no rules, the fuse does not hide them);
  // banked registers show the monitor's own bank. Unassigned bytes read 0.
  [[nodiscard]] uint64_t read_register(uint32_t offset) const;
  // Every register of the table, in offset order, as read_register() sees it (query-chipset).
  [[nodiscard]] std::vector<NamedRegister> registers() const;
  [[nodiscard]] bool secure_mode() const;
  [[nodiscard]] bool private_granted() const;  // SVMM.CMD.GRANT-PRIVATE active
  [[nodiscard]] HypercallBankValues bank(const Requester& who) const;
  [[nodiscard]] const ChipsetOptions& options() const { return options_; }

 private:
  // A command's effect beyond the chipset, run after the mutex is released.
  struct Deferred {
    Command command = Command::None;
    uint32_t function = 0;
    std::array<uint64_t, 4> args{};
    uint64_t bank_generation = 0;
  };

  [[nodiscard]] bool protected_locked(const Requester& who) const;
  [[nodiscard]] uint8_t byte_locked(const RegisterDef* reg, uint64_t offset,
                                    const Requester& who) const;
  [[nodiscard]] uint64_t value_locked(const RegisterDef& reg, const Requester& who) const;
  void store_locked(const RegisterDef& reg, const Requester& who, uint64_t value);
  [[nodiscard]] uint64_t get(uint32_t offset) const;
  void set(uint32_t offset, uint64_t value);
  void update_sts(uint64_t set_bits, uint64_t clear_bits);
  void command_locked(Command command, const Requester& who, uint64_t written,
                      std::vector<Deferred>& deferred);
  [[nodiscard]] AbortRecord abort_locked(AbortRecord record);
  [[nodiscard]] uint32_t check_write_locked(ChipsetWindow window, uint64_t offset,
                                            std::span<const uint8_t> data, const Requester& who);
  void run(const Deferred& action, const Requester& who);

  const ChipsetOptions options_;
  ChipsetHost& host_;
  mutable std::mutex mutex_;
  std::array<uint8_t, kRegisterFileSize> file_{};  // every non-banked register's bytes
  HypercallBanks banks_;
  bool private_granted_ = false;
};

}  // namespace svmm
