// Teardown latency of one trusted VM, by the size of its memory.
//
// svmm: a Machine built in process, the guest OS running `spin`, one trusted VM running
// `trusted-secret` (its RAM filled at CPL 3, READY in SVMM.SCRATCH); after READY a control
// teardown. The figure is svmm's own, TeardownOutcome.report.duration_ns: from the request to
// the moment the guest OS is about to resume (freeze, scrub, release, close, leave).
//
// Beside it, measured in the same run on a locked, pre-faulted anonymous buffer of the same size
// (mapped and locked the way svmm maps trusted RAM):
//   - the limit: one plain single-threaded memset over the buffer;
//   - the scrub: zero_and_verify over the buffer re-dirtied, with the monitor's default thread
//     count (one per online CPU): the part of the teardown spent scrubbing;
// and what KVM itself costs for the rest of the teardown: on a bare VM built like a trusted VM
// (in-kernel irqchip and PIT, one locked slot of that size, one vCPU run to its first exit),
// removing the memory slot, unmapping the memory, closing the vCPU and VM fds.
#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

#include "guest/test_abi.h"
#include "protocol/chipset.h"
#include "protocol/hypercall.h"
#include "tests/bench/bench_common.h"
#include "tests/support/test_machine_config.h"
#include "vmm/kvm/vcpu_fd.h"
#include "vmm/kvm/vm_fd.h"
#include "vmm/machine.h"
#include "vmm/memory/memory_slot.h"
#include "vmm/memory/scrub.h"

namespace svmm::bench {
namespace {

using namespace std::chrono_literals;

double ms_since(Clock::time_point t0) { return us_since(t0) / 1000; }

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

struct TeardownSample {
  double svmm_ms = 0;  // report.duration_ns
  double call_ms = 0;  // the teardown() call as the bench sees it (includes the resume)
};

// One machine, one launch, one teardown.
TeardownSample teardown_once(uint64_t mib) {
  Config c = test::test_kernel_config("spin");
  test::add_trusted_test_vm(c, "tvm0", "trusted-secret", mib);

  Machine m(c);
  std::thread runner([&] { (void)m.run(); });
  struct Stopper {
    Machine& m;
    std::thread& t;
    ~Stopper() {
      m.request_stop({0, "benchmark done"});
      t.join();
    }
  } stopper{m, runner};

  auto spin_counter = [&] {
    return m.guest_os().memory().read_obj<uint64_t>(GuestAddress(SVMM_TEST_SPIN_COUNTERS_GPA)).value_or(0);
  };
  if (!wait_until([&] { return spin_counter() > 0; }, 30s))
    throw std::runtime_error("teardown bench: the guest OS never ran spin");
  if (int64_t r = m.monitor().secure_launch(SVMM_HC_LAUNCH_ALL); r != 0)
    throw std::runtime_error(fmt::format("teardown bench: SECURE_LAUNCH gave {}", r));
  const uint64_t ready = 1ull << SVMM_TEST_SCRATCH_READY_SHIFT;
  if (!wait_until([&] { return (m.monitor().chipset().read_register(SVMM_CS_SCRATCH) & ready) != 0; },
                  600s))
    throw std::runtime_error(fmt::format("teardown bench: trusted VM of {} MiB never ready", mib));

  const auto t0 = Clock::now();
  TeardownOutcome out = m.monitor().teardown(TeardownTrigger::Control);
  TeardownSample s;
  s.call_ms = ms_since(t0);
  if (!out.torn_down || out.report.bytes_scrubbed != (mib << 20))
    throw std::runtime_error(fmt::format("teardown bench: teardown of {} MiB failed (result {})", mib,
                                         out.result));
  s.svmm_ms = static_cast<double>(out.report.duration_ns) / 1e6;
  return s;
}

// Anonymous memory mapped and locked like trusted RAM (vmm/memory/memory_slot.cc): pre-faulted.
class LockedBuffer {
 public:
  explicit LockedBuffer(uint64_t bytes) : size_(bytes) {
    void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                     -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error(std::string("mmap: ") + std::strerror(errno));
    p_ = static_cast<uint8_t*>(p);
    if (::mlock(p_, size_) != 0) {
      ::munmap(p_, size_);
      throw std::runtime_error(std::string("mlock (RLIMIT_MEMLOCK?): ") + std::strerror(errno));
    }
  }
  ~LockedBuffer() {
    ::munlock(p_, size_);
    ::munmap(p_, size_);
  }
  LockedBuffer(const LockedBuffer&) = delete;
  LockedBuffer& operator=(const LockedBuffer&) = delete;
  [[nodiscard]] std::span<uint8_t> bytes() const { return {p_, static_cast<size_t>(size_)}; }

