// libFuzzer target: the chipset (spec/chipset.md) driven by any sequence of window accesses
// (window, offset, width, requester, vCPU, value, read/write), monitor transitions
// (secure_launch, teardown_close + scrub), token routing and refused hypercalls, through
// ConfigSpace directly or through the MCH's window devices. After every step:
// - SVMM.ABORT-COUNT equals the number of ChipsetHost::aborted() calls;
// - a guest OS access without a private-window grant changes no register except those the
//   rules let it change (SVMM.SCRATCH, its own bank, ABORT-COUNT, LAST-ABORT, ERRORCODE),
//   and neither the grant nor the mode (unless it made a hypercall, which acts for it);
// - STS, SVMM.STATE and ICH.TOKEN-STS stay consistent with each other;
// - the private window reads all ones when the fuse is disabled.
// A crash, a sanitizer report or a failed check (abort()) is a bug.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "chipset/config_space.h"
#include "chipset/ich.h"
#include "chipset/mch.h"
#include "chipset/register_table.h"
#include "chipset/txt_heap.h"
#include "protocol/chipset.h"
#include "protocol/hypercall.h"
#include "tests/unit/chipset_fakes.h"

namespace {

using namespace svmm;  // NOLINT(google-build-using-namespace): a .cc file

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "chipset invariant violated: %s\n", what);
    std::abort();
  }
}

// Registers a guest OS access without a grant may change (spec/chipset.md sections 1, 4).
bool guest_may_change(std::string_view name) {
  return name == "SVMM.SCRATCH" || name == "SVMM.ABORT-COUNT" || name == "SVMM.LAST-ABORT" ||
         name == "ERRORCODE";
}

Requester pick_requester(FuzzedDataProvider& in) {
  const uint32_t vcpu = in.ConsumeIntegralInRange<uint32_t>(0, 3);
  const auto cpl = in.ConsumeIntegralInRange<uint8_t>(0, 3);
  switch (in.ConsumeIntegralInRange<int>(0, 4)) {
    case 0:
    case 1:
      return Requester::guest_os(vcpu, cpl);
    case 2:
    case 3:
      return Requester::trusted_vm(in.ConsumeIntegralInRange<uint32_t>(0, 2), vcpu, cpl);
    default:
      return Requester::monitor();
  }
}

uint64_t pick_offset(FuzzedDataProvider& in) {
  if (in.ConsumeBool()) {
    const auto table = register_table();
    const RegisterDef& r = table[in.ConsumeIntegralInRange<std::size_t>(0, table.size() - 1)];
    return r.offset + in.ConsumeIntegralInRange<uint64_t>(0, r.width + 7) - 4;  // may precede it
  }
  return in.ConsumeIntegralInRange<uint64_t>(0, 0x10010);
}

std::size_t pick_width(FuzzedDataProvider& in) {
  constexpr std::size_t kWidths[] = {1, 2, 4, 8, 8, 8, 3, 16};
  return kWidths[in.ConsumeIntegralInRange<std::size_t>(0, std::size(kWidths) - 1)];
}

