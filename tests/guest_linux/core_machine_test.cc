// svmm-guest's commands against a whole svmm Machine in this process (real KVM, the secure
// monitor, a trusted VM): the accessor makes the guest OS's MMIO accesses to the public window
// as its vCPU 0 at CPL 3 would (Requester::guest_os(0, 3)), so that HC.CALL reaches the real
// monitor. A bank call from a thread that is not a vCPU is how the control socket's commands
// reach the monitor too (SecureMonitor::run_on_monitor: no vCPU to hold; the teardown's
// freeze parks the guest OS's vCPU threads, not this one). The report goes to guest RAM.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <span>
#include <string>
#include <thread>

#include "guest/test_abi.h"
#include "protocol/chipset.h"
#include "protocol/hypercall.h"
#include "protocol/memory_map.h"
#include "tests/guest_linux/guest_core_support.h"
#include "tests/support/process.h"
#include "tests/support/test_machine_config.h"
#include "vmm/machine.h"

namespace svmm::test {
namespace {

using namespace std::chrono_literals;

struct MachineAccessor {
  Machine* m = nullptr;
  Requester who = Requester::guest_os(0, 3);
  static uint64_t read64(void* ctx, uint32_t offset) {
    auto* self = static_cast<MachineAccessor*>(ctx);
    std::array<uint8_t, 8> b{};
    b.fill(0xFF);  // unassigned MMIO reads all ones
    (void)self->m->guest_os().mmio().read(SVMM_MMIO_CHIPSET_PUBLIC + offset, b, self->who);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{b[i]} << (8 * i);
    return v;
  }
  static void write64(void* ctx, uint32_t offset, uint64_t value) {
    auto* self = static_cast<MachineAccessor*>(ctx);
    std::array<uint8_t, 8> b{};
    for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(value >> (8 * i));
    (void)self->m->guest_os().mmio().write(SVMM_MMIO_CHIPSET_PUBLIC + offset, b, self->who);
  }
  static constexpr svmm_window_ops kOps = {read64, write64, nullptr};
};

uint64_t spin_counter(Machine& m) {
  return m.guest_os().memory().read_obj<uint64_t>(GuestAddress(SVMM_TEST_SPIN_COUNTERS_GPA)).value_or(0);
}

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

TEST(GuestCoreOnMachine, LaunchStateRegistersTeardownReportThroughTheRealMonitor) {
  SVMM_REQUIRE_KVM();
  TempDir dir;
  Config c = test_kernel_config("spin cpus=1");
  add_trusted_test_vm(c, "vault", "trusted-secret", 4, dir.path() + "/vault.log");

  Machine m(c);
  int status = -1;
  std::thread runner([&] { status = m.run(); });
  struct Stop {
    Machine& m;
    std::thread& t;
    ~Stop() {
      m.request_stop({0, "test finished"});
      if (t.joinable()) t.join();
    }
  } stop{m, runner};
  ASSERT_TRUE(wait_until([&] { return spin_counter(m) > 0; }, 30s)) << "the guest OS never ran";

  MachineAccessor acc{&m};
  CoreWindow w;
  w.ops = &MachineAccessor::kOps;
  w.ctx = &acc;

  auto r = run_core(w, {"info"});
  ASSERT_EQ(r.status, SVMM_GUEST_EXIT_OK) << r.err;
  EXPECT_TRUE(contains_line(r.out, "vendor: 0x5356")) << r.out;
  EXPECT_TRUE(contains_line(r.out, "fuse: enabled")) << r.out;
  EXPECT_TRUE(contains_line(r.out, "token: present")) << r.out;
  EXPECT_TRUE(contains_line(r.out, "state: normal")) << r.out;
  EXPECT_TRUE(contains_line(r.out, "teardown-count: 0")) << r.out;

  r = run_core(w, {"teardown"});
  EXPECT_EQ(r.status, SVMM_GUEST_EXIT_HYPERCALL);
  EXPECT_EQ(r.out, "teardown: -EINVAL (not in secure mode)\n");

  r = run_core(w, {"launch", "5"});
  EXPECT_EQ(r.status, SVMM_GUEST_EXIT_HYPERCALL);
  EXPECT_TRUE(contains_line(r.out, "launch: -ENOENT (no such trusted VM (or none configured))")) << r.out;

  r = run_core(w, {"launch"});
  ASSERT_EQ(r.status, SVMM_GUEST_EXIT_OK) << r.out << r.err;
  EXPECT_TRUE(m.monitor().secure());
  EXPECT_EQ(run_core(w, {"state"}).out, "secure\n");

  // PUBLIC.KEY as the chipset holds it (the launch manifest's SHA-256).
  std::string key;
  for (uint32_t off = 0; off < 32; off += 8) {
    const uint64_t v = m.monitor().chipset().read_register(SVMM_CS_PUBLIC_KEY + off);
    for (int b = 0; b < 8; ++b) {
      char x[3];
      std::snprintf(x, sizeof x, "%02x", static_cast<unsigned>((v >> (8 * b)) & 0xFF));
      key += x;
    }
  }
  EXPECT_NE(key, std::string(64, '0'));
  r = run_core(w, {"registers"});
  ASSERT_EQ(r.status, 0);
  EXPECT_TRUE(contains_line(r.out, "0x400 PUBLIC.KEY               r   " + key)) << r.out;
  EXPECT_TRUE(contains_line(r.out, "0xa08 SVMM.STATE               r   0x0000000000000001")) << r.out;
  r = run_core(w, {"launch"});
  EXPECT_EQ(r.status, SVMM_GUEST_EXIT_HYPERCALL);
  EXPECT_EQ(r.out, "launch: -EBUSY (already in secure mode)\n");

  // The report into guest RAM (16 MiB: not used by the spin scenario).
  const uint64_t gpa = 16ull << 20;
  auto slice = m.guest_os().memory().slice(GuestAddress(gpa), sizeof(svmm_teardown_report));
  ASSERT_TRUE(slice.has_value());
  w.report_gpa = gpa;
  w.report = reinterpret_cast<volatile svmm_teardown_report*>(slice->data());
  r = run_core(w, {"teardown", "--report"});
  ASSERT_EQ(r.status, SVMM_GUEST_EXIT_OK) << r.out << r.err;
  EXPECT_TRUE(contains_line(r.out, "teardown: ok")) << r.out;
  EXPECT_NE(r.out.find("report: magic=0x52545653 version=1 trigger=guest-request trusted_vms=1 "
                       "bytes_scrubbed=4194304 duration_ns="),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(contains_line(r.out, "state: normal")) << r.out;
  EXPECT_TRUE(contains_line(r.out, "teardown-count: 1 (was 0)")) << r.out;
  EXPECT_TRUE(contains_line(r.out, "sts: 0x2 (SEXIT.DONE)")) << r.out;
  EXPECT_TRUE(contains_line(r.out, "secrets: no")) << r.out;
  EXPECT_FALSE(m.monitor().secure());
  EXPECT_EQ(run_core(w, {"state"}).out, "normal\n");

  // The guest OS runs on.
  const uint64_t before = spin_counter(m);
  EXPECT_TRUE(wait_until([&] { return spin_counter(m) > before; }, 30s));
}

}  // namespace
}  // namespace svmm::test
