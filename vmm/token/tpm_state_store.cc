#include "vmm/token/tpm_state_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "vmm/util/error.h"

namespace svmm {

namespace {

std::string errno_text(int e) { return std::strerror(e); }

// The blob names libtpms uses (tpm_nvfilename.h) are plain words; refuse anything that could
// leave the directory.
bool plain_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name == "lock") return false;
  for (char c : name)
    if (c == '/' || c == '\0') return false;
  return true;
}

void write_all(int fd, std::span<const uint8_t> data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("writing '" + path + "': " + errno_text(errno));
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

// --- memory ---------------------------------------------------------------------------------

std::optional<std::vector<uint8_t>> MemoryStateStore::load(const std::string& name) {
  auto it = blobs_.find(name);
  if (it == blobs_.end()) return std::nullopt;
  return it->second;
}

void MemoryStateStore::store(const std::string& name, std::span<const uint8_t> data) {
  blobs_[name].assign(data.begin(), data.end());
}

void MemoryStateStore::remove(const std::string& name) { blobs_.erase(name); }

std::string MemoryStateStore::describe(const std::string& name) const { return "memory:" + name; }

// --- directory ------------------------------------------------------------------------------

DirectoryStateStore::DirectoryStateStore(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) {
    std::filesystem::create_directories(dir_, ec);
    if (ec)
      throw UsageError("cannot create the token state directory '" + dir_.string() +
                       "': " + ec.message());
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    throw UsageError("cannot open the token state directory '" + dir_.string() +
                     "': " + errno_text(errno));
  dir_fd_.reset(dfd);
  const int lfd = ::openat(dfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lfd < 0)
    throw UsageError("cannot create '" + (dir_ / "lock").string() + "': " + errno_text(errno));
  lock_fd_.reset(lfd);
  if (::flock(lfd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      throw UsageError("the token state directory '" + dir_.string() +
                       "' is in use by another svmm");
    throw UsageError("cannot lock '" + (dir_ / "lock").string() + "': " + errno_text(errno));
  }
  // A temporary file left by a crash mid-store is the newer state that never became current.
  (void)::unlinkat(dfd, "permall.tmp", 0);
  if (auto blob = read_file("permall")) cache_["permall"] = std::move(*blob);
}

std::optional<std::vector<uint8_t>> DirectoryStateStore::read_file(const std::string& name) const {
  const std::string path = describe(name);
  const int fd = ::openat(dir_fd_.get(), name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw UsageError("cannot read token state '" + path + "': " + errno_text(errno));
  }
  UniqueFd f(fd);
  std::vector<uint8_t> out;
  uint8_t buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw UsageError("cannot read token state '" + path + "': " + errno_text(errno));
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

std::optional<std::vector<uint8_t>> DirectoryStateStore::load(const std::string& name) {
  if (!plain_name(name)) return std::nullopt;
  if (auto it = cache_.find(name); it != cache_.end()) return it->second;
  try {
    return read_file(name);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void DirectoryStateStore::store(const std::string& name, std::span<const uint8_t> data) {
  if (!plain_name(name))
    throw std::runtime_error("refusing to store a TPM blob named '" + name + "'");
  const std::string tmp_name = name + ".tmp";
  const std::string tmp = describe(tmp_name), path = describe(name);
  const int fd =
      ::openat(dir_fd_.get(), tmp_name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("creating '" + tmp + "': " + errno_text(errno));
  {
    UniqueFd f(fd);
    write_all(fd, data, tmp);
    if (::fsync(fd) != 0) throw std::runtime_error("fsync of '" + tmp + "': " + errno_text(errno));
  }
  if (::renameat(dir_fd_.get(), tmp_name.c_str(), dir_fd_.get(), name.c_str()) != 0)
    throw std::runtime_error("renaming '" + tmp + "' to '" + path + "': " + errno_text(errno));
  if (::fsync(dir_fd_.get()) != 0)
    throw std::runtime_error("fsync of '" + dir_.string() + "': " + errno_text(errno));
  cache_[name].assign(data.begin(), data.end());
}

void DirectoryStateStore::remove(const std::string& name) {
  if (!plain_name(name)) return;
  cache_.erase(name);
  if (::unlinkat(dir_fd_.get(), name.c_str(), 0) == 0) (void)::fsync(dir_fd_.get());
}

std::string DirectoryStateStore::describe(const std::string& name) const {
  return (dir_ / name).string();
}

}  // namespace svmm
