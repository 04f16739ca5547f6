// Control commands by name: a request line in, a reply line out. The machine registers one
// handler per command of spec/control.md section 3.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "vmm/control/protocol.h"

namespace svmm::control {

class Dispatcher {
 public:
  // A handler returns the `return` object or throws ControlError (other exceptions become
  // class Failed).
  using Handler = std::function<nlohmann::json(const nlohmann::json& arguments)>;

  void add(std::string name, Handler handler);
  // Never throws for any input line.
  [[nodiscard]] std::string handle_line(std::string_view line) const;

 private:
  std::map<std::string, Handler, std::less<>> handlers_;
};

}  // namespace svmm::control
