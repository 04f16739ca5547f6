// libFuzzer target for the control socket's request parser and dispatcher
// (vmm/control/protocol.h, dispatcher.h): arbitrary lines against a dispatcher whose handlers
// use the same argument checks as the machine's. Every line must give exactly one reply line
// that is JSON with either "return" or "error" (of a known class); nothing may throw.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "vmm/control/dispatcher.h"

namespace {

using namespace svmm::control;
using nlohmann::json;

const Dispatcher& dispatcher() {
  static const Dispatcher d = [] {
    Dispatcher d;
    for (const char* name : {"query-status", "query-vms", "query-chipset", "teardown", "pause",
                             "cont", "quit"})
      d.add(name, [](const json& args) {
        expect_no_arguments(args);
        return json::object();
      });
    d.add("query-vcpu", [](const json& args) {
      expect_only_keys(args, {"index"});
      auto i = optional_uint(args, "index", 63);
      if (!i) throw ControlError{ErrorClass::InvalidArgument, "'index' is required"};
      return json{{"rip", "0x0"}};
    });
    d.add("secure-launch", [](const json& args) {
      expect_only_keys(args, {"vm"});
      (void)optional_uint(args, "vm", 0xFFFFFFFFull);
      throw ControlError{ErrorClass::InvalidState, "already in secure mode"};
      return json::object();
    });
    d.add("query-token", [](const json& args) -> json {
      expect_only_keys(args, {"pcrs"});
      throw std::runtime_error("a handler failing unexpectedly");
    });
    return d;
  }();
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  const std::string reply = dispatcher().handle_line(line);
  if (reply.empty() || reply.back() != '\n' || reply.find('\n') != reply.size() - 1) std::abort();
  json j = json::parse(reply, nullptr, false);
  if (j.is_discarded() || !j.is_object()) std::abort();
  if (j.contains("return") == j.contains("error")) std::abort();
  if (j.contains("error")) {
    const std::string cls = j["error"].value("class", "");
    if (cls != "InvalidRequest" && cls != "CommandNotFound" && cls != "InvalidArgument" &&
        cls != "InvalidState" && cls != "Failed")
      std::abort();
  }
  return 0;
}
