// Control socket: `query-status` round-trip latency (median, p99) and requests per second with
// 1 and 8 clients, next to QEMU's QMP `query-status` measured the same way in the same run when
// qemu-system-x86_64 is installed (its QMP does not need a guest: it runs with -S).
#include "tests/bench/bench_control.h"

#include <fmt/format.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/test_machine_config.h"
#include "vmm/machine.h"

namespace svmm::bench {

namespace {

using Clock = std::chrono::steady_clock;

// A blocking line client; `qmp` negotiates QMP capabilities first.
class LineClient {
 public:
  LineClient(const std::string& path, bool qmp) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    for (int i = 0; i < 200; ++i) {
      if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        ok_ = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!ok_) return;
    (void)line();  // greeting
    if (qmp) call("{\"execute\": \"qmp_capabilities\"}\n");
  }
  ~LineClient() { ::close(fd_); }
  bool ok() const { return ok_; }
  // One request, waits for the line that answers it (events skipped).
  void call(const std::string& req) {
    (void)::send(fd_, req.data(), req.size(), MSG_NOSIGNAL);
    for (;;) {
      std::string l = line();
      if (l.empty() || l.find("\"return\"") != std::string::npos ||
          l.find("\"error\"") != std::string::npos)
        return;
    }
  }

 private:
  std::string line() {
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        std::string l = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return l;
      }
      char b[4096];
      ssize_t n = ::recv(fd_, b, sizeof b, 0);
      if (n <= 0) return {};
      buf_.append(b, static_cast<size_t>(n));
    }
  }
  int fd_ = -1;
  bool ok_ = false;
  std::string buf_;
};

struct Result {
  double median_us = 0, p99_us = 0, rps1 = 0, rps8 = 0;
};

Result measure(const std::string& path, bool qmp, int n) {
  Result r;
  {
    LineClient c(path, qmp);
    if (!c.ok()) throw std::runtime_error("cannot connect to " + path);
    std::vector<double> lat;
    lat.reserve(static_cast<size_t>(n));
    const std::string req = "{\"execute\": \"query-status\"}\n";
    for (int i = 0; i < 200; ++i) c.call(req);  // warm-up
    auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) {
      auto a = Clock::now();
      c.call(req);
      lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
    }
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    std::sort(lat.begin(), lat.end());
    r.median_us = lat[lat.size() / 2];
    r.p99_us = lat[lat.size() * 99 / 100];
    r.rps1 = n / secs;
  }
  {
    const int clients = 8, per = n / clients;
    std::vector<std::thread> ts;
    auto t0 = Clock::now();
    for (int k = 0; k < clients; ++k)
      ts.emplace_back([&] {
        LineClient c(path, qmp);
        for (int i = 0; i < per; ++i) c.call("{\"execute\": \"query-status\"}\n");
      });
    for (auto& t : ts) t.join();
    r.rps8 = clients * per / std::chrono::duration<double>(Clock::now() - t0).count();
  }
  return r;
}

void print(const char* who, const Result& r) {
  fmt::print("  {:<6} latency median {:7.1f} us, p99 {:7.1f} us; {:8.0f} req/s with 1 client, "
             "{:8.0f} req/s with 8\n",
             who, r.median_us, r.p99_us, r.rps1, r.rps8);
}

}  // namespace

void bench_control(bool quick) {
  const int n = quick ? 2000 : 10000;
  test::TempDir dir;
  Config c = test::test_kernel_config("spin", 1, 32);
  c.api.socket = dir.path() + "/svmm.sock";
  Result svmm_r;
  {
    Machine m(c);
    std::thread run([&] { (void)m.run(); });
    svmm_r = measure(c.api.socket->string(), false, n);
    m.request_stop({0, "bench finished"});
    run.join();
  }
  fmt::print("control socket query-status ({} requests):\n", n);
  print("svmm", svmm_r);

  if (::access("/usr/bin/qemu-system-x86_64", X_OK) != 0) {
    fmt::print("  qemu   not installed (apt-get install qemu-system-x86 to compare with QMP)\n\n");
    return;
  }
  const std::string qmp = dir.path() + "/qmp.sock";
  pid_t pid = ::fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    const std::string arg = "unix:" + qmp + ",server=on,wait=off";
    ::execl("/usr/bin/qemu-system-x86_64", "qemu-system-x86_64", "-M", "microvm", "-accel", "tcg",
            "-nodefaults", "-display", "none", "-S", "-qmp", arg.c_str(),
            static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  try {
    Result q = measure(qmp, true, n);
    print("qemu", q);
    fmt::print("  ratio svmm/qemu: latency {:.2f}x, throughput {:.2f}x (1 client), {:.2f}x (8)\n\n",
               svmm_r.median_us / q.median_us, svmm_r.rps1 / q.rps1, svmm_r.rps8 / q.rps8);
  } catch (const std::exception& e) {
    fmt::print("  qemu   {}\n\n", e.what());
  }
  ::kill(pid, SIGKILL);
  int st;
  ::waitpid(pid, &st, 0);
}

}  // namespace svmm::bench
