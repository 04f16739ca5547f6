// svmm_linux_bench: time to Linux's `Linux version` banner, svmm against QEMU's microvm, and
// the memory each holds at that moment (issue #6).
//
//   build/tests/bench/svmm_linux_bench --kernel VMLINUX [--runs N] [--cmdline TEXT]
//       [--memory MIB] [--timeout SECONDS] [--qemu PATH] [--qemu-cpu MODEL] [--svmm PATH]
//
// (scripts/bench-linux.sh fetches the kernel, installs QEMU and builds this first.)
//
// Both VMMs boot the same uncompressed PVH ELF vmlinux with the same command line, one vCPU and
// the same RAM, their COM1 going to a fresh regular file (svmm `--console file:PATH`, QEMU
// `-serial file:PATH`). A run starts just before fork() and ends when "Linux version" is in the
// file: the file is watched with inotify (every write wakes the bench; a 2 ms poll backs it up)
// and the child's pidfd tells an early exit apart. At the banner the child's process group is
// stopped (SIGSTOP), its memory read from /proc/PID/status and /proc/PID/smaps, and then killed
// (SIGKILL); every wait is bounded and no child outlives a run. Runs alternate svmm, QEMU, svmm,
// ... so that drifting load hits both alike; medians are printed next to the targets.
//
// "RSS minus guest RAM": whatever of the guest RAM Linux has touched by the banner is resident
// in the VMM and counts in its RSS, and how much that is depends on the VMM's page size (both
// ask for transparent huge pages). So from the sum of Rss over all mappings in /proc/PID/smaps
// the bench subtracts the Rss of the guest RAM mapping itself: the largest anonymous read-write
// mapping at least as large as the guest RAM (svmm's single slot below 4 GiB; QEMU's RAM
// block). What is left is the VMM's own memory: binary, libraries, heap, stacks, the vCPU run
// area, firmware ROMs, a kernel image the VMM keeps mapped (QEMU does; printed apart), and so on.
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kBanner = "Linux version";

struct Options {
  std::string kernel;
  std::string cmdline = "earlyprintk=serial console=ttyS0";
  std::string svmm = SVMM_BINARY;
  std::string qemu;
  std::string qemu_cpu;  // empty: "host", falling back when this KVM refuses it
  int runs = 5;
  int memory_mib = 256;
  double timeout_s = 60;
};

[[noreturn]] void usage(const std::string& why) {
  fmt::print(stderr,
             "svmm_linux_bench: {}\n"
             "usage: svmm_linux_bench --kernel VMLINUX [--runs N] [--cmdline TEXT] [--memory MIB]\n"
             "       [--timeout SECONDS] [--qemu PATH] [--qemu-cpu MODEL] [--svmm PATH]\n",
             why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    auto number = [&](int lo, int hi) {
      std::string v = value();
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < lo || n > hi)
        usage(fmt::format("{} wants a number from {} to {}, not '{}'", a, lo, hi, v));
      return static_cast<int>(n);
    };
    if (a == "--kernel") o.kernel = value();
    else if (a == "--cmdline") o.cmdline = value();
    else if (a == "--svmm") o.svmm = value();
    else if (a == "--qemu") o.qemu = value();
    else if (a == "--qemu-cpu") o.qemu_cpu = value();
    else if (a == "--runs") o.runs = number(1, 1000);
    else if (a == "--memory") o.memory_mib = number(16, 65536);
    else if (a == "--timeout") o.timeout_s = number(1, 3600);
    else if (a == "-h" || a == "--help") usage("time to the Linux banner, svmm vs QEMU microvm");
    else usage("unknown argument '" + a + "'");
  }
  if (o.kernel.empty()) usage("--kernel VMLINUX is required (scripts/debian-kernel.sh DIR vmlinux)");
  if (o.qemu.empty()) {
    const char* path = std::getenv("PATH");
    std::stringstream ss(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(ss, dir, ':')) {
      std::string p = dir + "/qemu-system-x86_64";
      if (::access(p.c_str(), X_OK) == 0) {
        o.qemu = p;
        break;
      }
    }
    if (o.qemu.empty()) usage("qemu-system-x86_64 is not in PATH (apt-get install qemu-system-x86)");
  }
  return o;
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Memory of a stopped process, kB.
struct Memory {
  long vm_rss = 0, rss_anon = 0, rss_file = 0, rss_shmem = 0;  // /proc/PID/status
  long smaps_rss = 0;   // sum of Rss over all mappings
  long guest_size = 0;  // the guest RAM mapping
  long guest_rss = 0;
  long image_rss = 0;   // file pages of the kernel image, where the VMM keeps it mapped
  [[nodiscard]] long own() const { return smaps_rss - guest_rss; }
};

