// svmm's command line (spec/control.md section 1). Every error ends here as one message on
// stderr and the exit status of spec/control.md section 2.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <exception>

#include "protocol/exit_status.h"
#include "vmm/cli/commands.h"
#include "vmm/util/error.h"

int main(int argc, char** argv) {
  using namespace svmm::cli;
  CLI::App app{"svmm: a secure virtual machine monitor on Linux KVM", "svmm"};
  app.require_subcommand(1);
  GlobalOptions global;
  add_global_options(app, global);

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "Run the machine until the guest OS ends");
  add_run_options(*run_cmd, run);

  ValidateOptions validate;
  auto* validate_cmd = app.add_subcommand("validate", "Check a config and its images; print ok");
  add_validate_options(*validate_cmd, validate);

  MeasureOptions measure;
  auto* measure_cmd = app.add_subcommand(
      "measure", "Print the launch manifest hash and the expected PCR 17/18 values as JSON");
  add_measure_options(*measure_cmd, measure);

  CtlOptions ctl;
  auto* ctl_cmd = app.add_subcommand(
      "ctl", "Send one command to a running svmm's control socket and print its return as JSON");
  add_ctl_options(*ctl_cmd, ctl);

  auto* version_cmd = app.add_subcommand(
      "version", "Print svmm's version, ABI version, and the host KVM API and capabilities");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return SVMM_EXIT_USAGE;
  }

  try {
    apply_global_options(global);
    if (*run_cmd) return command_run(run, global);
    if (*validate_cmd) return command_validate(validate, global);
    if (*measure_cmd) return command_measure(measure, global);
    if (*version_cmd) return command_version();
    if (*ctl_cmd) return command_ctl(ctl);
  } catch (const svmm::Error& e) {
    std::fprintf(stderr, "svmm: %s\n", e.what());
    return e.exit_status();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "svmm: internal error: %s\n", e.what());
    return SVMM_EXIT_INTERNAL;
  }
  return SVMM_EXIT_USAGE;
}