void check_consistency(const ConfigSpace& cs, const fakes::RecordingChipsetHost& host) {
  check(cs.read_register(SVMM_CS_ABORT_COUNT) == host.abort_count(),
        "ABORT-COUNT == host.aborted() calls");
  const uint64_t sts = cs.read_register(SVMM_CS_STS);
  const uint64_t state = cs.read_register(SVMM_CS_STATE);
  check(state <= 1, "SVMM.STATE is 0 or 1");
  check(((sts & SVMM_STS_SENTER_DONE) != 0) == (state == 1), "SENTER.DONE iff secure mode");
  check((sts & SVMM_STS_SENTER_DONE) == 0 || (sts & SVMM_STS_SEXIT_DONE) == 0,
        "SENTER.DONE and SEXIT.DONE never both");
  const uint64_t token = cs.read_register(SVMM_CS_ICH_TOKEN_STS);
  if (cs.options().token_present) {
    check((token & 0x1101) == 0x1101, "TOKEN-STS present, localities 0 and 4");
    check(((token >> 9) & 1) == ((sts & SVMM_STS_LOCALITY1_OPEN) != 0), "TOKEN-STS locality 1");
    check(((token >> 10) & 1) == ((sts & SVMM_STS_LOCALITY2_OPEN) != 0), "TOKEN-STS locality 2");
    check((token & (1ull << 11)) == 0, "locality 3 never usable");
  } else {
    check(token == 0, "TOKEN-STS zero without a token");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  constexpr AbortPolicy kPolicies[] = {AbortPolicy::AllOnes,   AbortPolicy::AllZeros,
                                       AbortPolicy::ErrorCode, AbortPolicy::Interrupt,
                                       AbortPolicy::Teardown,  AbortPolicy::Reset};
  const AbortPolicy policy = kPolicies[in.ConsumeIntegralInRange<std::size_t>(0, 5)];
  const FuseState fuse =
      in.ConsumeIntegralInRange<int>(0, 7) == 0 ? FuseState::Disabled : FuseState::Enabled;
  ChipsetOptions options = fakes::chipset_options(policy, fuse);
  options.token_present = in.ConsumeIntegralInRange<int>(0, 7) != 0;
  if (in.ConsumeBool()) options.dpr &= ~SVMM_DPR_LOCK;

  fakes::RecordingChipsetHost host;
  ConfigSpace cs(options, host);
  // Like the secure monitor, the host acts on some hypercalls by calling back into the chipset.
  host.on_hypercall = [&cs](uint32_t function, const std::array<uint64_t, 4>& args,
                            const Requester& who) -> int64_t {
    switch (function) {
      case SVMM_HC_SECURE_LAUNCH:
        cs.secure_launch({static_cast<uint8_t>(args[0])});
        return 0;
      case SVMM_HC_TEARDOWN:
        cs.teardown_close();
        cs.scrub_trusted_banks();
        return 0;
      case SVMM_HC_TRUSTED_EXIT:
        cs.hypercall_refused(function, who);
        return -SVMM_EPERM;
      default:
        return -SVMM_ENOSYS;
    }
  };
  Ich ich(cs);
  Mch mch(cs, ich);
  MchWindow private_window(mch, ChipsetWindow::Private);
  MchWindow public_window(mch, ChipsetWindow::Public);

  std::vector<uint8_t> buf(16);
  while (in.remaining_bytes() > 0) {
    switch (in.ConsumeIntegralInRange<int>(0, 19)) {
      case 0: {
        std::array<uint8_t, 32> hash{};
        hash[0] = in.ConsumeIntegral<uint8_t>();
        cs.secure_launch(hash);
        check(cs.secure_mode() == (fuse == FuseState::Enabled),
              "secure_launch enters secure mode exactly when the fuse allows");
        break;
      }
      case 1:
        cs.teardown_close();
        cs.scrub_trusted_banks();
        check(!cs.secure_mode() && !cs.private_granted(), "teardown closes");
        check(cs.bank(Requester::trusted_vm(0, 0)) == HypercallBankValues{},
              "trusted banks scrubbed");
        break;
      case 2: {
        const Requester who = pick_requester(in);
        const uint64_t off = in.ConsumeIntegralInRange<uint64_t>(0, 0x5FFF);
        const TokenRoute r = ich.route_token_access(off, pick_width(in), in.ConsumeBool(), who);
        check(!r.forward || cs.locality_usable(static_cast<unsigned>(off >> 12), who),
              "forwarded only to a usable locality");
        break;
      }
      case 3:
        cs.hypercall_refused(in.ConsumeIntegral<uint32_t>(), pick_requester(in));
        break;
      default: {
        const ChipsetWindow window =
            in.ConsumeBool() ? ChipsetWindow::Public : ChipsetWindow::Private;
        const uint64_t offset = pick_offset(in);
        const std::size_t width = pick_width(in);
        const Requester who = pick_requester(in);
        const bool write = in.ConsumeBool();
        const bool through_bus = in.ConsumeBool();
        const uint64_t value = in.ConsumeIntegral<uint64_t>();
        for (std::size_t i = 0; i < width; ++i)
          buf[i] = static_cast<uint8_t>(value >> (8 * (i % 8)));
        const std::span<uint8_t> bytes(buf.data(), width);

        const bool ungranted_guest = who.role == RequesterRole::GuestOs && !cs.private_granted();
        const auto before = cs.registers();
        const bool secure_before = cs.secure_mode();
        const std::size_t calls_before = host.hypercalls().size();
        const std::size_t aborts_before = host.abort_count();
        MchWindow& device = window == ChipsetWindow::Private ? private_window : public_window;
        if (write) {
          if (through_bus)
            device.write(offset, bytes, who);
          else
            cs.write(window, offset, bytes, who);
        } else {
          if (through_bus)
            device.read(offset, bytes, who);
          else
            cs.read(window, offset, bytes, who);
        }
        const bool decoded = !through_bus || who.role != RequesterRole::Monitor;
        if (window == ChipsetWindow::Private && fuse == FuseState::Disabled && !write) {
          for (const uint8_t b : bytes) check(b == 0xFF, "fuse: private window reads all ones");
        }
        if (window == ChipsetWindow::Private && ungranted_guest && decoded &&
            fuse == FuseState::Enabled) {
          check(host.abort_count() == aborts_before + 1, "ungranted private access is one abort");
          check(host.aborts().back().record.reason == SVMM_ABORT_PRIVATE_NO_GRANT, "reason 1");
        }
        if (ungranted_guest && host.hypercalls().size() == calls_before) {
          const auto after = cs.registers();
          for (std::size_t i = 0; i < after.size(); ++i) {
            if (guest_may_change(after[i].name)) continue;
            check(after[i].value == before[i].value,
                  "a guest OS without grant changed a protected register");
          }
          check(!cs.private_granted(), "the guest OS granted itself the private window");
          check(cs.secure_mode() == secure_before, "the guest OS changed the mode");
        }
        break;
      }
    }
    check_consistency(cs, host);
  }
  return 0;
}
