// The control socket with a client of the test's own (not svmm's code): the greeting, every
// command, every error class, events to two clients at once, pause/cont, and hostile input
// that never affects the machine.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "guest/test_abi.h"
#include "protocol/chipset.h"
#include "protocol/exit_status.h"
#include "tests/integration/secure_config.h"
#include "tests/support/memory_scan.h"
#include "tests/support/process.h"
#include "tests/support/test_machine_config.h"
#include "vmm/machine.h"

namespace svmm {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// A minimal line-oriented client.
class TestClient {
 public:
  explicit TestClient(const std::string& path, bool read_greeting = true) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    if (connected_ && read_greeting) greeting = line(5s);
  }
  ~TestClient() { ::close(fd_); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return connected_; }
  void send_raw(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  // The next line, parsed; a null json on timeout or close.
  json line(std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        std::string l = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return json::parse(l, nullptr, false);
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return nullptr;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char b[65536];
      ssize_t n = ::recv(fd_, b, sizeof b, 0);
      if (n <= 0) return nullptr;
      buf_.append(b, static_cast<size_t>(n));
    }
  }
  // Sends a request and returns its reply (events before it are kept in `events`).
  json call(const std::string& execute, const json& args = nullptr) {
    json req = {{"execute", execute}, {"id", ++id_}};
    if (!args.is_null()) req["arguments"] = args;
    send_raw(req.dump() + "\n");
    return reply(id_);
  }
  json reply(int id) {
    for (;;) {
      json j = line();
      if (j.is_null() || j.is_discarded()) return j;
      if (j.contains("event")) {
        events.push_back(j);
        continue;
      }
      if (j.contains("id") && j["id"] == id) return j;
    }
  }
  json wait_event(const std::string& name, std::chrono::milliseconds timeout = 20s) {
    for (auto it = events.begin(); it != events.end(); ++it)
      if ((*it)["event"] == name) {
        json e = *it;
        events.erase(it);
        return e;
      }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      json j = line(50ms);
      if (j.is_object() && j.contains("event")) {
        if (j["event"] == name) return j;
        events.push_back(j);
      }
    }
    return nullptr;
  }

  json greeting;
  std::vector<json> events;

 private:
  int fd_ = -1;
  bool connected_ = false;
  int id_ = 0;
  std::string buf_;
};

std::string error_class(const json& reply) {
  return reply.contains("error") ? reply["error"].value("class", "") : std::string("(no error)");
}

class ControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!test::kvm_available(&why)) GTEST_SKIP() << why;
    socket_ = dir_.path() + "/svmm.sock";
  }
  void TearDown() override {
    if (machine_) {
      machine_->request_stop({0, "test finished"});
      if (runner_.joinable()) runner_.join();
      machine_.reset();
    }
  }
  // The guest OS spins (2 vCPUs), one trusted VM is configured.
  void start(const std::string& guest = "spin", uint32_t trusted = 1) {
    Config c = test::test_kernel_config(guest, 2, 32);
    for (uint32_t i = 0; i < trusted; ++i)
      test::add_trusted_test_vm(c, "tvm" + std::to_string(i), "trusted-secret", 2);
    c.api.socket = socket_;
    machine_ = std::make_unique<Machine>(c);
    runner_ = std::thread([this] { status_ = machine_->run(); });
    ASSERT_TRUE(progressing()) << "the guest never started";
  }
  uint64_t counter(uint32_t cpu) {
    return machine_->guest_os()
        .memory()
        .read_obj<uint64_t>(GuestAddress(SVMM_TEST_SPIN_COUNTERS_GPA + 64ull * cpu))
        .value_or(0);
  }
  bool progressing(std::chrono::milliseconds timeout = 20s) {
    uint64_t a = counter(0), b = counter(1);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (counter(0) > a && counter(1) > b) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  test::TempDir dir_;
  std::string socket_;
  std::unique_ptr<Machine> machine_;
  std::thread runner_;
  int status_ = -1;
};

