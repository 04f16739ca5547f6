#include "vmm/console/raw_terminal.h"

#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "vmm/util/error.h"

namespace svmm {
namespace {

// Process-wide because restore() must work without an object (signal handlers, atexit).
// `g_saved` is written only while `g_saved_valid` is false and read only after exchanging it
// from true, so the flag orders all accesses.
struct termios g_saved {};
std::atomic<bool> g_saved_valid{false};
static_assert(std::atomic<bool>::is_always_lock_free, "restore() must be async-signal-safe");

void restore_at_exit() { RawTerminal::restore(); }

[[noreturn]] void fail(const char* what) {
  throw HostError(std::string("cannot ") + what +
                  " the terminal on stdin: " + std::strerror(errno));
}

}  // namespace

RawTerminal::RawTerminal(SignalKeys keys) {
  if (::isatty(STDIN_FILENO) == 0) return;
  // tcgetpgrp() fails when stdin is a terminal but not our controlling one; then job control
  // does not apply and raw mode is safe. Only a known background group must stay away.
  const pid_t foreground = ::tcgetpgrp(STDIN_FILENO);
  if (foreground != -1 && foreground != ::getpgrp()) return;
  if (g_saved_valid.load()) throw InternalError("RawTerminal: a guard is already engaged");

  struct termios saved {};
  if (::tcgetattr(STDIN_FILENO, &saved) != 0) fail("read the attributes of");
  struct termios raw = saved;
  // Like cfmakeraw() for input, but keeping OPOST and, by default, ISIG (see header).
  raw.c_iflag &=
      ~static_cast<tcflag_t>(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
  raw.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL | ICANON | IEXTEN);
  if (keys == SignalKeys::ToGuest) raw.c_lflag &= ~static_cast<tcflag_t>(ISIG);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;

  static std::once_flag hook;
  std::call_once(hook, [] { (void)std::atexit(restore_at_exit); });

  // Publish the saved state before changing the terminal, so a signal arriving in between
  // already restores.
  g_saved = saved;
  g_saved_valid.store(true);
  if (::tcsetattr(STDIN_FILENO, TCSANOW, &raw) != 0) {
    const int err = errno;
    g_saved_valid.store(false);
    errno = err;
    fail("set raw mode on");
  }
  engaged_ = true;
}

RawTerminal::~RawTerminal() {
  if (engaged_) restore();
}

void RawTerminal::restore() noexcept {
  if (!g_saved_valid.exchange(false)) return;
  const int err = errno;
  // TCSANOW: neither wait for output to drain (TCSADRAIN could block a signal handler) nor
  // discard typed-ahead input (TCSAFLUSH).
  (void)::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved);
  errno = err;
}

}  // namespace svmm
