// In-test builders for kernel images: ELF32/ELF64 executables with PT_LOAD segments and Xen
// PVH notes (in a PT_NOTE segment or an SHT_NOTE section), fake bzImage setup headers and
// Multiboot headers. Tests craft malformed images by patching the built bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace svmm::test {

inline void put8(std::vector<uint8_t>& b, uint64_t off, uint8_t v) {
  if (b.size() < off + 1) b.resize(off + 1);
  b[off] = v;
}
inline void put_le(std::vector<uint8_t>& b, uint64_t off, uint64_t v, unsigned bytes) {
  if (b.size() < off + bytes) b.resize(off + bytes);
  for (unsigned i = 0; i < bytes; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void put16(std::vector<uint8_t>& b, uint64_t off, uint64_t v) { put_le(b, off, v, 2); }
inline void put32(std::vector<uint8_t>& b, uint64_t off, uint64_t v) { put_le(b, off, v, 4); }
inline void put64(std::vector<uint8_t>& b, uint64_t off, uint64_t v) { put_le(b, off, v, 8); }

// Offsets of ELF header fields that tests patch (gABI; ELF32 / ELF64).
struct ElfHeaderOffsets {
  uint64_t phoff, shoff, ehsize, phentsize, phnum, shentsize, shnum;
  unsigned addr_bytes;  // 4 or 8
};
inline ElfHeaderOffsets elf_header_offsets(bool is64) {
  if (is64) return {32, 40, 52, 54, 56, 58, 60, 8};
  return {28, 32, 40, 42, 44, 46, 48, 4};
}

enum class PhdrField { Type, Offset, Paddr, Filesz, Memsz, Align };

struct Note {
  std::string owner;
  uint32_t type = 0;
  std::vector<uint8_t> desc;
};

enum class NoteIn { Segment, Section };

constexpr uint32_t kXenPhys32Entry = 18;

class ElfBuilder {
 public:
  struct Load {
    uint64_t paddr;
    std::vector<uint8_t> data;
    uint64_t memsz;
  };
  struct Built {
    std::vector<uint8_t> bytes;
    bool is64 = false;
    uint64_t phoff = 0;
    uint64_t shoff = 0;
    std::vector<uint64_t> load_offsets;  // file offset of each PT_LOAD's data, in order
    uint64_t note_offset = 0;            // file offset of the PT_NOTE / SHT_NOTE area
    uint64_t note_size = 0;
    uint32_t note_phdr = 0;  // index of the PT_NOTE program header (when notes are in one)

    [[nodiscard]] uint64_t phdr_field(uint32_t index, PhdrField f) const {
      const uint64_t base = phoff + index * (is64 ? 56 : 32);
      if (is64) {
        switch (f) {
          case PhdrField::Type:
            return base;
          case PhdrField::Offset:
            return base + 8;
          case PhdrField::Paddr:
            return base + 24;
          case PhdrField::Filesz:
            return base + 32;
          case PhdrField::Memsz:
            return base + 40;
          case PhdrField::Align:
            return base + 48;
        }
      }
      switch (f) {
        case PhdrField::Type:
          return base;
        case PhdrField::Offset:
          return base + 4;
        case PhdrField::Paddr:
          return base + 12;
        case PhdrField::Filesz:
          return base + 16;
        case PhdrField::Memsz:
          return base + 20;
        case PhdrField::Align:
          return base + 28;
      }
      return base;
    }
    // Writes a program header field with the class's width.
    void set_phdr(uint32_t index, PhdrField f, uint64_t v) {
      const unsigned w = f == PhdrField::Type ? 4 : (is64 ? 8 : 4);
      put_le(bytes, phdr_field(index, f), v, w);
    }
    void set_header(uint64_t ElfHeaderOffsets::*field, uint64_t v, unsigned width) {
      put_le(bytes, elf_header_offsets(is64).*field, v, width);
    }
  };

  explicit ElfBuilder(bool is64) : is64_(is64) {}

  // A PT_LOAD at `paddr` (vaddr = paddr) with `filesz` bytes of a pattern and `memsz` in memory.
  ElfBuilder& load(uint64_t paddr, uint64_t filesz, uint64_t memsz) {
    std::vector<uint8_t> data(filesz);
    for (uint64_t i = 0; i < filesz; ++i) data[i] = static_cast<uint8_t>(0x90 + i * 7);
    loads_.push_back({paddr, std::move(data), memsz});
    return *this;
  }
  ElfBuilder& note(Note n, NoteIn where = NoteIn::Segment) {
    (where == NoteIn::Segment ? seg_notes_ : sec_notes_).push_back(std::move(n));
    return *this;
  }
  // The XEN_ELFNOTE_PHYS32_ENTRY note with a `desc_size`-byte little-endian entry.
  ElfBuilder& pvh_note(uint64_t entry, unsigned desc_size, NoteIn where = NoteIn::Segment) {
    Note n{"Xen", kXenPhys32Entry, std::vector<uint8_t>(desc_size)};
    for (unsigned i = 0; i < desc_size && i < 8; ++i)
      n.desc[i] = static_cast<uint8_t>(entry >> (8 * i));
    return note(std::move(n), where);
  }
  // Padding and p_align / sh_addralign of the note areas (4 or 8).
  ElfBuilder& note_align(uint64_t a) {
    note_align_ = a;
    return *this;
  }

  [[nodiscard]] Built build() const {
    Built out;
    out.is64 = is64_;
    const uint64_t ehsize = is64_ ? 64 : 52;
    const uint64_t phentsize = is64_ ? 56 : 32;
    const uint64_t shentsize = is64_ ? 64 : 40;
    const uint32_t phnum = static_cast<uint32_t>(loads_.size() + (seg_notes_.empty() ? 0 : 1));
    std::vector<uint8_t>& b = out.bytes;
    b.assign(ehsize, 0);
    b[0] = 0x7f, b[1] = 'E', b[2] = 'L', b[3] = 'F';
    b[4] = is64_ ? 2 : 1;          // EI_CLASS
    b[5] = 1;                      // ELFDATA2LSB
    b[6] = 1;                      // EV_CURRENT
    put16(b, 16, 2);               // ET_EXEC
    put16(b, 18, is64_ ? 62 : 3);  // EM_X86_64 / EM_386
    put32(b, 20, 1);               // e_version
    const auto h = elf_header_offsets(is64_);
    put16(b, h.ehsize, ehsize);
    put16(b, h.phentsize, phentsize);
    put16(b, h.phnum, phnum);
    out.phoff = ehsize;
    put_le(b, h.phoff, out.phoff, h.addr_bytes);
    b.resize(ehsize + phnum * phentsize);

    auto align_to = [&](uint64_t a) { b.resize((b.size() + a - 1) / a * a); };
    for (const auto& l : loads_) {
      align_to(16);
      out.load_offsets.push_back(b.size());
      b.insert(b.end(), l.data.begin(), l.data.end());
    }
    auto write_notes = [&](const std::vector<Note>& notes) {
      align_to(note_align_);
      const uint64_t start = b.size();
      for (const auto& n : notes) {
        const uint64_t pos = b.size();
        put32(b, pos, n.owner.size() + 1);
        put32(b, pos + 4, n.desc.size());
        put32(b, pos + 8, n.type);
        b.insert(b.end(), n.owner.begin(), n.owner.end());
        b.push_back(0);
        align_to(note_align_);
        b.insert(b.end(), n.desc.begin(), n.desc.end());
        align_to(note_align_);
      }
      return std::pair<uint64_t, uint64_t>{start, b.size() - start};
    };

    uint32_t index = 0;
    for (size_t i = 0; i < loads_.size(); ++i, ++index)
      write_phdr(out, index, 1, out.load_offsets[i], loads_[i].paddr, loads_[i].data.size(),
                 loads_[i].memsz, 0x1000);
    if (!seg_notes_.empty()) {
      auto [off, size] = write_notes(seg_notes_);
      out.note_offset = off;
      out.note_size = size;
      out.note_phdr = index;
      write_phdr(out, index, 4, off, 0, size, 0, note_align_);
    }
    if (!sec_notes_.empty()) {
      auto [off, size] = write_notes(sec_notes_);
      out.note_offset = off;
      out.note_size = size;
      align_to(8);
      out.shoff = b.size();
      b.resize(b.size() + 2 * shentsize);  // [0] SHT_NULL, [1] the SHT_NOTE section
      const uint64_t s = out.shoff + shentsize;
      put32(b, s + 4, 7);  // SHT_NOTE
      if (is64_) {
        put64(b, s + 24, off);
        put64(b, s + 32, size);
        put64(b, s + 48, note_align_);
      } else {
        put32(b, s + 16, off);
        put32(b, s + 20, size);
        put32(b, s + 32, note_align_);
      }
      put_le(b, h.shoff, out.shoff, h.addr_bytes);
      put16(b, h.shentsize, shentsize);
      put16(b, h.shnum, 2);
    }
    return out;
  }

 private:
  void write_phdr(Built& out, uint32_t index, uint32_t type, uint64_t offset, uint64_t paddr,
                  uint64_t filesz, uint64_t memsz, uint64_t align) const {
    out.set_phdr(index, PhdrField::Type, type);
    out.set_phdr(index, PhdrField::Offset, offset);
    out.set_phdr(index, PhdrField::Paddr, paddr);
    out.set_phdr(index, PhdrField::Filesz, filesz);
    out.set_phdr(index, PhdrField::Memsz, memsz);
    out.set_phdr(index, PhdrField::Align, align);
    // p_vaddr = p_paddr; p_flags = R+X.
    const uint64_t base = out.phoff + index * (is64_ ? 56 : 32);
    if (is64_) {
      put64(out.bytes, base + 16, paddr);
      put32(out.bytes, base + 4, 5);
    } else {
      put32(out.bytes, base + 8, paddr);
      put32(out.bytes, base + 24, 5);
    }
  }

  bool is64_;
  std::vector<Load> loads_;
  std::vector<Note> seg_notes_;
  std::vector<Note> sec_notes_;
  uint64_t note_align_ = 4;
};

// A standard valid PVH image: text at 1 MiB (0x3000 bytes), data+bss at 2 MiB (0x800 file,
// 0x4000 memory), entry 1 MiB + 0x10.
inline ElfBuilder::Built standard_pvh(bool is64, NoteIn where = NoteIn::Segment) {
  return ElfBuilder(is64)
      .load(0x100000, 0x3000, 0x3000)
      .load(0x200000, 0x800, 0x4000)
      .pvh_note(0x100010, is64 ? 8 : 4, where)
      .build();
}

// A fake bzImage: the setup header fields detection looks at (Documentation/arch/x86/boot.rst).
inline std::vector<uint8_t> fake_bzimage(uint16_t version, uint16_t xloadflags) {
  std::vector<uint8_t> b(0x1000, 0);
  put16(b, 0x1fe, 0xAA55);      // boot_flag
  put32(b, 0x202, 0x53726448);  // "HdrS"
  put16(b, 0x206, version);
  put16(b, 0x236, xloadflags);
  return b;
}

// A fuller fake bzImage for the Linux loader: setup header fields of boot protocol 2.15
// (Documentation/arch/x86/boot.rst) and a protected-mode kernel of `kernel_size` pattern bytes.
struct BzImageFields {
  uint16_t version = 0x020f;
  uint8_t setup_sects = 4;
  uint8_t header_len = 0x6a;  // the byte at 0x201: the header ends at 0x202 + it (0x26c)
  uint8_t loadflags = 0x01;   // LOADED_HIGH
  uint16_t xloadflags = 0x1;  // XLF_KERNEL_64
  uint64_t kernel_size = 0x4000;
  uint64_t pref_address = 0x1000000;
  uint32_t init_size = 0x800000;
  uint32_t kernel_alignment = 0x200000;
  uint8_t relocatable = 1;
  uint32_t cmdline_size = 2047;
  uint32_t initrd_addr_max = 0x7fffffff;
};
inline std::vector<uint8_t> make_bzimage(const BzImageFields& f = {}) {
  const uint64_t setup_size = ((f.setup_sects == 0 ? 4u : f.setup_sects) + 1u) * 512u;
  std::vector<uint8_t> b(setup_size + f.kernel_size, 0);
  put8(b, 0x1f1, f.setup_sects);
  put16(b, 0x1f2, 1);  // root_flags
  put32(b, 0x1f4, (f.kernel_size + 15) / 16);  // syssize
  put16(b, 0x1fa, 0xffff);  // vid_mode "normal"
  put16(b, 0x1fe, 0xAA55);
  put8(b, 0x200, 0xEB);  // jump
  put8(b, 0x201, f.header_len);
  put32(b, 0x202, 0x53726448);  // "HdrS"
  put16(b, 0x206, f.version);
  put8(b, 0x211, f.loadflags);
  put32(b, 0x22c, f.initrd_addr_max);
  put32(b, 0x230, f.kernel_alignment);
  put8(b, 0x234, f.relocatable);
  put16(b, 0x236, f.xloadflags);
  put32(b, 0x238, f.cmdline_size);
  put64(b, 0x250, 0xdead0000);  // setup_data: the loader must clear it
  put64(b, 0x258, f.pref_address);
  put32(b, 0x260, f.init_size);
  for (uint64_t i = 0; i < f.kernel_size; ++i)
    b[setup_size + i] = static_cast<uint8_t>(0x40 + i * 13);
  return b;
}

// A Multiboot v1 header at `offset` in `b`; `checksum_delta` != 0 makes the checksum wrong.
inline void put_multiboot_header(std::vector<uint8_t>& b, uint64_t offset, uint32_t flags,
                                 uint32_t checksum_delta = 0) {
  const uint32_t magic = 0x1BADB002;
  put32(b, offset, magic);
  put32(b, offset + 4, flags);
  put32(b, offset + 8, static_cast<uint32_t>(0u - magic - flags + checksum_delta));
}

}  // namespace svmm::test