TEST_F(ControlTest, GreetingAndEveryCommandSucceeds) {
  start();
  TestClient c(socket_);
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(c.greeting["svmm"]["abi"], 1);
  EXPECT_TRUE(c.greeting["svmm"]["version"].is_string());

  auto st = c.call("query-status");
  EXPECT_EQ(st["return"]["state"], "running");
  EXPECT_EQ(st["return"]["mode"], "normal");
  EXPECT_TRUE(st["return"]["uptime_ms"].is_number());

  auto vms = c.call("query-vms");
  EXPECT_EQ(vms["return"]["guest_os"]["vcpus"], 2);
  EXPECT_EQ(vms["return"]["trusted_vms"][0]["state"], "absent");

  auto cs = c.call("query-chipset");
  EXPECT_EQ(cs["return"]["DIDVID"], SVMM_DIDVID_VALUE);
  EXPECT_EQ(cs["return"]["STS"], SVMM_STS_MEM_CONFIG_LOCK);
  EXPECT_EQ(cs["return"]["PUBLIC.KEY"].get<std::string>().size(), 64u);

  auto v = c.call("query-vcpu", {{"index", 1}});
  ASSERT_TRUE(v.contains("return")) << v;
  EXPECT_TRUE(v["return"]["rip"].get<std::string>().rfind("0x", 0) == 0);
  EXPECT_EQ(v["return"]["cs"]["l"], true) << "the guest runs in 64-bit mode";

  EXPECT_EQ(c.call("secure-launch")["return"], json::object());
  EXPECT_EQ(c.call("query-status")["return"]["mode"], "secure");
  EXPECT_EQ(c.call("query-vms")["return"]["trusted_vms"][0]["state"], "running");

  EXPECT_EQ(c.call("pause")["return"], json::object());
  EXPECT_EQ(c.call("query-status")["return"]["state"], "paused");
  EXPECT_EQ(c.call("cont")["return"], json::object());

  auto td = c.call("teardown");
  ASSERT_TRUE(td.contains("return")) << td;
  EXPECT_EQ(td["return"]["trigger"], "control");
  EXPECT_EQ(td["return"]["trusted_vms"], 1);
  EXPECT_EQ(td["return"]["bytes_scrubbed"], 2u << 20);
  EXPECT_EQ(td["return"]["magic"], SVMM_TEARDOWN_REPORT_MAGIC);
  EXPECT_EQ(c.call("query-status")["return"]["mode"], "normal");
  EXPECT_TRUE(progressing()) << "the guest OS runs on after the teardown";

  EXPECT_EQ(c.call("quit")["return"], json::object());
  runner_.join();
  EXPECT_EQ(status_, 0);
}

TEST_F(ControlTest, ErrorsOfEveryClass) {
  start();
  TestClient c(socket_);
  c.send_raw("this is not json\n");
  EXPECT_EQ(error_class(c.line()), "InvalidRequest");
  EXPECT_EQ(error_class(c.call("no-such-command")), "CommandNotFound");
  EXPECT_EQ(error_class(c.call("query-vcpu", {{"index", 99}})), "InvalidArgument");
  EXPECT_EQ(error_class(c.call("query-vcpu", {{"index", "0"}})), "InvalidArgument");
  EXPECT_EQ(error_class(c.call("secure-launch", {{"vm", 7}})), "InvalidArgument");
  EXPECT_EQ(error_class(c.call("teardown")), "InvalidState") << "teardown in normal mode";
  EXPECT_EQ(error_class(c.call("query-status", {{"bogus", 1}})), "InvalidArgument");
  // Failed: a teardown whose step fails (test-only fault injection) ends the machine.
  ASSERT_TRUE(c.call("secure-launch").contains("return"));
  ::setenv("SVMM_TEST_FAIL_TEARDOWN", "scrub", 1);
  auto r = c.call("teardown");
  ::unsetenv("SVMM_TEST_FAIL_TEARDOWN");
  EXPECT_EQ(error_class(r), "Failed") << r;
  runner_.join();
  EXPECT_EQ(status_, SVMM_EXIT_TEARDOWN_FAILED);
}

