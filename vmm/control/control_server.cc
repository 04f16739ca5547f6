#include "vmm/control/control_server.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

#include "vmm/util/error.h"
#include "vmm/util/log.h"

namespace svmm::control {

namespace {

constexpr int kMaxClients = 256;
// A client that does not read its replies and events is dropped past this much pending output.
constexpr size_t kMaxPendingOutput = 16u << 20;

sockaddr_un socket_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path))
    throw UsageError("control socket path '" + path + "' is too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// Is a server listening at `path`?
bool socket_is_live(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr = socket_address(path);
  bool live = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return live;
}

}  // namespace

struct ControlServer::Client {
  UniqueFd fd;
  std::string in;
  std::string out;
  bool discarding = false;  // inside a line longer than the limit: skip to its end
  bool closing = false;     // peer closed its side: flush, then drop
};

ControlServer::ControlServer(std::string path, const Dispatcher& dispatcher)
    : path_(std::move(path)), dispatcher_(dispatcher) {
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      throw UsageError("control socket path '" + path_ + "' exists and is not a socket");
    if (socket_is_live(path_))
      throw UsageError("control socket '" + path_ + "' is in use by a running server");
    ::unlink(path_.c_str());  // stale: left by a process that died
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw InternalError(std::string("socket: ") + std::strerror(errno));
  listen_fd_.reset(fd);
  sockaddr_un addr = socket_address(path_);
  // Owner only from the first moment the file exists (umask around bind; we are still
  // single-threaded here).
  mode_t old = ::umask(0177);
  int r = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int err = errno;
  ::umask(old);
  if (r != 0)
    throw UsageError("cannot create the control socket '" + path_ + "': " + std::strerror(err));
  if (::listen(fd, 128) != 0) throw InternalError(std::string("listen: ") + std::strerror(errno));

  epoll_fd_.reset(::epoll_create1(EPOLL_CLOEXEC));
  wake_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!epoll_fd_.valid() || !wake_fd_.valid())
    throw InternalError(std::string("epoll/eventfd: ") + std::strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd_.get();
  ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, listen_fd_.get(), &ev);
  ev.data.fd = wake_fd_.get();
  ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, wake_fd_.get(), &ev);
}

ControlServer::~ControlServer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake();
  if (thread_.joinable()) thread_.join();
  ::unlink(path_.c_str());
}

void ControlServer::start() { thread_ = std::thread([this] { run(); }); }

void ControlServer::wake() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_.get(), &one, sizeof one);
}

void ControlServer::broadcast_event(std::string_view name, const nlohmann::json& data) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    pending_events_.push_back(format_event(name, data));
  }
  wake();
}

void ControlServer::run() {
  std::map<int, std::unique_ptr<Client>> clients;

  auto update_interest = [&](Client& c) {
    epoll_event ev{};
    ev.events = (c.closing ? 0u : static_cast<uint32_t>(EPOLLIN)) | EPOLLRDHUP |
                (c.out.empty() ? 0u : static_cast<uint32_t>(EPOLLOUT));
    ev.data.fd = c.fd.get();
    ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev);
  };
  auto drop = [&](int fd) {
    ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, fd, nullptr);
    clients.erase(fd);
  };
  // Writes what the socket takes now; false when the client is gone.
  auto flush = [&](Client& c) {
    while (!c.out.empty()) {
      ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        c.out.erase(0, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
    if (c.out.size() > kMaxPendingOutput) return false;
    if (c.closing && c.out.empty()) return false;
    update_interest(c);
    return true;
  };
  auto queue = [&](Client& c, const std::string& line) { c.out += line; };

  auto accept_all = [&] {
    for (;;) {
      int fd = ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) return;
      if (clients.size() >= kMaxClients) {
        ::close(fd);  // a clean disconnect: too many clients
        continue;
      }
      auto c = std::make_unique<Client>();
      c->fd.reset(fd);
      c->out = format_greeting();
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP;
      ev.data.fd = fd;
      ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, fd, &ev);
      Client& ref = *c;
      clients[fd] = std::move(c);
      if (!flush(ref)) drop(fd);
    }
  };

  auto read_client = [&](Client& c) -> bool {
    char buf[65536];
    for (;;) {
      ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0) {
        c.closing = true;  // half a line without its newline is dropped with the client
        return true;
      }
      if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
      size_t start = 0;
      for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
        if (buf[i] != '\n') continue;
        if (!c.discarding) {
          c.in.append(buf + start, i - start);
          if (!c.in.empty() && c.in.back() == '\r') c.in.pop_back();
          if (!c.in.empty()) queue(c, dispatcher_.handle_line(c.in));
        }
        c.in.clear();
        c.discarding = false;
        start = i + 1;
      }
      if (!c.discarding) c.in.append(buf + start, static_cast<size_t>(n) - start);
      if (!c.discarding && c.in.size() > kMaxLineBytes) {
        queue(c, format_error({ErrorClass::InvalidRequest, "line longer than 1 MiB"}, std::nullopt));
        c.in.clear();
        c.discarding = true;
      }
    }
  };

  epoll_event events[64];
  for (;;) {
    int n = ::epoll_wait(epoll_fd_.get(), events, 64, -1);
    if (n < 0 && errno != EINTR) {
      log::error("control", "epoll_wait: {}", std::strerror(errno));
      return;
    }
    bool stop = false;
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listen_fd_.get()) {
        accept_all();
      } else if (fd == wake_fd_.get()) {
        uint64_t v;
        [[maybe_unused]] ssize_t r = ::read(wake_fd_.get(), &v, sizeof v);
        std::deque<std::string> evs;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          evs.swap(pending_events_);
          stop = stopping_;
        }
        for (auto& [cfd, c] : clients)
          for (const auto& e : evs) queue(*c, e);
        std::vector<int> gone;
        for (auto& [cfd, c] : clients)
          if (!flush(*c)) gone.push_back(cfd);
        for (int g : gone) drop(g);
      } else {
        auto it = clients.find(fd);
        if (it == clients.end()) continue;
        Client& c = *it->second;
        bool ok = true;
        if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) ok = read_client(c);
        if (ok) ok = flush(c);
        if (!ok) drop(fd);
      }
    }
    if (stop) break;
  }
  // Last words (SHUTDOWN): a short, bounded flush; then every client is closed.
  for (int round = 0; round < 50; ++round) {
    bool pending = false;
    for (auto& [cfd, c] : clients) {
      if (c->out.empty()) continue;
      ssize_t w = ::send(c->fd.get(), c->out.data(), c->out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w > 0) c->out.erase(0, static_cast<size_t>(w));
      else if (w < 0 && errno != EAGAIN && errno != EINTR) c->out.clear();
      pending = pending || !c->out.empty();
    }
    if (!pending) break;
    ::usleep(2000);
  }
}

}  // namespace svmm::control
