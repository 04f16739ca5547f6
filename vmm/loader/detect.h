// Boot protocol detection (spec/guest-abi.md section 1): one probe per protocol, tried in the
// spec's order Linux, PVH, Multiboot. Loader internal. A new protocol's loader lives in its own
// file (bzimage.cc, multiboot.cc) and reuses its probe from here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "vmm/loader/boot_protocol.h"
#include "vmm/loader/bytes.h"

namespace svmm::loader {

struct ProbeResult {
  bool match = false;
  bool seen = false;   // the format's magic is present: its reason is worth reporting
  std::string reason;  // why it does not match (empty on a match)
};

// bzImage (Documentation/arch/x86/boot.rst): "HdrS" at 0x202, version >= 2.06 at 0x206,
// xloadflags bit 0 (XLF_KERNEL_64) at 0x236.
[[nodiscard]] ProbeResult probe_bzimage(Bytes file);

// ELF carrying a XEN_ELFNOTE_PHYS32_ENTRY note. Rejects nothing: a malformed ELF or note is a
// reason here (the full validation is plan_pvh's job).
[[nodiscard]] ProbeResult probe_pvh(Bytes file);

// Multiboot v1 header (Multiboot Specification 0.6.96, section 3.1.1).
struct MultibootHeader {
  uint64_t offset = 0;  // file offset of the magic
  uint32_t flags = 0;
};
// The first 4-byte-aligned magic 0x1BADB002 whose 12-byte header lies in the first 8 KiB and
// whose checksum is valid (magic + flags + checksum == 0 mod 2^32).
[[nodiscard]] std::optional<MultibootHeader> find_multiboot_header(Bytes file);
[[nodiscard]] ProbeResult probe_multiboot(Bytes file);

// The first protocol that matches; rejects with the reasons of the formats seen otherwise.
[[nodiscard]] BootProtocol detect(Bytes file);

}  // namespace svmm::loader
