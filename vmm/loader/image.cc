#include "vmm/loader/image.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>

#include "protocol/memory_map.h"
#include "vmm/loader/bzimage.h"
#include "vmm/loader/detect.h"
#include "vmm/loader/multiboot.h"
#include "vmm/loader/pvh.h"
#include "vmm/loader/reject.h"
#include "vmm/memory/huge_mapping.h"
#include "vmm/util/error.h"

namespace svmm {
namespace {

constexpr uint64_t kPageSize = 4096;

[[noreturn]] void not_an_image(const std::string& path, const std::string& reason) {
  throw UsageError(fmt::format("kernel image '{}' is not a bzImage, PVH ELF or Multiboot image: {}",
                               path, reason));
}

std::string errno_text(int err) { return std::system_category().message(err); }

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

BootProtocol detect_boot_protocol(std::span<const uint8_t> file, const std::string& path) {
  try {
    return loader::detect(file);
  } catch (const loader::ImageRejected& e) {
    not_an_image(path, e.what());
  }
}

KernelPlan plan_kernel(std::span<const uint8_t> file, const std::string& path,
                       BootProtocol requested, const std::vector<RamRange>& ram) {
  try {
    if (file.empty()) loader::reject("the file is empty");
    BootProtocol protocol = requested;
    if (protocol == BootProtocol::Auto) protocol = loader::detect(file);
    switch (protocol) {
      case BootProtocol::Pvh:
        return loader::plan_pvh(file, ram);
      case BootProtocol::Linux:
        return loader::plan_bzimage(file, ram);
      case BootProtocol::Multiboot:
        return loader::plan_multiboot(file, ram);
      case BootProtocol::Auto:
        break;
    }
    throw InternalError("plan_kernel: unexpected boot protocol");
  } catch (const loader::ImageRejected& e) {
    not_an_image(path, e.what());
  }
}

ImageBytes::ImageBytes(std::size_t size)
    : data_(size != 0 ? map_huge_aligned(size) : nullptr), size_(size) {}

ImageBytes::~ImageBytes() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

ImageBytes::ImageBytes(ImageBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

ImageBytes& ImageBytes::operator=(ImageBytes&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(data_, size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

ImageBytes read_image_file(const std::filesystem::path& path, uint64_t max_bytes,
                                     std::string_view what) {
  const std::string name = path.string();
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0)
    throw UsageError(fmt::format("{} '{}': cannot open: {}", what, name, errno_text(errno)));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    throw UsageError(fmt::format("{} '{}': cannot stat: {}", what, name, errno_text(errno)));
  if (!S_ISREG(st.st_mode))
    throw UsageError(fmt::format("{} '{}' is not a regular file", what, name));
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes)
    throw UsageError(fmt::format("{} '{}' is too large ({} bytes, the limit is {} bytes)", what,
                                 name, size, max_bytes));
  ImageBytes data(size);
  uint64_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd.get(), data.data() + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw UsageError(fmt::format("{} '{}': read failed: {}", what, name, errno_text(errno)));
    }
    if (n == 0)
      throw UsageError(fmt::format("{} '{}': the file shrank while being read ({} of {} bytes)",
                                   what, name, done, size));
    done += static_cast<uint64_t>(n);
  }
  return data;
}

uint64_t place_initrd(uint64_t initrd_size, const KernelPlan& kernel,
                      const std::vector<MemmapEntry>& memmap, const std::string& initrd_path) {
  uint64_t floor = 0;
  bool found = false;
  uint64_t best = 0;
  if (loader::checked_align_up(kernel.image_end, kPageSize, floor)) {
    for (const auto& e : memmap) {
      if (e.type != SVMM_E820_RAM) continue;
      uint64_t end = 0;
      if (!loader::checked_add(e.addr, e.size, end)) end = UINT64_MAX;
      end = std::min<uint64_t>(end, SVMM_MMIO_HOLE_END);  // below 4 GiB
      end = std::min(end, kernel.initrd_limit);
      const uint64_t start = std::max(e.addr, floor);
      if (end <= start || end - start < initrd_size) continue;
      const uint64_t gpa = (end - initrd_size) & ~(kPageSize - 1);
      if (gpa < start) continue;
      if (!found || gpa > best) best = gpa;
      found = true;
    }
  }
  if (!found)
    throw UsageError(fmt::format(
        "initrd '{}' ({} bytes) does not fit in guest RAM (it must lie below {:#x}, above the "
        "kernel, which ends at {:#x})",
        initrd_path, initrd_size, std::min<uint64_t>(kernel.initrd_limit, SVMM_MMIO_HOLE_END),
        kernel.image_end));
  return best;
}

}  // namespace svmm
