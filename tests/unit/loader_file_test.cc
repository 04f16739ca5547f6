// read_image_file: whole regular files up to a limit; clear messages otherwise.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>

#include "vmm/loader/image.h"
#include "vmm/util/error.h"

namespace svmm {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class LoaderFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "svmm-loader-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& content) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

  static std::string error_of(const fs::path& p, uint64_t limit, std::string_view what) {
    try {
      (void)read_image_file(p, limit, what);
    } catch (const UsageError& e) {
      return e.what();
    }
    ADD_FAILURE() << "file was read";
    return {};
  }

  fs::path dir_;
};

TEST_F(LoaderFile, ReadsAWholeFile) {
  const auto p = write("k.elf", std::string("\x7f"
                                            "ELF\0\1",
                                            6));
  const auto data = read_image_file(p, 1024);
  EXPECT_EQ(std::vector<uint8_t>(data.begin(), data.end()), (std::vector<uint8_t>{0x7f, 'E', 'L', 'F', 0, 1}));
}

TEST_F(LoaderFile, ReadsAnEmptyFile) {
  EXPECT_TRUE(read_image_file(write("empty", ""), 1024).empty());
}

TEST_F(LoaderFile, AcceptsAFileOfExactlyTheLimit) {
  EXPECT_EQ(read_image_file(write("k", std::string(100, 'x')), 100).size(), 100u);
}

TEST_F(LoaderFile, RefusesAFileOverTheLimit) {
  const auto p = write("k", std::string(101, 'x'));
  EXPECT_EQ(error_of(p, 100, "kernel image"),
            "kernel image '" + p.string() + "' is too large (101 bytes, the limit is 100 bytes)");
}

TEST_F(LoaderFile, MissingFileNamesThePathAndTheError) {
  const auto p = dir_ / "missing.img";
  EXPECT_EQ(error_of(p, 100, "initrd"),
            "initrd '" + p.string() + "': cannot open: No such file or directory");
}

TEST_F(LoaderFile, RefusesADirectory) {
  EXPECT_EQ(error_of(dir_, 100, "kernel image"),
            "kernel image '" + dir_.string() + "' is not a regular file");
}

TEST_F(LoaderFile, RefusesAFifoWithoutBlocking) {
  const auto p = dir_ / "fifo";
  ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
  EXPECT_EQ(error_of(p, 100, "kernel image"),
            "kernel image '" + p.string() + "' is not a regular file");
}

TEST_F(LoaderFile, RefusesACharacterDevice) {
  EXPECT_THAT(error_of("/dev/null", 100, "kernel image"), HasSubstr("is not a regular file"));
}

}  // namespace
}  // namespace svmm

namespace svmm {
namespace {

TEST(ImageBytes, MovesOwnershipAndKeepsTheBytes) {
  ImageBytes a(3 * (1u << 20) + 5);  // more than one huge page, not a multiple of one
  ASSERT_EQ(a.size(), 3u * (1u << 20) + 5);
  EXPECT_EQ(std::count(a.begin(), a.end(), 0), static_cast<std::ptrdiff_t>(a.size()));
  a.data()[0] = 0x11;
  a.data()[a.size() - 1] = 0x22;
  const uint8_t* where = a.data();
  ImageBytes b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is defined
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(b.data(), where);
  EXPECT_EQ(b.data()[0], 0x11);
  EXPECT_EQ(b.data()[b.size() - 1], 0x22);
  ImageBytes c(16);
  c = std::move(b);
  EXPECT_EQ(c.data(), where);
  const std::span<const uint8_t> view = c;
  EXPECT_EQ(view.size(), 3u * (1u << 20) + 5);
  EXPECT_TRUE(ImageBytes().empty());
}

// The bytes of address space the process has mapped (the sum of /proc/self/maps ranges).
uint64_t mapped_bytes() {
  std::ifstream maps("/proc/self/maps");
  uint64_t total = 0;
  for (std::string line; std::getline(maps, line);) {
    const auto dash = line.find('-');
    const auto space = line.find(' ');
    total += std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16) -
             std::stoull(line.substr(0, dash), nullptr, 16);
  }
  return total;
}

TEST(ImageBytes, ReleasesAllItMappedWhateverTheSize) {
  (void)mapped_bytes();  // warms up what reading /proc/self/maps allocates
  const uint64_t before = mapped_bytes();
  for (const std::size_t size : {std::size_t{1}, std::size_t{4095}, std::size_t{4097},
                                 std::size_t{(2u << 20) + 5}, std::size_t{(3u << 20) - 1}}) {
    ImageBytes b(size);
    b.data()[size - 1] = 1;
  }
  EXPECT_EQ(mapped_bytes(), before);
}

}  // namespace
}  // namespace svmm
