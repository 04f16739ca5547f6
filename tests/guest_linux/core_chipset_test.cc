// svmm-guest's commands (guest/linux/svmm_guest_core.c) against svmm's real chipset model
// (chipset/config_space.h) as a guest OS vCPU at CPL 3 sees it through the public window. The
// hypercalls the chipset's HC.CALL forwards go to a small monitor stand-in that uses svmm's
// real hypercall decoder and the chipset's real monitor-side transitions (secure_launch,
// teardown_close); the whole monitor is exercised by core_machine_test.cc where KVM exists.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "chipset/config_space.h"
#include "chipset/txt_heap.h"
#include "protocol/chipset.h"
#include "protocol/hypercall.h"
#include "tests/guest_linux/guest_core_support.h"
#include "vmm/hypercall_decoder.h"

namespace svmm::test {
namespace {

std::string hex(uint64_t v) {
  std::ostringstream s;
  s << std::hex << v;
  return s.str();
}

std::string hex16(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// The monitor's side of the bank, reduced to what the commands reach: svmm's hypercall decoder,
// then the launch / teardown checks of spec/guest-abi.md section 5 and the chipset transitions
// of spec/chipset.md section 3. The teardown report goes to a small "guest RAM" array.
class MiniMonitor final : public ChipsetHost {
 public:
  static constexpr uint64_t kRamBase = 0x200000;
  struct Call {
    uint32_t function;
    std::array<uint64_t, 4> args;
    Requester who;
  };

  MiniMonitor(uint32_t trusted_vms, HypercallPolicy policy)
      : trusted_vms_(trusted_vms), policy_(policy) {
    for (size_t i = 0; i < hash_.size(); ++i) hash_[i] = static_cast<uint8_t>(0xA0 + i);
  }
  void attach(ConfigSpace& cs) { cs_ = &cs; }

  int64_t hypercall(uint32_t function, const std::array<uint64_t, 4>& args,
                    const Requester& who) override {
    calls.push_back({function, args, who});
    const HypercallAction action = decode_hypercall(function, args, who, policy_);
    if (const auto* a = std::get_if<hc::Answer>(&action)) return a->value;
    if (std::holds_alternative<hc::Refuse>(action)) {
      cs_->hypercall_refused(function, who);
      return -SVMM_EPERM;
    }
    if (std::holds_alternative<hc::QueryState>(action)) return cs_->secure_mode() ? 1 : 0;
    if (const auto* l = std::get_if<hc::Launch>(&action)) {
      if (cs_->options().fuse == FuseState::Disabled) return -SVMM_EPERM;
      if (cs_->secure_mode()) return -SVMM_EBUSY;
      if (trusted_vms_ == 0 || (l->index != SVMM_HC_LAUNCH_ALL && l->index >= trusted_vms_))
        return -SVMM_ENOENT;
      launched_ = l->index == SVMM_HC_LAUNCH_ALL ? trusted_vms_ : 1;
      cs_->secure_launch(hash_);
      return 0;
    }
    if (const auto* t = std::get_if<hc::Teardown>(&action)) {
      if (!cs_->secure_mode()) return -SVMM_EINVAL;
      if (t->report_gpa != 0 &&
          (t->report_gpa % 8 != 0 || t->report_gpa < kRamBase ||
           t->report_gpa + sizeof(svmm_teardown_report) > kRamBase + ram.size()))
        return -SVMM_EFAULT;
      cs_->scrub_trusted_banks();
      cs_->teardown_close();
      if (t->report_gpa != 0 && write_reports) {
        svmm_teardown_report r{};
        r.magic = SVMM_TEARDOWN_REPORT_MAGIC;
        r.version = SVMM_TEARDOWN_REPORT_VERSION;
        r.trigger = SVMM_TRIGGER_GUEST_REQUEST;
        r.trusted_vms = launched_;
        r.bytes_scrubbed = uint64_t{launched_} * (16ull << 20);
        r.duration_ns = 1234;
        r.pcrs_capped = (1ull << 17) | (1ull << 18);
        std::memcpy(ram.data() + (t->report_gpa - kRamBase), &r, sizeof r);
      }
      return 0;
    }
    return 0;  // TRUSTED_EXIT: never from the guest OS (decoded as a refusal)
  }
  void aborted(const AbortRecord&, AbortPolicy) override { ++aborts; }
  void reset_requested(const Requester&) override {}

  [[nodiscard]] const std::array<uint8_t, 32>& hash() const { return hash_; }
  [[nodiscard]] volatile svmm_teardown_report* report_at(uint64_t gpa) {
    return reinterpret_cast<volatile svmm_teardown_report*>(ram.data() + (gpa - kRamBase));
  }

  std::vector<Call> calls;
  int aborts = 0;
  bool write_reports = true;
  alignas(8) std::array<uint8_t, 4096> ram{};

 private:
  ConfigSpace* cs_ = nullptr;
  uint32_t trusted_vms_;
  HypercallPolicy policy_;
  uint32_t launched_ = 0;
  std::array<uint8_t, 32> hash_{};
};

// The accessor: 8-byte accesses to the chipset's public window by one guest OS vCPU at CPL 3,
// recorded in order ("pin", "r 0x110", "w 0xb00=0x...").
struct ChipsetAccessor {
  ConfigSpace* cs = nullptr;
  Requester who = Requester::guest_os(1, 3);
  std::vector<std::string> log;
  int pin_result = 0;

  static uint64_t read64(void* ctx, uint32_t offset) {
    auto* self = static_cast<ChipsetAccessor*>(ctx);
    std::array<uint8_t, 8> b{};
    self->cs->read(ChipsetWindow::Public, offset, b, self->who);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{b[i]} << (8 * i);
    self->log.push_back("r 0x" + hex(offset));
    return v;
  }
  static void write64(void* ctx, uint32_t offset, uint64_t value) {
    auto* self = static_cast<ChipsetAccessor*>(ctx);
    std::array<uint8_t, 8> b{};
    for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(value >> (8 * i));
    self->cs->write(ChipsetWindow::Public, offset, b, self->who);
    self->log.push_back("w 0x" + hex(offset) + "=0x" + hex(value));
  }
  static int pin(void* ctx) {
    auto* self = static_cast<ChipsetAccessor*>(ctx);
    self->log.push_back("pin");
    return self->pin_result;
  }
  static constexpr svmm_window_ops kOps = {read64, write64, pin};

  [[nodiscard]] std::vector<std::string> writes_and_bank_reads() const {
    std::vector<std::string> v;
    for (const auto& e : log)
      if (e[0] != 'r' || e == "r 0x" + hex(SVMM_CS_HC_RESULT)) v.push_back(e);
    return v;
  }
};

ChipsetOptions options(FuseState fuse = FuseState::Enabled, bool token = true) {
  ChipsetOptions o;
  o.fuse = fuse;
  o.token_present = token;
  o.set_areas(txt_chipset_layout(256 * SVMM_MIB));
  return o;
}

class GuestCoreOnChipset : public ::testing::Test {
 protected:
  explicit GuestCoreOnChipset(uint32_t trusted_vms = 2, HypercallPolicy policy = {},
                              ChipsetOptions opts = options())
      : monitor_(trusted_vms, policy), cs_(opts, monitor_) {
    monitor_.attach(cs_);
    acc_.cs = &cs_;
    win_.ops = &ChipsetAccessor::kOps;
    win_.ctx = &acc_;
  }
  CoreResult run(std::vector<std::string> words) {
    acc_.log.clear();
    return run_core(win_, std::move(words));
  }
  [[nodiscard]] std::string key_hex() const {
    std::string s;
    char b[3];
    for (uint8_t x : monitor_.hash()) {
      std::snprintf(b, sizeof b, "%02x", x);
      s += b;
    }
    return s;
  }

  MiniMonitor monitor_;
  ConfigSpace cs_;
  ChipsetAccessor acc_;
  CoreWindow win_;
};

TEST_F(GuestCoreOnChipset, InfoShowsIdentityFuseTokenStateAndCounts) {
  auto r = run({"info"});
  ASSERT_EQ(r.status, SVMM_GUEST_EXIT_OK) << r.err;
  EXPECT_EQ(r.out,
            "chipset: svmm at 0xfed30000\nvendor: 0x5356\ndevice: 0x4d4d\nrevision: 1\n"
            "fuse: enabled\ntoken: present\nstate: normal\nteardown-count: 0\nabort-count: 0\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(cs_.read_register(SVMM_CS_ABORT_COUNT), 0u) << "info only reads";

  // An aborted access (a public write to STS) and a teardown show in the counts.
  ChipsetAccessor::write64(&acc_, SVMM_CS_STS, 1);
  cs_.secure_launch(monitor_.hash());
  cs_.teardown_close();
  r = run({"--json", "info"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["vendor"], "0x5356");
  EXPECT_EQ(j["device"], "0x4d4d");
  EXPECT_EQ(j["revision"], 1);
  EXPECT_EQ(j["fuse"], "enabled");
  EXPECT_EQ(j["token"], true);
  EXPECT_EQ(j["state"], "normal");
  EXPECT_EQ(j["teardown_count"], 1);
  EXPECT_EQ(j["abort_count"], 1);
}

class GuestCoreFuseOffNoToken : public GuestCoreOnChipset {
 protected:
  GuestCoreFuseOffNoToken() : GuestCoreOnChipset(2, {}, options(FuseState::Disabled, false)) {}
};

TEST_F(GuestCoreFuseOffNoToken, InfoShowsTheFuseDisabledAndNoTokenAndLaunchIsEperm) {
  auto r = run({"info"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains_line(r.out, "fuse: disabled")) << r.out;
  EXPECT_TRUE(contains_line(r.out, "token: absent")) << r.out;
  r = run({"launch"});
  EXPECT_EQ(r.status, SVMM_GUEST_EXIT_HYPERCALL);
  EXPECT_TRUE(contains_line(r.out, "launch: -EPERM (the fuse is disabled, or the call was refused "
                                   "(hypercall.kernel_only))"))
      << r.out;
  EXPECT_FALSE(cs_.secure_mode());
}

TEST_F(GuestCoreOnChipset, StateFollowsTheMonitorsTransitions) {
  auto r = run({"state"});
  ASSERT_EQ(r.status, SVMM_GUEST_EXIT_OK);
  EXPECT_EQ(r.out, "normal\n");
  cs_.secure_launch(monitor_.hash());
  r = run({"state"});
  ASSERT_EQ(r.status, SVMM_GUEST_EXIT_OK);
  EXPECT_EQ(r.out, "secure\n");
  r = run({"state", "--json"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["state"], "secure");
  cs_.teardown_close();
  r = run({"state"});
  EXPECT_EQ(r.out, "normal\n");
  EXPECT_EQ(r.status, SVMM_GUEST_EXIT_OK);
}

TEST_F(GuestCoreOnChipset, RegistersListsEveryRegisterOfTheChipsetWithItsValue) {
  cs_.secure_launch(monitor_.hash());
  auto r = run({"registers"});
  ASSERT_EQ(r.status, SVMM_GUEST_EXIT_OK) << r.err;
  const auto lines = lines_of(r.out);
  const auto table = cs_.registers();  // svmm's own register table, in offset order
  ASSERT_EQ(lines.size(), table.size()) << r.out;
  for (size_t i = 0; i < table.size(); ++i) {
    const auto& reg = table[i];
    std::istringstream l(lines[i]);
    std::string offset, name, access, value;
    l >> offset >> name >> access >> value;
    char want_offset[16];
    std::snprintf(want_offset, sizeof want_offset, "0x%03x", reg.offset);
    EXPECT_EQ(offset, want_offset) << lines[i];
    EXPECT_EQ(name, reg.name) << lines[i];
    // What the guest reads through the public window: `-`/cmd rows read 0, banked registers
    // show this vCPU's (empty) bank; everything else the monitor's view.
    std::string want;
    if (reg.value.size() == 32) {
      for (uint8_t b : reg.value) {
        char x[3];
        std::snprintf(x, sizeof x, "%02x", b);
        want += x;
      }
    } else {
      const bool zero = access == "-" || access == "cmd" ||
                        (reg.offset >= SVMM_CS_HC_ARG0 && reg.offset <= SVMM_CS_HC_RESULT);
      want = hex16(zero ? 0 : cs_.read_register(reg.offset));
    }
    EXPECT_EQ(value, want) << lines[i];
  }
  EXPECT_NE(r.out.find("0x400 PUBLIC.KEY               r   " + key_hex()), std::string::npos) << r.out;
  EXPECT_TRUE(contains_line(r.out, "0xa08 SVMM.STATE               r   0x0000000000000001")) << r.out;
  EXPECT_TRUE(contains_line(r.out, "0x000 STS                      r   " +
                                       hex16(cs_.read_register(SVMM_CS_STS))))
      << r.out;
  EXPECT_EQ(cs_.read_register(SVMM_CS_ABORT_COUNT), 0u) << "public reads never abort";

  r = run({"--json", "registers"});
  ASSERT_EQ(r.status, 0);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.size(), table.size());
  EXPECT_EQ(j["PUBLIC.KEY"], key_hex());
  EXPECT_EQ(j["DIDVID"], hex16(SVMM_DIDVID_VALUE));
  EXPECT_EQ(j["SVMM.STATE"], hex16(1));
}

TEST_F(GuestCoreOnChipset, LaunchPinsWritesArgumentsThenCallThenReadsTheResult) {
  auto r = run({"launch", "1"});
  ASSERT_EQ(r.status, SVMM_GUEST_EXIT_OK) << r.out << r.err;
  EXPECT_EQ(acc_.writes_and_bank_reads(),
            (std::vector<std::string>{"pin", "w 0xb00=0x1", "w 0xb08=0x0", "w 0xb10=0x0",
                                      "w 0xb18=0x0", "w 0xb20=0x" + hex(SVMM_HC_SECURE_LAUNCH),
                                      "r 0xb28"}));
  ASSERT_EQ(monitor_.calls.size(), 1u);
  EXPECT_EQ(monitor_.calls[0].function, SVMM_HC_SECURE_LAUNCH);
  EXPECT_EQ(monitor_.calls[0].args, (std::array<uint64_t, 4>{1, 0, 0, 0}));
  EXPECT_EQ(monitor_.calls[0].who.role, RequesterRole::GuestOs);
  EXPECT_EQ(monitor_.calls[0].who.vcpu_index, 1u);
  EXPECT_EQ(monitor_.calls[0].who.cpl, 3);
  EXPECT_TRUE(contains_line(r.out, "launch: ok")) << r.out;
  EXPECT_TRUE(contains_line(r.out, "public-key: " + key_hex())) << r.out;
  EXPECT_TRUE(contains_line(r.out, "state: secure")) << r.out;
  EXPECT_TRUE(cs_.secure_mode());
  EXPECT_EQ(cs_.bank(acc_.who).result, 0u);
}

TEST_F(GuestCoreOnChipset, LaunchDefaultsToAllAndDecodesErrors) {
  auto r = run({"launch", "7"});
  EXPECT_EQ(r.status, SVMM_GUEST_EXIT_HYPERCALL);
  EXPECT_TRUE(contains_line(r.out, "launch: -ENOENT (no such trusted VM (or none configured))")) << r.out;
  EXPECT_FALSE(cs_.secure_mode());

  r = run({"launch"});
  ASSERT_EQ(r.status, SVMM_GUEST_EXIT_OK) << r.out;
  EXPECT_EQ(monitor_.calls.back().args[0], SVMM_HC_LAUNCH_ALL);
  r = run({"launch", "all", "--json"});
  EXPECT_EQ(r.status, SVMM_GUEST_EXIT_HYPERCALL);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["result"], -SVMM_EBUSY);
  EXPECT_EQ(j["error"], "EBUSY");
  EXPECT_EQ(j["meaning"], "already in secure mode");
  EXPECT_EQ(j["state"], "secure");
}

TEST_F(GuestCoreOnChipset, TeardownInNormalModeIsEinval) {
  auto r = run({"teardown"});
  EXPECT_EQ(r.status, SVMM_GUEST_EXIT_HYPERCALL);
  EXPECT_EQ(r.out, "teardown: -EINVAL (not in secure mode)\n");
  EXPECT_EQ(acc_.writes_and_bank_reads(),
            (std::vector<std::string>{"pin", "w 0xb00=0x0", "w 0xb08=0x0", "w 0xb10=0x0",
                                      "w 0xb18=0x0", "w 0xb20=0x" + hex(SVMM_HC_TEARDOWN),
                                      "r 0xb28"}));
  EXPECT_EQ(cs_.bank(acc_.who).result, static_cast<uint64_t>(-int64_t{SVMM_EINVAL}));
}

TEST_F(GuestCoreOnChipset, TeardownReportShowsTheReportAndTheRegistersAfterwards) {
  ASSERT_EQ(run({"launch"}).status, 0);
  const uint64_t gpa = MiniMonitor::kRamBase + 0x40;
  win_.report_gpa = gpa;
  win_.report = monitor_.report_at(gpa);
  auto r = run({"teardown", "--report"});
  ASSERT_EQ(r.status, SVMM_GUEST_EXIT_OK) << r.out << r.err;
  EXPECT_EQ(monitor_.calls.back().args, (std::array<uint64_t, 4>{gpa, 0, 0, 0}));
  EXPECT_TRUE(contains_line(r.out, "teardown: ok")) << r.out;
  EXPECT_TRUE(contains_line(r.out, "report: magic=0x52545653 version=1 trigger=guest-request "
                                   "trusted_vms=2 bytes_scrubbed=33554432 duration_ns=1234 "
                                   "pcrs_capped=0x60000"))
      << r.out;
  EXPECT_TRUE(contains_line(r.out, "state: normal")) << r.out;
  EXPECT_TRUE(contains_line(r.out, "teardown-count: 1 (was 0)")) << r.out;
  EXPECT_TRUE(contains_line(r.out, "sts: 0x2 (SEXIT.DONE)")) << r.out;
  EXPECT_TRUE(contains_line(r.out, "secrets: no")) << r.out;
  EXPECT_FALSE(cs_.secure_mode());

  // JSON, second cycle.
  ASSERT_EQ(run({"launch"}).status, 0);
  r = run({"--json", "teardown", "--report"});
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["result"], 0);
  EXPECT_EQ(j["report"]["trigger"], "guest-request");
  EXPECT_EQ(j["report"]["trusted_vms"], 2);
  EXPECT_EQ(j["after"]["state"], "normal");
  EXPECT_EQ(j["after"]["teardown_count"], 2);
  EXPECT_EQ(j["after"]["teardown_count_before"], 1);
  EXPECT_EQ(j["after"]["sts"], "0x2");
}

TEST_F(GuestCoreOnChipset, AReportTheMonitorDidNotWriteIsNotTakenForOne) {
  ASSERT_EQ(run({"launch"}).status, 0);
  monitor_.write_reports = false;
  // Whatever was in the buffer before (a stale valid report) must not pass.
  svmm_teardown_report stale{};
  stale.magic = SVMM_TEARDOWN_REPORT_MAGIC;
  stale.version = SVMM_TEARDOWN_REPORT_VERSION;
  std::memcpy(monitor_.ram.data(), &stale, sizeof stale);
  win_.report_gpa = MiniMonitor::kRamBase;
  win_.report = monitor_.report_at(MiniMonitor::kRamBase);
  auto r = run({"teardown", "--report"});
  EXPECT_EQ(r.status, SVMM_GUEST_EXIT_HYPERCALL) << r.out;
  EXPECT_NE(r.err.find("bad magic or version"), std::string::npos) << r.err;
}

TEST_F(GuestCoreOnChipset, TeardownWithoutAReportBufferSaysWhy) {
  ASSERT_EQ(run({"launch"}).status, 0);
  win_.report_why = "no physical address in /proc/self/pagemap (root needed)";
  auto r = run({"teardown", "--report"});
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(monitor_.calls.back().args[0], 0u) << "no buffer: report address 0";
  EXPECT_TRUE(contains_line(
      r.out, "report: unavailable (no physical address in /proc/self/pagemap (root needed))"))
      << r.out;
  EXPECT_TRUE(contains_line(r.out, "teardown-count: 1 (was 0)")) << r.out;
}

TEST_F(GuestCoreOnChipset, AMisplacedReportBufferIsEfault) {
  ASSERT_EQ(run({"launch"}).status, 0);
  win_.report_gpa = MiniMonitor::kRamBase + 4;  // misaligned
  win_.report = monitor_.report_at(MiniMonitor::kRamBase + 8);
  auto r = run({"teardown", "--report"});
  EXPECT_EQ(r.status, SVMM_GUEST_EXIT_HYPERCALL);
  EXPECT_TRUE(contains_line(r.out, "teardown: -EFAULT (the report buffer is not in guest RAM)")) << r.out;
  EXPECT_TRUE(contains_line(r.out, "state: secure")) << r.out;
  EXPECT_TRUE(cs_.secure_mode());
}

TEST_F(GuestCoreOnChipset, APinFailureStopsBeforeTheBankIsTouched) {
  acc_.pin_result = -1;  // -EPERM
  auto r = run({"launch"});
  EXPECT_EQ(r.status, SVMM_GUEST_EXIT_NO_CHIPSET);
  EXPECT_NE(r.err.find("cannot pin to one CPU"), std::string::npos) << r.err;
  EXPECT_EQ(acc_.writes_and_bank_reads(), std::vector<std::string>{"pin"});
  EXPECT_TRUE(monitor_.calls.empty());
}

class GuestCoreKernelOnly : public GuestCoreOnChipset {
 protected:
  GuestCoreKernelOnly() : GuestCoreOnChipset(2, HypercallPolicy{true, true}) {}
};

TEST_F(GuestCoreKernelOnly, CallsFromCpl3AreRefusedWithEpermAndCountedAsAborts) {
  auto r = run({"launch"});
  EXPECT_EQ(r.status, SVMM_GUEST_EXIT_HYPERCALL);
  EXPECT_NE(r.out.find("launch: -EPERM"), std::string::npos) << r.out;
  EXPECT_EQ(cs_.read_register(SVMM_CS_ABORT_COUNT), 1u);
  EXPECT_EQ(cs_.read_register(SVMM_CS_LAST_ABORT) & 0xFFFFFFFFu, SVMM_HC_SECURE_LAUNCH);
  EXPECT_FALSE(cs_.secure_mode());
}

TEST(GuestCoreWindow, NoChipsetWhereTheWindowReadsAllOnes) {
  // Unassigned MMIO (spec/guest-abi.md section 2) reads all ones.
  static constexpr svmm_window_ops ops = {
      [](void*, uint32_t) -> uint64_t { return ~0ull; }, [](void*, uint32_t, uint64_t) {},
      nullptr};
  CoreWindow w;
  w.ops = &ops;
  for (const char* cmd : {"info", "state", "registers", "launch", "teardown"}) {
    auto r = run_core(w, {cmd});
    EXPECT_EQ(r.status, SVMM_GUEST_EXIT_NO_CHIPSET) << cmd;
    EXPECT_EQ(r.out, "") << cmd;
    EXPECT_NE(r.err.find("no svmm chipset at 0xfed30000 (DIDVID = 0xffffffffffffffff"),
              std::string::npos)
        << r.err;
  }
}

TEST(GuestCoreParse, UsageErrorsExitTwoAndHelpIsNoError) {
  const CoreWindow none;
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{},
                                             {"frobnicate"},
                                             {"launch", "x"},
                                             {"launch", "-1"},
                                             {"launch", " 1"},
                                             {"launch", "0x10"},
                                             {"launch", "1x"},
                                             {"launch", "1", "2"},
                                             {"info", "--report"},
                                             {"state", "extra"},
                                             {"--mem"},
                                             {"--bogus", "info"}}) {
    auto r = run_core(none, bad);
    std::string joined;
    for (const auto& w : bad) joined += w + " ";
    EXPECT_EQ(r.status, SVMM_GUEST_EXIT_USAGE) << joined;
    EXPECT_NE(r.err.find("Try 'svmm-guest --help'."), std::string::npos) << joined << r.err;
    EXPECT_EQ(r.out, "") << joined;
  }
  for (const char* h : {"--help", "-h", "help"}) {
    auto r = run_core(none, {h});
    EXPECT_EQ(r.status, 0) << h;
    EXPECT_NE(r.out.find("usage: svmm-guest"), std::string::npos) << h;
    for (const char* c : {"info", "state", "registers", "launch", "teardown"})
      EXPECT_NE(r.out.find(std::string("  ") + c), std::string::npos) << c;
  }
  svmm_guest_args a{};
  std::vector<std::string> words = {"svmm-guest", "--mem=/x", "launch", "010", "--json"};
  std::vector<char*> argv;
  for (auto& s : words) argv.push_back(s.data());
  ASSERT_EQ(svmm_guest_parse(static_cast<int>(argv.size()), argv.data(), &a, stderr), 0);
  EXPECT_EQ(a.command, SVMM_GUEST_CMD_LAUNCH);
  EXPECT_EQ(a.launch_index, 10u);  // decimal, also with a leading zero
  EXPECT_EQ(a.json, 1);
  EXPECT_STREQ(a.mem_path, "/x");
}

}  // namespace
}  // namespace svmm::test
