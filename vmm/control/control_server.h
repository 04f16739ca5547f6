// The control socket (spec/control.md section 3): a Unix stream socket, several clients at once,
// one epoll loop on its own thread (no thread per client). Requests run on that thread through
// the Dispatcher; events from any thread are queued and broadcast to every client.
//
// A client that sends garbage gets error replies; one that stops reading is dropped once its
// pending output passes a bound; nothing a client does reaches the machine except through a
// command.
#pragma once

#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "vmm/control/dispatcher.h"
#include "vmm/util/unique_fd.h"

namespace svmm::control {

class ControlServer {
 public:
  // Binds and listens at `path` (mode 0600). A stale socket file is replaced; a live one (a
  // server answers) or a non-socket file there is a UsageError.
  ControlServer(std::string path, const Dispatcher& dispatcher);
  ~ControlServer();  // flushes what it can, closes every client, removes the socket file
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  void start();
  // Any thread. Queued and sent to every connected client by the server's thread.
  void broadcast_event(std::string_view name, const nlohmann::json& data);

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  struct Client;
  void run();
  void wake();

  std::string path_;
  const Dispatcher& dispatcher_;
  UniqueFd listen_fd_;
  UniqueFd epoll_fd_;
  UniqueFd wake_fd_;  // eventfd: events queued, or stop
  std::mutex mutex_;
  std::deque<std::string> pending_events_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace svmm::control
