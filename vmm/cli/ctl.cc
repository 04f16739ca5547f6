// `svmm ctl`: one control command per call, for scripts (spec/control.md section 1). The return
// object goes to stdout as one JSON line; errors go to stderr and the exit status is 1.
#include <cstdio>
#include <iostream>

#include "vmm/cli/commands.h"
#include "vmm/control/client.h"
#include "vmm/util/error.h"

namespace svmm::cli {

void add_ctl_options(CLI::App& cmd, CtlOptions& o) {
  cmd.add_option("--socket", o.socket, "Control socket of the running svmm")->required();
  cmd.add_option("command", o.command,
                 "A command (query-status, query-vms, query-chipset, query-token, query-vcpu, "
                 "secure-launch, teardown, pause, cont, quit), or 'events' to stream events");
  cmd.add_option("arguments", o.arguments, "The command's arguments as a JSON object");
  cmd.add_option("--wait-event", o.wait_event,
                 "Wait until the event NAME arrives, print it and exit 0");
  cmd.add_option("--timeout", o.timeout_s, "Seconds to wait for the reply or the event (exit 1)")
      ->check(CLI::PositiveNumber);
  cmd.callback([&o] {
    if (o.command.empty() && !o.wait_event)
      throw CLI::RequiredError("a command, 'events', or --wait-event NAME");
  });
}

int command_ctl(const CtlOptions& o) {
  std::optional<std::chrono::milliseconds> timeout;
  if (o.timeout_s) timeout = std::chrono::milliseconds(static_cast<int64_t>(*o.timeout_s * 1000));
  try {
    control::Client client(o.socket);
    if (o.command == "events" || (o.command.empty() && o.wait_event)) {
      // Events until the socket closes (or the awaited one arrives).
      while (auto line = client.next(o.wait_event ? timeout : std::nullopt)) {
        if (!line->contains("event")) continue;
        if (o.wait_event && (*line)["event"] != *o.wait_event) continue;
        std::cout << line->dump() << std::endl;
        if (o.wait_event) return 0;
      }
      if (o.wait_event) {
        std::fprintf(stderr, "svmm ctl: the socket closed before %s arrived\n", o.wait_event->c_str());
        return 1;
      }
      return 0;
    }
    nlohmann::json request = {{"execute", o.command}, {"id", 1}};
    if (o.arguments) {
      auto args = nlohmann::json::parse(*o.arguments, nullptr, false);
      if (args.is_discarded() || !args.is_object()) {
        std::fprintf(stderr, "svmm ctl: arguments must be a JSON object, got '%s'\n",
                     o.arguments->c_str());
        return 1;
      }
      request["arguments"] = args;
    }
    client.send(request);
    while (auto line = client.next(timeout)) {
      if (line->contains("event")) continue;
      if (!line->contains("id") || (*line)["id"] != 1) continue;
      if (line->contains("error")) {
        const auto& e = (*line)["error"];
        std::fprintf(stderr, "svmm ctl: %s: %s\n", e.value("class", "Failed").c_str(),
                     e.value("desc", "").c_str());
        return 1;
      }
      std::cout << (*line)["return"].dump() << std::endl;
      if (o.wait_event) {
        while (auto ev = client.next(timeout))
          if (ev->contains("event") && (*ev)["event"] == *o.wait_event) {
            std::cout << ev->dump() << std::endl;
            return 0;
          }
        return 1;
      }
      return 0;
    }
    std::fprintf(stderr, "svmm ctl: the socket closed before the reply\n");
    return 1;
  } catch (const Error& e) {
    std::fprintf(stderr, "svmm ctl: %s\n", e.what());
    return 1;
  }
}

}  // namespace svmm::cli