Memory read_memory(pid_t pid, long guest_kb, const std::string& image) {
  Memory m;
  {
    std::ifstream f(fmt::format("/proc/{}/status", pid));
    std::string line;
    while (std::getline(f, line)) {
      long v;
      if (std::sscanf(line.c_str(), "VmRSS: %ld kB", &v) == 1) m.vm_rss = v;
      else if (std::sscanf(line.c_str(), "RssAnon: %ld kB", &v) == 1) m.rss_anon = v;
      else if (std::sscanf(line.c_str(), "RssFile: %ld kB", &v) == 1) m.rss_file = v;
      else if (std::sscanf(line.c_str(), "RssShmem: %ld kB", &v) == 1) m.rss_shmem = v;
    }
  }
  std::ifstream f(fmt::format("/proc/{}/smaps", pid));
  std::string line;
  bool anonymous = false;  // the current mapping has no file (nor a [name])
  bool is_image = false;
  long size = 0;
  while (std::getline(f, line)) {
    unsigned long lo, hi;
    char perms[8];
    int name_at = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perms, &name_at) == 3 &&
        line.find(':') != std::string::npos && line.find(" kB") == std::string::npos) {
      std::string name = name_at > 0 ? line.substr(static_cast<size_t>(name_at)) : "";
      name.erase(0, name.find_first_not_of(' '));
      anonymous = name.empty() && std::strncmp(perms, "rw", 2) == 0;
      is_image = name == image;
      size = 0;
      continue;
    }
    long v;
    if (std::sscanf(line.c_str(), "Size: %ld kB", &v) == 1) {
      size = v;
    } else if (std::sscanf(line.c_str(), "Rss: %ld kB", &v) == 1) {
      m.smaps_rss += v;
      if (is_image) m.image_rss += v;
      // The largest anonymous read-write mapping at least as large as the guest RAM.
      if (anonymous && size >= guest_kb && size > m.guest_size) {
        m.guest_size = size;
        m.guest_rss = v;
      }
    }
  }
  return m;
}

// Kills a child's whole process group and reaps it, bounded: SIGKILL cannot be ignored, and a
// process stuck in the kernel after it is reported and left to init rather than hanging the bench.
void kill_and_reap(pid_t pid) {
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  auto deadline = Clock::now() + std::chrono::seconds(10);
  for (;;) {
    int st;
    pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return;
    if (Clock::now() > deadline) {
      fmt::print(stderr, "svmm_linux_bench: pid {} did not die within 10 s of SIGKILL\n", pid);
      return;
    }
    ::usleep(1000);
  }
}

struct Run {
  bool ok = false;
  double ms = 0;
  Memory mem;
  std::string error;  // when !ok
  std::string stderr_text;
};

std::string tail(const std::string& s, size_t n) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

