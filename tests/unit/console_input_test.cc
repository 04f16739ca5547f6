#include "vmm/console/console_input.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <string>

#include "devices/serial_16550.h"
#include "devices/serial_16550_regs.h"
#include "tests/unit/device_fakes.h"
#include "vmm/console/null_sink.h"

namespace svmm {
namespace {

using fakes::wait_until;

class Pipe {
 public:
  Pipe() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    read_ = p[0];
    write_ = p[1];
  }
  ~Pipe() {
    close_write();
    ::close(read_);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  [[nodiscard]] int read_end() const { return read_; }
  void send(const std::string& s) {
    ASSERT_EQ(::write(write_, s.data(), s.size()), ssize_t(s.size()));
  }
  void close_write() {
    if (write_ >= 0) ::close(write_);
    write_ = -1;
  }

 private:
  int read_ = -1;
  int write_ = -1;
};

// A consumer that takes at most `chunk` bytes per offer, to exercise the retry path.
class Collector {
 public:
  explicit Collector(std::size_t chunk = SIZE_MAX) : chunk_(chunk) {}
  std::size_t take(std::span<const uint8_t> bytes) {
    std::lock_guard lock(mutex_);
    ++offers_;
    const std::size_t n = std::min(bytes.size(), chunk_);
    got_.append(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    return n;
  }
  std::string got() {
    std::lock_guard lock(mutex_);
    return got_;
  }
  int offers() {
    std::lock_guard lock(mutex_);
    return offers_;
  }

 private:
  std::size_t chunk_;
  std::mutex mutex_;
  std::string got_;
  int offers_ = 0;
};

TEST(ConsoleInput, DeliversWhatIsRead) {
  Pipe pipe;
  Collector c;
  ConsoleInput input(pipe.read_end(), [&](auto b) { return c.take(b); });
  pipe.send("hello");
  EXPECT_TRUE(wait_until([&] { return c.got() == "hello"; })) << c.got();
  EXPECT_FALSE(input.finished());
}

TEST(ConsoleInput, OffersAgainWhatTheConsumerCouldNotTake) {
  Pipe pipe;
  Collector c(/*chunk=*/2);
  ConsoleInput input(pipe.read_end(), [&](auto b) { return c.take(b); });
  pipe.send("abcdefg");
  EXPECT_TRUE(wait_until([&] { return c.got() == "abcdefg"; })) << c.got();
  EXPECT_GE(c.offers(), 4);
}

TEST(ConsoleInput, FeedsTheSerialReceiver) {
  Pipe pipe;
  NullSink sink;
  fakes::RecordingIrqLine irq;
  Serial16550 serial(sink, irq);
  const uint8_t rdi = uart::kIerRdi;
  serial.write(uart::kIer, std::span<const uint8_t>(&rdi, 1), Requester::guest_os(0));
  ConsoleInput input(pipe.read_end(), serial);
  pipe.send("x");
  EXPECT_TRUE(wait_until([&] { return irq.level(); }));
  uint8_t b = 0;
  serial.read(uart::kRbrThr, std::span<uint8_t>(&b, 1), Requester::guest_os(0));
  EXPECT_EQ(b, 'x');
}

TEST(ConsoleInput, MorePastedThanTheFifoHoldsArrivesAsTheGuestDrains) {
  Pipe pipe;
  NullSink sink;
  fakes::RecordingIrqLine irq;
  Serial16550 serial(sink, irq);
  ConsoleInput input(pipe.read_end(), serial);
  std::string pasted;
  for (int i = 0; i < 300; ++i) pasted.push_back(static_cast<char>('a' + i % 26));
  pipe.send(pasted);
  std::string got;
  const Requester who = Requester::guest_os(0);
  auto reg = [&](uint8_t offset) {
    uint8_t v = 0;
    serial.read(offset, std::span<uint8_t>(&v, 1), who);
    return v;
  };
  EXPECT_TRUE(wait_until([&] {
    while (reg(uart::kLsr) & uart::kLsrDr) got.push_back(static_cast<char>(reg(uart::kRbrThr)));
    return got.size() == pasted.size();
  }));
  EXPECT_EQ(got, pasted);
}

TEST(ConsoleInput, EndOfInputFinishesTheThread) {
  Pipe pipe;
  Collector c;
  ConsoleInput input(pipe.read_end(), [&](auto b) { return c.take(b); });
  pipe.send("last");
  pipe.close_write();
  EXPECT_TRUE(wait_until([&] { return input.finished(); }));
  EXPECT_EQ(c.got(), "last");
}

TEST(ConsoleInput, DestructorStopsAThreadWaitingForInput) {
  Pipe pipe;
  Collector c;
  const auto start = std::chrono::steady_clock::now();
  {
    ConsoleInput input(pipe.read_end(), [&](auto b) { return c.take(b); });
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(ConsoleInput, DestructorStopsAThreadWaitingForRoom) {
  Pipe pipe;
  Collector c(/*chunk=*/0);  // never takes anything
  const auto start = std::chrono::steady_clock::now();
  {
    ConsoleInput input(pipe.read_end(), [&](auto b) { return c.take(b); });
    pipe.send("stuck");
    ASSERT_TRUE(wait_until([&] { return c.offers() >= 2; }));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

}  // namespace
}  // namespace svmm
