#include "vmm/loader/detect.h"

#include <fmt/format.h>

#include <algorithm>

#include "vmm/loader/elf.h"
#include "vmm/loader/pvh.h"
#include "vmm/loader/reject.h"

namespace svmm::loader {
namespace {

// Linux boot protocol setup header fields (Documentation/arch/x86/boot.rst, "The real-mode
// kernel header").
constexpr uint64_t kBzHeaderOffset = 0x202;  // "header", magic "HdrS"
constexpr uint32_t kBzHeaderMagic = 0x53726448;
constexpr uint64_t kBzVersionOffset = 0x206;
constexpr uint16_t kBzMinVersion = 0x0206;
constexpr uint64_t kBzXloadflagsOffset = 0x236;  // protocol 2.12+
constexpr uint16_t kXlfKernel64 = 1u << 0;

// Multiboot Specification 0.6.96, 3.1.1: "The Multiboot header must be contained completely
// within the first 8192 bytes of the OS image, and must be longword (32-bit) aligned."
constexpr uint32_t kMultibootMagic = 0x1BADB002;
constexpr uint64_t kMultibootSearch = 8192;
constexpr uint64_t kMultibootHeaderMin = 12;  // magic, flags, checksum

}  // namespace

ProbeResult probe_bzimage(Bytes file) {
  ProbeResult r;
  if (!range_inside(kBzHeaderOffset, 4, file.size()) ||
      le32(file, kBzHeaderOffset) != kBzHeaderMagic) {
    r.reason = "no HdrS magic at file offset 0x202";
    return r;
  }
  r.seen = true;
  if (!range_inside(kBzXloadflagsOffset, 2, file.size())) {
    r.reason = fmt::format(
        "bzImage setup header truncated: the file has {} bytes, the header up to xloadflags "
        "(0x236) needs {}",
        file.size(), kBzXloadflagsOffset + 2);
    return r;
  }
  const uint16_t version = le16(file, kBzVersionOffset);
  if (version < kBzMinVersion) {
    r.reason = fmt::format("bzImage boot protocol version {}.{:02} is older than 2.06",
                           version >> 8, version & 0xff);
    return r;
  }
  if ((le16(file, kBzXloadflagsOffset) & kXlfKernel64) == 0) {
    r.reason = fmt::format(
        "bzImage (boot protocol {}.{:02}) is not 64-bit capable (xloadflags bit 0, "
        "XLF_KERNEL_64, is clear)",
        version >> 8, version & 0xff);
    return r;
  }
  r.match = true;
  return r;
}

ProbeResult probe_pvh(Bytes file) {
  ProbeResult r;
  if (!has_elf_magic(file)) {
    r.reason = "no ELF magic";
    return r;
  }
  r.seen = true;
  try {
    const ElfFile elf = parse_elf(file);
    if (find_pvh_entry(file, elf)) {
      r.match = true;
      return r;
    }
    r.reason = "ELF has no XEN_ELFNOTE_PHYS32_ENTRY note";
  } catch (const ImageRejected& e) {
    r.reason = e.what();
  }
  return r;
}

std::optional<MultibootHeader> find_multiboot_header(Bytes file) {
  const uint64_t limit = std::min<uint64_t>(file.size(), kMultibootSearch);
  for (uint64_t off = 0; off + kMultibootHeaderMin <= limit; off += 4) {
    if (le32(file, off) != kMultibootMagic) continue;
    const uint32_t flags = le32(file, off + 4);
    const uint32_t checksum = le32(file, off + 8);
    if (static_cast<uint32_t>(kMultibootMagic + flags + checksum) == 0) return {{off, flags}};
  }
  return std::nullopt;
}

ProbeResult probe_multiboot(Bytes file) {
  ProbeResult r;
  if (find_multiboot_header(file)) {
    r.match = true;
    return r;
  }
  // Explain the first magic with a bad checksum, if any.
  const uint64_t limit = std::min<uint64_t>(file.size(), kMultibootSearch);
  for (uint64_t off = 0; off + kMultibootHeaderMin <= limit; off += 4) {
    if (le32(file, off) != kMultibootMagic) continue;
    const uint32_t sum = kMultibootMagic + le32(file, off + 4) + le32(file, off + 8);
    r.seen = true;
    r.reason = fmt::format(
        "Multiboot header at file offset {:#x} has a bad checksum (magic + flags + checksum = "
        "{:#x}, expected 0)",
        off, sum);
    return r;
  }
  r.reason = "no Multiboot header in the first 8 KiB";
  return r;
}

BootProtocol detect(Bytes file) {
  if (file.empty()) reject("the file is empty");
  const ProbeResult bz = probe_bzimage(file);
  if (bz.match) return BootProtocol::Linux;
  const ProbeResult pvh = probe_pvh(file);
  if (pvh.match) return BootProtocol::Pvh;
  const ProbeResult mb = probe_multiboot(file);
  if (mb.match) return BootProtocol::Multiboot;

  std::string reason;
  for (const ProbeResult* p : {&bz, &pvh, &mb}) {
    if (!p->seen) continue;
    if (!reason.empty()) reason += "; ";
    reason += p->reason;
  }
  if (reason.empty()) reason = "no ELF magic and no HdrS/Multiboot header";
  reject(reason);
}

}  // namespace svmm::loader
