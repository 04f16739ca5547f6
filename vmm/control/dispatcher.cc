#include "vmm/control/dispatcher.h"

#include <exception>

namespace svmm::control {

void Dispatcher::add(std::string name, Handler handler) {
  handlers_[std::move(name)] = std::move(handler);
}

std::string Dispatcher::handle_line(std::string_view line) const {
  auto parsed = parse_request(line);
  if (auto* bad = std::get_if<BadRequest>(&parsed)) return format_error(bad->error, bad->id);
  const auto& req = std::get<Request>(parsed);
  auto it = handlers_.find(req.execute);
  if (it == handlers_.end())
    return format_error({ErrorClass::CommandNotFound, "no command '" + req.execute + "'"}, req.id);
  try {
    return format_return(it->second(req.arguments), req.id);
  } catch (const ControlError& e) {
    return format_error(e, req.id);
  } catch (const std::exception& e) {
    return format_error({ErrorClass::Failed, e.what()}, req.id);
  }
}

}  // namespace svmm::control
