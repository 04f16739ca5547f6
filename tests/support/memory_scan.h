// Looking for a trusted VM's secret in this process's memory (the "nothing left" check of
// spec/guest-abi.md section 6). The marker is kept inverted so that the needle itself never
// sits in this process's memory in plain form, where the scan would find it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace svmm::test {

// The 16-byte marker a `trusted-secret` VM printed on its console (`secret: <32 hex>`),
// inverted; empty if the file has none yet.
[[nodiscard]] std::vector<uint8_t> inverted_marker(const std::string& console_file);

// Occurrences of the (un-inverted) marker in every readable mapping of this process, except
// mappings over 4 GiB (sanitizer shadow; svmm's test mappings are far smaller).
[[nodiscard]] size_t count_marker_in_self(const std::vector<uint8_t>& inverted);

}  // namespace svmm::test