// Spawns argv (its console going to `console`, stderr to `errlog`), waits for the banner in
// `console`, then stops the child, reads its memory and kills it.
Run run_once(const std::vector<std::string>& argv, const std::string& console,
             const std::string& errlog, long guest_kb, const std::string& image,
             double timeout_s) {
  Run run;
  // A fresh empty console file, watched before the child can write to it.
  {
    int fd = ::open(console.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("cannot create " + console + ": " + std::strerror(errno));
    ::close(fd);
  }
  int in = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (in < 0) throw std::runtime_error(std::string("inotify_init1: ") + std::strerror(errno));
  if (::inotify_add_watch(in, console.c_str(), IN_MODIFY) < 0) {
    ::close(in);
    throw std::runtime_error(std::string("inotify_add_watch: ") + std::strerror(errno));
  }
  int con = ::open(console.c_str(), O_RDONLY | O_CLOEXEC);
  if (con < 0) {
    ::close(in);
    throw std::runtime_error("cannot open " + console + ": " + std::strerror(errno));
  }

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const auto t0 = Clock::now();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(in);
    ::close(con);
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    int null = ::open("/dev/null", O_RDWR);
    int err = ::open(errlog.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(err, 2);
    ::execv(args[0], args.data());
    std::_Exit(127);
  }
  ::setpgid(pid, pid);  // also here, so that kill(-pid) works whichever runs first
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));

  std::string seen;  // the console so far (the banner is the first line: this stays small)
  off_t offset = 0;
  const auto deadline = t0 + std::chrono::duration<double>(timeout_s);
  bool exited = false;
  for (;;) {
    char buf[4096];
    ssize_t got;
    while ((got = ::pread(con, buf, sizeof buf, offset)) > 0) {
      offset += got;
      seen.append(buf, static_cast<size_t>(got));
    }
    if (seen.find(kBanner) != std::string::npos) {
      run.ms = ms_since(t0);
      run.ok = true;
      ::kill(-pid, SIGSTOP);
      // SIGSTOP is asynchronous: wait (bounded) until the main thread shows as stopped, so that
      // the memory is read at rest.
      for (int i = 0; i < 200; ++i) {
        std::ifstream st(fmt::format("/proc/{}/stat", pid));
        std::string s((std::istreambuf_iterator<char>(st)), std::istreambuf_iterator<char>());
        size_t p = s.rfind(')');
        if (p == std::string::npos || p + 2 >= s.size() || s[p + 2] == 'T') break;
        ::usleep(100);
      }
      run.mem = read_memory(pid, guest_kb, image);
      break;
    }
    if (exited) {
      run.error = "exited before the banner";
      break;
    }
    if (Clock::now() > deadline) {
      run.error = fmt::format("no banner within {} s", timeout_s);
      break;
    }
    pollfd fds[2] = {{in, POLLIN, 0}, {pidfd, POLLIN, 0}};
    int n = ::poll(fds, pidfd >= 0 ? 2 : 1, 2);
    if (n > 0 && (fds[0].revents & POLLIN)) {
      char ev[4096];
      while (::read(in, ev, sizeof ev) > 0) {
      }
    }
    // The child has ended: read what it wrote once more, then give up.
    if (n > 0 && pidfd >= 0 && (fds[1].revents & POLLIN)) exited = true;
  }
  kill_and_reap(pid);
  if (pidfd >= 0) ::close(pidfd);
  ::close(in);
  ::close(con);
  run.stderr_text = svmm::test::read_file(errlog);
  if (!run.ok) {
    run.error += fmt::format("; console: '{}'; stderr: '{}'", tail(seen, 300),
                             tail(run.stderr_text, 600));
  }
  return run;
}

struct Series {
  std::string name;
  std::vector<double> ms;
  std::vector<Memory> mem;
};

double mib(double kb) { return kb / 1024.0; }

// The median of one memory figure over the runs.
template <typename F>
double median_mem(const Series& s, F f) {
  std::vector<double> v;
  for (const auto& m : s.mem) v.push_back(static_cast<double>(f(m)));
  return median(v);
}

