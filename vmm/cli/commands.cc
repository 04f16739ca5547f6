#include "vmm/cli/commands.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "protocol/cpuid.h"
#include "protocol/exit_status.h"
#include "vmm/boot_image.h"
#include "vmm/console/raw_terminal.h"
#include "vmm/kvm/kvm.h"
#include "vmm/util/unique_fd.h"
#include "vmm/machine.h"
#include "vmm/util/error.h"
#include "vmm/util/log.h"

namespace svmm::cli {

namespace {

const std::vector<std::string> kLogLevels = {"error", "warn", "info", "debug", "trace"};
const std::vector<std::string> kLogFormats = {"text", "json"};

log::Level to_log_level(LogLevel l) {
  switch (l) {
    case LogLevel::Error: return log::Level::Error;
    case LogLevel::Warn: return log::Level::Warn;
    case LogLevel::Info: return log::Level::Info;
    case LogLevel::Debug: return log::Level::Debug;
    case LogLevel::Trace: return log::Level::Trace;
  }
  return log::Level::Info;
}

void apply_log_config(const LogConfig& c) {
  log::set_level(to_log_level(c.level));
  log::set_format(c.format == LogFormat::Json ? log::Format::Json : log::Format::Text);
}

// Written after the machine is built, removed at exit (spec/control.md section 1).
class Pidfile {
 public:
  explicit Pidfile(std::optional<std::string> path) : path_(std::move(path)) {
    if (!path_) return;
    std::string tmp = *path_ + ".tmp";
    {
      std::ofstream f(tmp, std::ios::trunc);
      f << ::getpid() << "\n";
      if (!f) throw UsageError("cannot write pidfile '" + *path_ + "'");
    }
    if (std::rename(tmp.c_str(), path_->c_str()) != 0)
      throw UsageError("cannot write pidfile '" + *path_ + "': " + std::strerror(errno));
  }
  ~Pidfile() {
    if (path_) ::unlink(path_->c_str());
  }
  Pidfile(const Pidfile&) = delete;
  Pidfile& operator=(const Pidfile&) = delete;

 private:
  std::optional<std::string> path_;
};

// SIGTERM/SIGINT are blocked in every thread and read from a signalfd by the machine loop, so
// no vCPU thread is ever interrupted by them. SIGPIPE is ignored: a closed stdout or socket
// is an error value, not a death.
UniqueFd block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0)
    throw InternalError("cannot block SIGTERM/SIGINT");
  ::signal(SIGPIPE, SIG_IGN);
  int fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) throw InternalError(std::string("signalfd: ") + std::strerror(errno));
  return UniqueFd(fd);
}

}  // namespace

void add_global_options(CLI::App& app, GlobalOptions& o) {
  app.add_option("--log-level", o.log_level, "Log level: error|warn|info|debug|trace")
      ->check(CLI::IsMember(kLogLevels));
  app.add_option("--log-format", o.log_format, "Log format: text|json")
      ->check(CLI::IsMember(kLogFormats));
  app.add_option("--pidfile", o.pidfile, "Write svmm's pid here once running; removed at exit");
  app.fallthrough();
}

void add_run_options(CLI::App& cmd, RunOptions& o) {
  auto* config = cmd.add_option("--config", o.config, "JSON configuration file");
  auto* kernel = cmd.add_option("--kernel", o.kernel.kernel, "Guest OS kernel image (no config)");
  config->excludes(kernel);
  cmd.add_option("--initrd", o.kernel.initrd, "Initial ramdisk")->needs(kernel);
  cmd.add_option("--cmdline", o.kernel.cmdline, "Kernel command line")->needs(kernel);
  cmd.add_option("--vcpus", o.kernel.vcpus, "Number of vCPUs (1-64)")->needs(kernel);
  cmd.add_option("--memory", o.kernel.memory_mib, "Guest RAM in MiB (2-1048576)")->needs(kernel);
  cmd.add_option("--console", o.overrides.console, "Guest OS console: stdio|file:PATH|none");
  cmd.add_option("--api-socket", o.overrides.api_socket, "Control socket path");
  cmd.add_option("--log-level", o.overrides.log_level, "Log level: error|warn|info|debug|trace")
      ->check(CLI::IsMember(kLogLevels));
  cmd.add_option("--log-format", o.overrides.log_format, "Log format: text|json")
      ->check(CLI::IsMember(kLogFormats));
  cmd.callback([&o] {
    if (!o.config && o.kernel.kernel.empty())
      throw CLI::RequiredError("run needs --config FILE or --kernel FILE");
  });
}

void add_validate_options(CLI::App& cmd, ValidateOptions& o) {
  cmd.add_option("--config", o.config, "JSON configuration file")->required();
}

void apply_global_options(const GlobalOptions& o) {
  LogConfig c;
  if (o.log_level) c.level = *enum_from_string<LogLevel>(*o.log_level);
  if (o.log_format) c.format = *enum_from_string<LogFormat>(*o.log_format);
  apply_log_config(c);
}

CheckedConfig load_checked_config(const std::optional<std::string>& file,
                                  const KernelArgs& kernel, const CliOverrides& overrides) {
  Config c = file ? load_config(*file) : config_from_kernel_args(kernel);
  apply_cli_overrides(c, overrides);
  MachineImages images = read_machine_images(c);
  return {std::move(c), std::move(images)};
}

int command_run(const RunOptions& o, const GlobalOptions& global) {
  CliOverrides overrides = o.overrides;
  // Global flags given before `run` act as overrides too.
  if (!overrides.log_level) overrides.log_level = global.log_level;
  if (!overrides.log_format) overrides.log_format = global.log_format;
  CheckedConfig checked = load_checked_config(o.config, o.kernel, overrides);
  apply_log_config(checked.config.log);

  UniqueFd signals = block_stop_signals();
  Machine machine(std::move(checked.config), std::move(checked.images));
  Pidfile pidfile(global.pidfile);
  std::optional<RawTerminal> terminal;
  if (machine.config().guest_os.console.kind == ConsoleKind::Stdio && ::isatty(STDIN_FILENO))
    terminal.emplace();
  return machine.run(signals.get());
}

int command_validate(const ValidateOptions& o, const GlobalOptions&) {
  (void)load_checked_config(o.config, {}, {});
  std::puts("ok");
  return SVMM_EXIT_OK;
}

int command_version() {
  std::printf("svmm %s\nabi %u\n", SVMM_VERSION, SVMM_ABI_VERSION);
  try {
    Kvm kvm;
    std::printf("kvm api %d\n", kvm.api_version());
    for (const auto& cap : required_capabilities())
      std::printf("  %-32s %s\n", cap.name, kvm.check_extension(cap.id) > 0 ? "yes" : "MISSING");
  } catch (const Error& e) {
    std::printf("kvm unavailable: %s\n", e.what());
  }
  return SVMM_EXIT_OK;
}

}  // namespace svmm::cli
