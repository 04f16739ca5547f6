#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "protocol/exit_status.h"
#include "vmm/console/buffer_sink.h"
#include "vmm/console/file_sink.h"
#include "vmm/console/null_sink.h"
#include "vmm/console/stdout_sink.h"
#include "vmm/util/error.h"

namespace svmm {
namespace {

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// A fresh directory under the test temp dir, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "svmm-console-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  [[nodiscard]] std::string file(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(FileSink, WritesReachTheFile) {
  TempDir dir;
  const std::string path = dir.file("console.log");
  {
    FileSink sink(path);
    sink.write(bytes_of("hello "));
    sink.write(bytes_of("world\n"));
    EXPECT_FALSE(sink.failed());
    EXPECT_EQ(sink.path(), path);
  }
  EXPECT_EQ(slurp(path), "hello world\n");
}

TEST(FileSink, AppendsToAnExistingFile) {
  TempDir dir;
  const std::string path = dir.file("console.log");
  { FileSink(path).write(bytes_of("first\n")); }
  { FileSink(path).write(bytes_of("second\n")); }
  EXPECT_EQ(slurp(path), "first\nsecond\n");
}

TEST(FileSink, CreatesTheFileWithMode0644UnderTheUmask) {
  TempDir dir;
  const std::string path = dir.file("new.log");
  const mode_t mask = ::umask(0);
  ::umask(mask);
  { FileSink sink(path); }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644 & ~mask);
}

TEST(FileSink, UnopenablePathIsAUsageErrorNamingThePath) {
  TempDir dir;
  const std::string path = dir.file("missing-dir/console.log");
  try {
    FileSink sink(path);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
    EXPECT_EQ(e.exit_status(), SVMM_EXIT_USAGE);
  }
}

TEST(StdoutSink, WritesEverythingThroughPartialAndNonBlockingWrites) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  // Non-blocking and far larger than the pipe buffer: forces short writes and EAGAIN.
  ASSERT_EQ(::fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
  std::string payload(1 << 20, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7);
  std::string received;
  std::thread reader([&] {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(p[0], buf, sizeof buf)) > 0) received.append(buf, static_cast<size_t>(n));
  });
  StdoutSink sink(p[1]);
  sink.write(bytes_of(payload));
  ::close(p[1]);
  reader.join();
  ::close(p[0]);
  EXPECT_FALSE(sink.failed());
  EXPECT_TRUE(received == payload);
}

TEST(StdoutSink, ABrokenDescriptorIsRecordedNotThrown) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  ::close(p[0]);
  ::close(p[1]);  // now a closed descriptor: EBADF
  StdoutSink sink(p[1]);
  EXPECT_NO_THROW(sink.write(bytes_of("lost")));
  EXPECT_TRUE(sink.failed());
}

TEST(NullSink, SwallowsEverything) {
  NullSink sink;
  sink.write(bytes_of("nothing to see"));
  sink.flush();
}

TEST(BufferSink, CollectsWritesInOrder) {
  BufferSink sink;
  sink.write(bytes_of("ab"));
  sink.write(bytes_of("c"));
  EXPECT_EQ(sink.contents(), "abc");
  sink.clear();
  EXPECT_EQ(sink.contents(), "");
}

}  // namespace
}  // namespace svmm
