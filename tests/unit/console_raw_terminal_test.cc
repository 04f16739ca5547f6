#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

#include "vmm/console/raw_terminal.h"
#include "vmm/util/error.h"

namespace svmm {
namespace {

// Swaps stdin for another descriptor during a test and puts the real one back afterwards.
class StdinSwap {
 public:
  explicit StdinSwap(int fd) : saved_(::dup(STDIN_FILENO)) { ::dup2(fd, STDIN_FILENO); }
  ~StdinSwap() {
    ::dup2(saved_, STDIN_FILENO);
    ::close(saved_);
  }
  StdinSwap(const StdinSwap&) = delete;
  StdinSwap& operator=(const StdinSwap&) = delete;

 private:
  int saved_;
};

// A pseudo-terminal whose slave is not our controlling terminal (O_NOCTTY), so raw mode may
// be set without job control getting involved.
class Pty {
 public:
  Pty() {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) return;
    slave_ = ::open(::ptsname(master_), O_RDWR | O_NOCTTY | O_CLOEXEC);
  }
  ~Pty() {
    if (slave_ >= 0) ::close(slave_);
    if (master_ >= 0) ::close(master_);
  }
  Pty(const Pty&) = delete;
  Pty& operator=(const Pty&) = delete;
  [[nodiscard]] int slave() const { return slave_; }

 private:
  int master_ = -1;
  int slave_ = -1;
};

termios attributes(int fd) {
  termios t{};
  EXPECT_EQ(::tcgetattr(fd, &t), 0);
  return t;
}

TEST(RawTerminal, DoesNothingWhenStdinIsNotATerminal) {
  const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(null, 0);
  StdinSwap swap(null);
  ::close(null);
  RawTerminal raw;
  EXPECT_FALSE(raw.engaged());
  RawTerminal second;  // nothing engaged, so a second guard is fine too
  EXPECT_FALSE(second.engaged());
}

TEST(RawTerminal, RestoreWithoutAGuardIsANoOpThatKeepsErrno) {
  errno = EAGAIN;
  RawTerminal::restore();
  RawTerminal::restore();
  EXPECT_EQ(errno, EAGAIN);
}

TEST(RawTerminal, RawModeOnATerminalIsUndoneByTheDestructor) {
  Pty pty;
  if (pty.slave() < 0) GTEST_SKIP() << "no pseudo-terminals here";
  StdinSwap swap(pty.slave());
  const termios before = attributes(STDIN_FILENO);
  ASSERT_TRUE(before.c_lflag & ICANON);
  {
    RawTerminal raw;
    ASSERT_TRUE(raw.engaged());
    const termios during = attributes(STDIN_FILENO);
    EXPECT_FALSE(during.c_lflag & ICANON);
    EXPECT_FALSE(during.c_lflag & ECHO);
    EXPECT_FALSE(during.c_iflag & ICRNL);
    EXPECT_FALSE(during.c_iflag & IXON);
    EXPECT_TRUE(during.c_lflag & ISIG);   // Ctrl-C still stops svmm by default
    EXPECT_TRUE(during.c_oflag & OPOST);  // output keeps its newline translation
  }
  const termios after = attributes(STDIN_FILENO);
  EXPECT_EQ(after.c_lflag, before.c_lflag);
  EXPECT_EQ(after.c_iflag, before.c_iflag);
  EXPECT_EQ(after.c_oflag, before.c_oflag);
}

TEST(RawTerminal, SignalKeysCanGoToTheGuest) {
  Pty pty;
  if (pty.slave() < 0) GTEST_SKIP() << "no pseudo-terminals here";
  StdinSwap swap(pty.slave());
  RawTerminal raw(SignalKeys::ToGuest);
  ASSERT_TRUE(raw.engaged());
  EXPECT_FALSE(attributes(STDIN_FILENO).c_lflag & ISIG);
}

TEST(RawTerminal, StaticRestoreUndoesRawModeAndTheDestructorThenDoesNothing) {
  Pty pty;
  if (pty.slave() < 0) GTEST_SKIP() << "no pseudo-terminals here";
  StdinSwap swap(pty.slave());
  const termios before = attributes(STDIN_FILENO);
  {
    RawTerminal raw;
    ASSERT_TRUE(raw.engaged());
    RawTerminal::restore();  // what a signal handler would do
    EXPECT_EQ(attributes(STDIN_FILENO).c_lflag, before.c_lflag);
    // Change the terminal behind the guard's back: the destructor must not touch it again.
    termios other = before;
    other.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ASSERT_EQ(::tcsetattr(STDIN_FILENO, TCSANOW, &other), 0);
  }
  EXPECT_FALSE(attributes(STDIN_FILENO).c_lflag & ECHO);
}

TEST(RawTerminal, ASecondGuardIsRefusedWhileOneIsEngaged) {
  Pty pty;
  if (pty.slave() < 0) GTEST_SKIP() << "no pseudo-terminals here";
  StdinSwap swap(pty.slave());
  RawTerminal raw;
  ASSERT_TRUE(raw.engaged());
  EXPECT_THROW(RawTerminal(), InternalError);
}

}  // namespace
}  // namespace svmm
