// The boot protocol of a kernel image (spec/guest-abi.md section 1). `Auto` detects it from
// the file, trying Linux, then PVH, then Multiboot.
#pragma once

#include <optional>
#include <string_view>

namespace svmm {

enum class BootProtocol { Auto, Linux, Pvh, Multiboot };

// The config spelling: "auto", "linux", "pvh", "multiboot".
[[nodiscard]] constexpr std::string_view boot_protocol_name(BootProtocol p) {
  switch (p) {
    case BootProtocol::Auto:
      return "auto";
    case BootProtocol::Linux:
      return "linux";
    case BootProtocol::Pvh:
      return "pvh";
    case BootProtocol::Multiboot:
      return "multiboot";
  }
  return "?";
}

[[nodiscard]] constexpr std::optional<BootProtocol> parse_boot_protocol(std::string_view s) {
  for (BootProtocol p :
       {BootProtocol::Auto, BootProtocol::Linux, BootProtocol::Pvh, BootProtocol::Multiboot})
    if (boot_protocol_name(p) == s) return p;
  return std::nullopt;
}

}  // namespace svmm
