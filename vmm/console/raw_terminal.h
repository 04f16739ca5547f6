// Puts the terminal on stdin into raw mode for the lifetime of the guard, so keystrokes reach
// the guest's serial port one by one and unechoed, and puts it back on every exit path:
//   - normal return and exceptions: the destructor;
//   - std::exit(): an atexit hook registered on first use;
//   - signals: the signal handler (owned by main) calls RawTerminal::restore(), which is
//     async-signal-safe (one lock-free atomic and tcsetattr(), which POSIX lists as safe).
//
// It does nothing when stdin is not a terminal (pipes, /dev/null, CI) or when svmm runs in a
// background process group, where touching the terminal would stop svmm with SIGTTOU.
// Output processing (OPOST) is kept, so a guest that prints bare "\n" does not staircase.
#pragma once

namespace svmm {

// Who gets Ctrl-C, Ctrl-Z and Ctrl-\: svmm (as signals; the safe default, so a user can
// always stop svmm from its terminal) or the guest (as bytes, as a real serial line would).
enum class SignalKeys { ToHost, ToGuest };

class RawTerminal {
 public:
  // Throws HostError if stdin is a terminal but its attributes cannot be read or set, and
  // InternalError if another RawTerminal is already engaged (there is one stdin).
  explicit RawTerminal(SignalKeys keys = SignalKeys::ToHost);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

  // Whether this guard changed the terminal (and will restore it).
  [[nodiscard]] bool engaged() const { return engaged_; }

  // Restores the saved attributes if a guard is engaged; afterwards a no-op. Safe to call from
  // a signal handler, an atexit hook, or twice. Preserves errno.
  static void restore() noexcept;

 private:
  bool engaged_ = false;
};

}  // namespace svmm
