// Events of the machine (spec/control.md section 3: SECURE_LAUNCH, TEARDOWN, TEARDOWN_FAILED,
// CHIPSET_ABORT, TRUSTED_VM_EXIT, GUEST_SHUTDOWN, SHUTDOWN). The control socket broadcasts
// them; without one they are logged.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace svmm {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Any thread; must not block for long (it may be called from a vCPU thread).
  virtual void emit(std::string_view name, const nlohmann::json& data) = 0;
};

}  // namespace svmm