void print_memory(const Series& s) {
  fmt::print("  {:<5} VmRSS {:7.1f} MiB (RssAnon {:.1f}, RssFile {:.1f}, RssShmem {:.1f}); guest RAM "
             "mapping {:.0f} MiB, {:.1f} MiB of it resident; kernel image file mapped: {:.1f} MiB\n",
             s.name, mib(median_mem(s, [](const Memory& m) { return m.vm_rss; })),
             mib(median_mem(s, [](const Memory& m) { return m.rss_anon; })),
             mib(median_mem(s, [](const Memory& m) { return m.rss_file; })),
             mib(median_mem(s, [](const Memory& m) { return m.rss_shmem; })),
             mib(median_mem(s, [](const Memory& m) { return m.guest_size; })),
             mib(median_mem(s, [](const Memory& m) { return m.guest_rss; })),
             mib(median_mem(s, [](const Memory& m) { return m.image_rss; })));
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  std::string why;
  if (!svmm::test::kvm_available(&why)) {
    fmt::print("svmm_linux_bench: {}; nothing to measure\n", why);
    return 0;
  }
  if (::access(o.kernel.c_str(), R_OK) != 0) usage("cannot read the kernel " + o.kernel);
  // A child stopped or killed by us must not take the bench with it.
  ::signal(SIGPIPE, SIG_IGN);

  svmm::test::TempDir dir;
  const std::string console = dir.path() + "/console";
  const std::string errlog = dir.path() + "/stderr";
  const long guest_kb = static_cast<long>(o.memory_mib) * 1024;
  const std::string mem = std::to_string(o.memory_mib);
  const std::string image = std::filesystem::canonical(o.kernel).string();

  auto svmm_argv = [&] {
    return std::vector<std::string>{o.svmm,     "run",       "--kernel",  image,
                                    "--cmdline", o.cmdline,  "--vcpus",   "1",
                                    "--memory",  mem,        "--console", "file:" + console,
                                    "--log-level", "warn"};
  };
  std::string qemu_cpu = o.qemu_cpu.empty() ? "host" : o.qemu_cpu;
  auto qemu_argv = [&] {
    return std::vector<std::string>{o.qemu, "-M", "microvm", "-accel", "kvm", "-cpu", qemu_cpu,
                                    "-m", mem, "-smp", "1", "-nodefaults", "-no-user-config",
                                    "-display", "none", "-serial", "file:" + console,
                                    "-kernel", image, "-append", o.cmdline};
  };

  Series svmm{"svmm", {}, {}}, qemu{"QEMU", {}, {}};
  std::string cpu_note;
  auto one = [&](Series& s, bool is_qemu) {
    Run r = run_once(is_qemu ? qemu_argv() : svmm_argv(), console, errlog, guest_kb, image, o.timeout_s);
    // Some KVMs (kvm_pvm here) refuse the MSR_IA32_ARCH_CAPABILITIES value that "-cpu host"
    // sets, and QEMU aborts; the same CPU without that MSR is the closest QEMU can do.
    if (is_qemu && !r.ok && o.qemu_cpu.empty() && qemu_cpu == "host" &&
        r.stderr_text.find("failed to set MSR 0x10a") != std::string::npos) {
      qemu_cpu = "host,-arch-capabilities";
      cpu_note = "  (this KVM refuses \"-cpu host\"'s MSR_IA32_ARCH_CAPABILITIES: QEMU runs with "
                 "\"-cpu host,-arch-capabilities\")\n";
      r = run_once(qemu_argv(), console, errlog, guest_kb, image, o.timeout_s);
    }
    if (!r.ok) throw std::runtime_error(s.name + " run " + std::to_string(s.ms.size() + 1) + ": " + r.error);
    s.ms.push_back(r.ms);
    s.mem.push_back(r.mem);
  };
  try {
    for (int i = 0; i < o.runs; ++i) {
      one(svmm, false);
      one(qemu, true);
    }
  } catch (const std::exception& e) {
    fmt::print("svmm_linux_bench: FAILED: {}\n", e.what());
    return 1;
  }

  auto minmax = [](const std::vector<double>& v) {
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    return fmt::format("min {:.1f}, max {:.1f}", *lo, *hi);
  };
  const double s_ms = median(svmm.ms), q_ms = median(qemu.ms);
  fmt::print("Linux boot to the \"{}\" banner ({}, 1 vCPU, {} MiB, cmdline \"{}\"; spawn to banner "
             "in the console file, median of {}, alternating):\n",
             kBanner, o.kernel, o.memory_mib, o.cmdline, o.runs);
  const std::string q_label = "QEMU -M microvm -accel kvm -cpu " + qemu_cpu + " (limit)";
  const std::string s_label = "svmm run";
  const size_t width = std::max(q_label.size(), s_label.size());
  fmt::print("  {:<{}} {:9.1f} ms   ({})\n", q_label, width, q_ms, minmax(qemu.ms));
  fmt::print("  {:<{}} {:9.1f} ms   ({})   (target <= 1.0x QEMU)\n", s_label, width, s_ms,
             minmax(svmm.ms));
  std::vector<double> pairs;
  std::string each;
  for (size_t i = 0; i < svmm.ms.size(); ++i) {
    pairs.push_back(svmm.ms[i] / qemu.ms[i]);
    each += fmt::format("{}{:.0f}/{:.0f}", i ? ", " : "", svmm.ms[i], qemu.ms[i]);
  }
  fmt::print("  ratio svmm / QEMU {:.2f} (of the medians); median of the run pairs' ratios {:.2f}\n"
             "  run pairs svmm/QEMU, ms: {}\n{}",
             s_ms / q_ms, median(pairs), each, cpu_note);
  fmt::print("memory at the banner (process group stopped there; medians):\n");
  print_memory(qemu);
  print_memory(svmm);
  const double q_own = mib(median_mem(qemu, [](const Memory& m) { return m.own(); }));
  const double s_own = mib(median_mem(svmm, [](const Memory& m) { return m.own(); }));
  const double q_anon = mib(median_mem(qemu, [](const Memory& m) { return m.rss_anon - m.guest_rss; }));
  const double s_anon = mib(median_mem(svmm, [](const Memory& m) { return m.rss_anon - m.guest_rss; }));
  fmt::print("  RSS minus the guest RAM's resident pages (smaps Rss, all mappings minus the guest "
             "RAM mapping):\n");
  fmt::print("    QEMU (limit) {:8.2f} MiB   (anonymous {:.2f}, file {:.2f})\n", q_own, q_anon,
             q_own - q_anon);
  fmt::print("    svmm         {:8.2f} MiB   (anonymous {:.2f}, file {:.2f})   (target < 5 MiB)\n",
             s_own, s_anon, s_own - s_anon);
  return 0;
}