TEST_F(ControlTest, EventsReachTwoClientsAtOnce) {
  start("spin", 1);
  TestClient a(socket_), b(socket_);
  ASSERT_TRUE(a.connected() && b.connected());
  ASSERT_TRUE(a.call("secure-launch").contains("return"));
  for (TestClient* c : {&a, &b}) {
    auto e = c->wait_event("SECURE_LAUNCH");
    ASSERT_TRUE(e.is_object()) << "no SECURE_LAUNCH event";
    EXPECT_EQ(e["data"]["manifest_sha256"].get<std::string>().size(), 64u);
    EXPECT_TRUE(e["timestamp"]["seconds"].is_number());
    EXPECT_TRUE(e["timestamp"]["microseconds"].is_number());
  }
  ASSERT_TRUE(a.call("teardown").contains("return"));
  for (TestClient* c : {&a, &b}) {
    auto e = c->wait_event("TEARDOWN");
    ASSERT_TRUE(e.is_object()) << "no TEARDOWN event";
    EXPECT_EQ(e["data"]["trigger"], "control");
    EXPECT_EQ(e["data"]["trusted_vms"], 1);
  }
  // CHIPSET_ABORT: the monitor refuses TRUSTED_EXIT from the guest OS through the bank? The
  // guest spins; an abort is produced host-side by a refused hypercall of the guest OS:
  machine_->monitor().chipset().hypercall_refused(SVMM_HC_TRUSTED_EXIT, Requester::guest_os(0));
  for (TestClient* c : {&a, &b}) {
    auto e = c->wait_event("CHIPSET_ABORT");
    ASSERT_TRUE(e.is_object()) << "no CHIPSET_ABORT event";
    EXPECT_EQ(e["data"]["reason"], SVMM_ABORT_HYPERCALL_REFUSED);
  }
  ASSERT_TRUE(a.call("quit").contains("return"));
  for (TestClient* c : {&a, &b}) {
    auto e = c->wait_event("SHUTDOWN");
    ASSERT_TRUE(e.is_object()) << "no SHUTDOWN event";
    EXPECT_EQ(e["data"]["exit_status"], 0);
  }
  runner_.join();
}

TEST_F(ControlTest, TrustedVmExitAndGuestShutdownEvents) {
  // The trusted VM exits with status 3 (trusted-fault: a teardown follows).
  Config c = test::test_kernel_config("launch-await-teardown vms=1");
  test::add_trusted_test_vm(c, "tvm0", "trusted-exit code=3 ready=1", 2);
  c.api.socket = socket_;
  machine_ = std::make_unique<Machine>(c);
  TestClient a(socket_), b(socket_);  // connected before the guest runs
  runner_ = std::thread([this] { status_ = machine_->run(); });
  for (TestClient* cl : {&a, &b}) {
    auto e = cl->wait_event("TRUSTED_VM_EXIT");
    ASSERT_TRUE(e.is_object()) << "no TRUSTED_VM_EXIT event";
    EXPECT_EQ(e["data"]["index"], 0);
    EXPECT_EQ(e["data"]["status"], 3);
    auto td = cl->wait_event("TEARDOWN");
    ASSERT_TRUE(td.is_object());
    EXPECT_EQ(td["data"]["trigger"], "trusted-fault");
    auto gs = cl->wait_event("GUEST_SHUTDOWN");  // the guest's PASS is a debug exit
    ASSERT_TRUE(gs.is_object()) << "no GUEST_SHUTDOWN event";
  }
  runner_.join();
  EXPECT_EQ(status_, SVMM_DEBUG_EXIT_STATUS(SVMM_TEST_EXIT_PASS));
}

TEST_F(ControlTest, PauseHoldsEveryVcpuAndContReleasesThem) {
  start();
  TestClient c(socket_);
  ASSERT_TRUE(c.call("secure-launch").contains("return"));
  ASSERT_TRUE(c.call("pause").contains("return"));
  uint64_t a = counter(0), b = counter(1);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(counter(0), a);
  EXPECT_EQ(counter(1), b);
  // A teardown while paused does not resume the guest OS.
  ASSERT_TRUE(c.call("teardown").contains("return"));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(counter(0), a) << "a teardown must not undo a pause";
  ASSERT_TRUE(c.call("cont").contains("return"));
  EXPECT_TRUE(progressing());
}

