// libFuzzer target for the kernel image parser (vmm/loader): arbitrary bytes, a 64 MiB guest,
// automatic protocol detection. A refusal must be an svmm::Error (UsageError); anything else
// (another exception, a crash, an ASan/UBSan report) is a bug. Seeds: corpus/loader/.
#include <cstddef>
#include <cstdint>
#include <span>

#include "vmm/loader/image.h"
#include "vmm/memory/layout.h"
#include "vmm/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<svmm::RamRange> ram = svmm::ram_ranges(64);
  static const std::vector<svmm::MemmapEntry> memmap = svmm::guest_memmap(64, true);
  const std::span<const uint8_t> file(data, size);
  try {
    const svmm::KernelPlan plan =
        svmm::plan_kernel(file, "fuzz.img", svmm::BootProtocol::Auto, ram);
    // What the plan promises the code that copies it into guest memory.
    for (const auto& s : plan.segments) {
      if (s.file_size > s.mem_size || s.file_offset > size || s.file_size > size - s.file_offset)
        __builtin_trap();
      if (s.gpa < plan.image_start || s.mem_size > plan.image_end - s.gpa) __builtin_trap();
    }
    if (plan.segments.empty()) __builtin_trap();
    const uint64_t initrd = svmm::place_initrd(size, plan, memmap, "fuzz.initrd");
    if (initrd % 4096 != 0 || initrd < plan.image_end) __builtin_trap();
  } catch (const svmm::Error&) {
  }
  return 0;
}
