// The subcommands of the svmm binary, one function each.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "vmm/config/config.h"
#include "vmm/machine_images.h"

namespace svmm::cli {

struct GlobalOptions {
  std::optional<std::string> log_level;
  std::optional<std::string> log_format;
  std::optional<std::string> pidfile;
};

struct RunOptions {
  std::optional<std::string> config;
  KernelArgs kernel;  // kernel.kernel empty when --config is used
  CliOverrides overrides;
};

struct ValidateOptions {
  std::string config;
};

struct MeasureOptions {  // vmm/cli/measure.cc
  std::string config;
  std::optional<size_t> vm;
};

struct CtlOptions {
  std::string socket;
  std::string command;  // a command name, or "events"
  std::optional<std::string> arguments;  // JSON object
  std::optional<std::string> wait_event;
  std::optional<double> timeout_s;
};

void add_global_options(CLI::App& app, GlobalOptions& o);
void add_run_options(CLI::App& cmd, RunOptions& o);
void add_validate_options(CLI::App& cmd, ValidateOptions& o);
void add_measure_options(CLI::App& cmd, MeasureOptions& o);
void add_ctl_options(CLI::App& cmd, CtlOptions& o);
// Logging flags take effect before any work (config errors are then logged as asked).
void apply_global_options(const GlobalOptions& o);

int command_run(const RunOptions& o, const GlobalOptions& global);
int command_validate(const ValidateOptions& o, const GlobalOptions& global);
int command_measure(const MeasureOptions& o, const GlobalOptions& global);
int command_version();
int command_ctl(const CtlOptions& o);

// The config of `svmm run` / `validate` / `measure` from a file or from the kernel flags, with
// the command-line overrides applied, and every image it names read and checked. Throws
// UsageError.
struct CheckedConfig {
  Config config;
  MachineImages images;
};
[[nodiscard]] CheckedConfig load_checked_config(const std::optional<std::string>& file,
                                                const KernelArgs& kernel,
                                                const CliOverrides& overrides);

}  // namespace svmm::cli
