#include "tests/support/memory_scan.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <regex>

#include "tests/support/process.h"

namespace svmm::test {

std::vector<uint8_t> inverted_marker(const std::string& console_file) {
  std::smatch m;
  std::string text = read_file(console_file);
  static const std::regex re("secret: ([0-9a-f]{32})");
  if (!std::regex_search(text, m, re)) return {};
  std::vector<uint8_t> inv;
  for (size_t i = 0; i < 32; i += 2)
    inv.push_back(static_cast<uint8_t>(~std::stoul(m[1].str().substr(i, 2), nullptr, 16)));
  return inv;
}

size_t count_marker_in_self(const std::vector<uint8_t>& inv) {
  if (inv.size() != 16) return 0;
  std::ifstream maps("/proc/self/maps");
  int mem = ::open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
  std::string line;
  size_t hits = 0;
  std::vector<uint8_t> buf(1 << 20);
  while (std::getline(maps, line)) {
    unsigned long lo, hi;
    char perms[5];
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) != 3 || perms[0] != 'r') continue;
    if (line.find("[vvar]") != std::string::npos || hi - lo > (4ul << 30)) continue;
    for (unsigned long a = lo; a < hi; a += buf.size() - 16) {
      const size_t want = std::min<unsigned long>(buf.size(), hi - a);
      ssize_t got = ::pread(mem, buf.data(), want, static_cast<off_t>(a));
      if (got < 16) break;
      for (ssize_t i = 0; i + 16 <= got; ++i) {
        size_t k = 0;
        while (k < 16 && static_cast<uint8_t>(~buf[i + k]) == inv[k]) ++k;
        hits += k == 16;
      }
      if (static_cast<size_t>(got) < want) break;
    }
  }
  ::close(mem);
  return hits;
}

}  // namespace svmm::test
