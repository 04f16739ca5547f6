// Kernel image parsing (spec/guest-abi.md section 1), in the spirit of rust-vmm's linux-loader:
// this part only reads and validates the file and produces a plan; it never touches guest
// memory and needs no KVM. The machine code copies the plan into guest memory afterwards, so a
// malformed image is refused before any VM exists and nothing is ever half-loaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vmm/loader/boot_protocol.h"
#include "vmm/memory/layout.h"

namespace svmm {

// Copy file bytes [file_offset, file_offset + file_size) to guest-physical `gpa` and zero
// [gpa + file_size, gpa + mem_size). file_size <= mem_size; the file range lies inside the file.
struct LoadSegment {
  uint64_t gpa = 0;
  uint64_t file_offset = 0;
  uint64_t file_size = 0;
  uint64_t mem_size = 0;
  friend bool operator==(const LoadSegment&, const LoadSegment&) = default;
};

struct KernelPlan {
  BootProtocol protocol = BootProtocol::Auto;  // never Auto in a returned plan
  uint64_t entry = 0;                          // guest-physical entry point
  std::vector<LoadSegment> segments;           // in program header order, none empty
  // Lowest GPA used and the end (exclusive) of the highest segment, for placing the initrd.
  uint64_t image_start = 0;
  uint64_t image_end = 0;
  // The initrd must end at or below this address (Linux: initrd_addr_max + 1; else 4 GiB).
  uint64_t initrd_limit = uint64_t{4} << 30;
  // Linux: the kernel's cmdline_size (the longest command line without its NUL); 0: only
  // svmm's own limit applies.
  uint64_t cmdline_limit = 0;
  // Linux: the setup header as in the file (from offset 0x1f1, struct setup_header), to be
  // copied into boot_params. Empty for the other protocols.
  std::vector<uint8_t> linux_setup_header;
};

// Validates `file` completely against the protocol (`Auto`: detected in the order Linux, PVH,
// Multiboot) and the VM's RAM ranges, and returns what to load where. Throws UsageError
// "kernel image 'PATH' is not a bzImage, PVH ELF or Multiboot image: <reason>" for a file that
// is no (valid) image of the protocol.
//
// PVH rules: ELF32 (EM_386) or ELF64 (EM_X86_64), little-endian, ET_EXEC; an
// XEN_ELFNOTE_PHYS32_ENTRY note (owner "Xen", type 18, 4- or 8-byte entry below 4 GiB) in a
// PT_NOTE segment or an SHT_NOTE section; at least one non-empty PT_LOAD; every PT_LOAD inside
// the file (p_offset + p_filesz), p_filesz <= p_memsz, [p_paddr, p_paddr + p_memsz) inside one
// RAM range, outside the MMIO hole and at or above 1 MiB (below 1 MiB lie the legacy reserved
// area and svmm's boot structures, which the spec puts "below the kernel"), PT_LOADs pairwise
// disjoint, and the entry inside [p_paddr, p_paddr + p_filesz) of one of them. Segments are
// placed at p_paddr; empty PT_LOADs (p_memsz 0) are skipped.
//
// Multiboot rules (Multiboot Specification 0.6.96, 3.1): the first valid header in the first
// 8 KiB; flags bits 3-15 (requirements svmm does not know) refused, bit 2 (video mode) accepted
// and ignored (no framebuffer, as QEMU does). Flags bit 16 clear: an ELF32 (EM_386, ET_EXEC)
// whose PT_LOADs follow the PVH rules above except the placement, entry e_entry translated
// from p_vaddr to p_paddr through the PT_LOAD holding it. Flags bit 16 set (the a.out kludge):
// load_addr <= header_addr, file bytes from header offset - (header_addr - load_addr) up to
// load_end_addr (0: the end of the file) at load_addr, zeroed up to bss_end_addr (0: no bss),
// entry_addr inside the loaded bytes. Placement: every segment inside one RAM range, below the
// MMIO hole, and either in [0x20000, 0x9FC00) or at or above 1 MiB: [0, 0x20000) holds page 0
// and svmm's boot structures (multiboot information, command line, GDT), [0x9FC00, 0x100000)
// is reserved (MP table, ACPI tables).
//
// Linux rules (Documentation/arch/x86/boot.rst): HdrS, protocol >= 2.10 (XLF_KERNEL_64, which
// needs 2.12, is checked too), the setup header (0x202 + the byte at 0x201) inside the file and
// reaching init_size, loadflags LOADED_HIGH, setup_sects (0 means 4) leaving a protected-mode
// kernel of more than 0x200 bytes, syssize not beyond the file, kernel_alignment a power of two
// dividing pref_address when relocatable. The protected-mode kernel is placed at pref_address,
// which must be >= 1 MiB with [pref_address, pref_address + max(init_size, kernel size)) inside
// one RAM range (one segment with that mem_size: zeroed past the file bytes; image_end is its
// end: the initrd goes above it); the entry is the 64-bit one, pref_address + 0x200.
[[nodiscard]] KernelPlan plan_kernel(std::span<const uint8_t> file, const std::string& path,
                                     BootProtocol requested, const std::vector<RamRange>& ram);

// Only the detection step of plan_kernel for `Auto`: which protocol the file claims. Throws
// the same "is not a bzImage, PVH ELF or Multiboot image" UsageError when none matches.
[[nodiscard]] BootProtocol detect_boot_protocol(std::span<const uint8_t> file,
                                                const std::string& path);

// A whole file's bytes, read into memory of their own (vmm/memory/huge_mapping.h): a kernel is
// tens of MiB, and faulting that in as huge pages rather than 4 KiB ones is most of what it
// costs to read it. The bytes are private to svmm: what was checked is what gets loaded.
class ImageBytes {
 public:
  ImageBytes() = default;
  // `size` bytes, zero until written through data().
  explicit ImageBytes(std::size_t size);
  ~ImageBytes();
  ImageBytes(ImageBytes&& other) noexcept;
  ImageBytes& operator=(ImageBytes&& other) noexcept;
  ImageBytes(const ImageBytes&) = delete;
  ImageBytes& operator=(const ImageBytes&) = delete;

  [[nodiscard]] uint8_t* data() { return data_; }
  [[nodiscard]] const uint8_t* data() const { return data_; }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] const uint8_t* begin() const { return data_; }
  [[nodiscard]] const uint8_t* end() const { return data_ + size_; }
  // NOLINTNEXTLINE(google-explicit-constructor): bytes are read through spans everywhere.
  operator std::span<const uint8_t>() const { return {data_, size_}; }

 private:
  uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Reads a whole regular file of at most `max_bytes` bytes. `what` starts the messages
// ("kernel image", "initrd"): UsageError "WHAT 'PATH': cannot open: <strerror>", "WHAT 'PATH'
// is not a regular file", "WHAT 'PATH' is too large (N bytes, the limit is M bytes)".
// FIFOs and devices are refused without blocking.
[[nodiscard]] ImageBytes read_image_file(const std::filesystem::path& path,
                                                   uint64_t max_bytes,
                                                   std::string_view what = "kernel image");

// Guest-physical address for an initrd of `initrd_size` bytes: page-aligned, as high as
// possible in the highest RAM entry of `memmap` below 4 GiB (and below the kernel's
// initrd_limit), above the kernel's image_end.
// Throws UsageError "initrd 'PATH' (N bytes) does not fit in guest RAM ..." otherwise.
[[nodiscard]] uint64_t place_initrd(uint64_t initrd_size, const KernelPlan& kernel,
                                    const std::vector<MemmapEntry>& memmap,
                                    const std::string& initrd_path);

}  // namespace svmm
