// libFuzzer target: any bytes fed to the config parser either parse or are refused with an
// svmm::Error (a UsageError). Any other exception, a crash or a sanitizer report is a bug.
// Seeds in corpus/config/ name /proc/self/exe as the kernel so that inputs get past the file
// check of guest_os.kernel and reach the later sections.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vmm/config/config.h"
#include "vmm/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const svmm::Config config = svmm::parse_config(text, "/nonexistent");
    // Exercise the output helpers on whatever was accepted.
    (void)svmm::to_string(config.guest_os.console);
    for (const auto t : config.secure.teardown_on) (void)svmm::to_string(t);
  } catch (const svmm::Error&) {
    // Refused: the expected outcome for most inputs.
  }
  return 0;
}