 private:
  uint8_t* p_ = nullptr;
  uint64_t size_;
};

void clobber(void* p) { __asm__ volatile("" : : "r"(p) : "memory"); }

// Milliseconds of a plain memset and of zero_and_verify over the same dirty buffer.
std::pair<double, double> memset_and_scrub_ms(LockedBuffer& buf, unsigned threads) {
  auto b = buf.bytes();
  std::memset(b.data(), 0xA5, b.size());
  clobber(b.data());
  auto t0 = Clock::now();
  std::memset(b.data(), 0, b.size());
  clobber(b.data());
  const double memset_ms = ms_since(t0);
  std::memset(b.data(), 0x5A, b.size());
  clobber(b.data());
  t0 = Clock::now();
  if (zero_and_verify(b, threads)) throw std::runtime_error("zero_and_verify found a survivor");
  const double scrub_ms = ms_since(t0);
  return {memset_ms, scrub_ms};
}

struct KvmRelease {
  double remove_slot_ms = 0, munmap_ms = 0, close_ms = 0;
};

// A bare VM built like a trusted VM (in-kernel irqchip, `pit` as asked, one trusted memory slot
// mapped and locked by svmm's MemorySlot, one vCPU run to its first exit), then released step
// by step as the teardown does: remove the slot from KVM, unmap (and unlock) the RAM, close the
// vCPU and VM fds.
KvmRelease kvm_release_once(const Kvm& kvm, uint64_t mib, bool pit) {
  KvmRelease r;
  std::optional<VmFd> vm(kvm.create_vm());
  vm->set_identity_map_addr(0xFFFBC000);
  vm->set_tss_addr(0xFFFBD000);
  vm->create_irqchip();
  if (pit) vm->create_pit2();
  MemorySlot slot(&*vm, 0, GuestAddress(0), mib << 20, MemoryProtection::Trusted);
  const uint8_t out_f4[] = {0xE6, 0xF4};  // out 0xF4, al
  std::memcpy(slot.host_bytes().data() + 0x1000, out_f4, sizeof out_f4);
  std::optional<VcpuFd> vcpu(vm->create_vcpu(0));
  kvm_sregs s = vcpu->get_sregs();
  s.cs.base = 0;
  s.cs.selector = 0;
  vcpu->set_sregs(s);
  kvm_regs regs{};
  regs.rip = 0x1000;
  regs.rflags = 2;
  vcpu->set_regs(regs);
  if (!std::holds_alternative<exit::IoOut>(vcpu->run()))
    throw std::runtime_error("bare trusted-like VM did not reach its first exit");
  std::memset(slot.host_bytes().data(), 0, slot.size());  // like the scrub, untimed

  auto t0 = Clock::now();
  slot.unregister();
  r.remove_slot_ms = ms_since(t0);
  t0 = Clock::now();
  slot.unmap_scrubbed();
  r.munmap_ms = ms_since(t0);
  t0 = Clock::now();
  vcpu.reset();
  vm.reset();
  r.close_ms = ms_since(t0);
  return r;
}

}  // namespace

void bench_teardown(const Kvm& kvm, bool quick) {
  const std::vector<uint64_t> sizes =
      quick ? std::vector<uint64_t>{2, 16, 64} : std::vector<uint64_t>{2, 16, 64, 256, 1024};
  const int runs = quick ? 3 : 10;
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  const unsigned threads = online > 0 ? static_cast<unsigned>(online) : 1u;

  struct Row {
    uint64_t mib;
    double teardown_ms, call_ms, memset_ms, scrub_ms;
    KvmRelease kvm;          // irqchip, no PIT
    double close_pit_ms;     // closing the same VM with a PIT
  };
  std::vector<Row> rows;
  for (uint64_t mib : sizes) {
    Row row{};
    row.mib = mib;
    {
      std::vector<double> td, call;
      for (int i = 0; i < runs; ++i) {
        TeardownSample s = teardown_once(mib);
        td.push_back(s.svmm_ms);
        call.push_back(s.call_ms);
      }
      row.teardown_ms = median(td);
      row.call_ms = median(call);
    }
    {
      LockedBuffer buf(mib << 20);
      std::vector<double> ms, sc;
      for (int i = 0; i < runs; ++i) {
        auto [m, s] = memset_and_scrub_ms(buf, threads);
        ms.push_back(m);
        sc.push_back(s);
      }
      row.memset_ms = median(ms);
      row.scrub_ms = median(sc);
    }
    {
      std::vector<double> rs, mu, cl, clp;
      for (int i = 0; i < runs; ++i) {
        KvmRelease k = kvm_release_once(kvm, mib, false);
        rs.push_back(k.remove_slot_ms);
        mu.push_back(k.munmap_ms);
        cl.push_back(k.close_ms);
        clp.push_back(kvm_release_once(kvm, mib, true).close_ms);
      }
      row.kvm = {median(rs), median(mu), median(cl)};
      row.close_pit_ms = median(clp);
    }
    rows.push_back(row);
  }

  auto gbps = [](uint64_t mib, double ms) { return static_cast<double>(mib << 20) / (ms * 1e6); };
  fmt::print("teardown of one trusted VM (trusted-secret) beside the guest OS (spin), median of {}:\n", runs);
  fmt::print("  {:>8} | {:>8} {:>8} | {:>8} {:>8} | {:>8} {:>8} {:>7} | {:>7} {:>7} {:>7} {:>7}\n",
             "trusted", "teardown", "call", "scrub", "rest", "memset", "scrub", "scrub/", "rm", "munmap",
             "close", "close");
  fmt::print("  {:>8} | {:>8} {:>8} | {:>8} {:>8} | {:>8} {:>8} {:>7} | {:>7} {:>7} {:>7} {:>7}\n",
             "memory", "(svmm)", "", "", "", "(limit)", "", "memset", "slot", "", "VM", "VM+PIT");
  fmt::print("  {:>8} | {:>8} {:>8} | {:>8} {:>8} | {:>8} {:>8} {:>7} | {:>7} {:>7} {:>7} {:>7}\n", "MiB",
             "ms", "ms", "ms", "ms", "GB/s", "GB/s", "", "ms", "ms", "ms", "ms");
  for (const Row& r : rows)
    fmt::print("  {:>8} | {:8.2f} {:8.2f} | {:8.2f} {:8.2f} | {:8.1f} {:8.1f} {:6.2f}x | {:7.3f} {:7.3f} {:7.3f} {:7.3f}\n",
               r.mib, r.teardown_ms, r.call_ms, r.scrub_ms, r.teardown_ms - r.scrub_ms,
               gbps(r.mib, r.memset_ms), gbps(r.mib, r.scrub_ms), r.memset_ms / r.scrub_ms,
               r.kvm.remove_slot_ms, r.kvm.munmap_ms, r.kvm.close_ms, r.close_pit_ms);
  fmt::print("  teardown: svmm's report.duration_ns (request to resume); call: the teardown() call as\n"
             "  the caller sees it; scrub: zero_and_verify with {} threads (one per online CPU) on a\n"
             "  locked pre-faulted buffer re-dirtied; rest = teardown - scrub; memset: one thread, one\n"
             "  pass, same buffer (GB/s = 1e9 B/s); last four: a bare VM like a trusted VM (irqchip,\n"
             "  svmm's MemorySlot of that size), run to its first exit, then released step by step\n",
             threads);
  for (const Row& r : rows) {
    if (r.mib == 2)
      fmt::print("  target: 2 MiB teardown < 1 ms: {:.2f} ms\n", r.teardown_ms);
    if (r.mib >= 256)
      fmt::print("  target: {} MiB scrub+verify >= 0.8x memset bandwidth: {:.2f}x\n", r.mib,
                 r.memset_ms / r.scrub_ms);
  }
  fmt::print("\n");
}

}  // namespace svmm::bench