TEST_F(ControlTest, HostileInputNeverAffectsTheMachine) {
  start("spin", 0);
  const std::vector<std::string> bad = {
      "not json",
      "[1,2,3]",
      "\"a string\"",
      "42",
      "null",
      "{}",
      "{\"execute\": 5}",
      "{\"execute\": null}",
      "{\"execute\": \"query-status\", \"arguments\": []}",
      "{\"execute\": \"query-status\", \"arguments\": \"x\"}",
      "{\"execute\": \"query-status\", \"extra\": 1}",
      "{\"execute\": \"query-vcpu\", \"arguments\": {\"index\": -1}}",
      "{\"execute\": \"query-vcpu\", \"arguments\": {\"index\": 1.5}}",
      "{\"execute\": \"query-vcpu\", \"arguments\": {\"index\": 18446744073709551616}}",
      "{\"execute\": \"query-vcpu\", \"arguments\": {\"index\": 1e999}}",
      "{\"execute\": \"query-vcpu\", \"arguments\": {}}",
      "{\"execute\": \"secure-launch\", \"arguments\": {\"vm\": \"all\"}}",
      "{\"execute\": \"no-such-command\"}",
      "{\"execute\": \"\"}",
      std::string("{\"execute\": \"query-status\"") + '\0' + "}",
      "{\"execute\": \"query-vms\", \"arguments\": {\"x\": 1}, \"id\": {\"n\": [1, {\"x\": null}]}}",
      std::string(10000, '[') + std::string(10000, ']'),
      std::string(10000, '{'),
      "{\"execute\": \"\xff\xfe\"}",
      "{\"execute\": \"query-status\",}",
      "{\"execute\": \"teardown\", \"arguments\": {\"force\": true}}",
  };
  ASSERT_GE(bad.size(), 25u);
  TestClient c(socket_);
  for (size_t i = 0; i < bad.size(); ++i) {
    c.send_raw(bad[i] + "\n");
    json r = c.line();
    ASSERT_TRUE(r.is_object() && r.contains("error")) << "request " << i << " got " << r;
  }
  // A 2 MiB line: one error, and the connection stays usable.
  c.send_raw(std::string(2u << 20, 'x') + "\n");
  EXPECT_EQ(error_class(c.line()), "InvalidRequest");
  EXPECT_EQ(c.call("query-status")["return"]["state"], "running");

  // Half a line, then a disconnect.
  {
    TestClient half(socket_);
    half.send_raw("{\"execute\": \"quit\"");
  }
  // 100 clients at once: each is greeted or cleanly refused.
  {
    std::vector<std::unique_ptr<TestClient>> many;
    for (int i = 0; i < 100; ++i) many.push_back(std::make_unique<TestClient>(socket_));
    int greeted = 0;
    for (auto& m : many) greeted += m->greeting.is_object() ? 1 : 0;
    EXPECT_EQ(greeted, 100);
  }
  EXPECT_EQ(c.call("query-status")["return"]["state"], "running");
  EXPECT_TRUE(progressing()) << "the guest must still run";
}

// SIGTERM in secure mode: the signal teardown runs, and afterwards no byte of the trusted VM's
// secret is left anywhere in this (the svmm) process.
TEST_F(ControlTest, SigtermInSecureModeTearsDownAndLeavesNothing) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &set, nullptr), 0);  // inherited by the machine's threads
  int sfd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  ASSERT_GE(sfd, 0);
  Config c = test::test_kernel_config("spin-secure vms=1");
  test::add_trusted_test_vm(c, "tvm0", "trusted-secret", 4, dir_.path() + "/tvm0.log");
  c.api.socket = socket_;
  int status = -1;
  {
    Machine m(c);
    TestClient ev(socket_);
    std::thread run([&] { status = m.run(sfd); });
    ASSERT_TRUE(test::wait_for_text(dir_.path() + "/tvm0.log", "secret: ", 30s));
    std::this_thread::sleep_for(200ms);  // the fill completes before READY; give it time
    ::kill(::getpid(), SIGTERM);
    auto e = ev.wait_event("TEARDOWN");
    run.join();
    ASSERT_TRUE(e.is_object());
    EXPECT_EQ(e["data"]["trigger"], "signal");
  }
  ::close(sfd);
  ASSERT_EQ(pthread_sigmask(SIG_UNBLOCK, &set, nullptr), 0);
  EXPECT_EQ(status, 0);
  EXPECT_NE(::access(socket_.c_str(), F_OK), 0) << "the socket must be removed";
  auto inv = test::inverted_marker(dir_.path() + "/tvm0.log");
  ASSERT_EQ(inv.size(), 16u);
  const size_t hits = test::count_marker_in_self(inv);
  EXPECT_EQ(hits, 0u) << "trusted bytes left after the signal teardown";
}

}  // namespace
}  // namespace svmm
