// A validating reader for little-endian x86 ELF32 / x86-64 ELF64 executables (loader internal).
// Field layouts follow the System V gABI ("Object Files", chapter 4) and the ELF-64 Object
// File Format 1.5. Only what loading needs is read: the file header, the program header table,
// and, to find notes, the section header table. Every failure rejects with a precise reason.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vmm/loader/bytes.h"

namespace svmm::loader {

// gABI constants used here.
inline constexpr uint32_t kPtLoad = 1;
inline constexpr uint32_t kPtNote = 4;
inline constexpr uint32_t kShtNote = 7;
inline constexpr uint16_t kEtExec = 2;
inline constexpr uint16_t kEm386 = 3;
inline constexpr uint16_t kEmX86_64 = 62;
inline constexpr uint8_t kElfClass32 = 1;
inline constexpr uint8_t kElfClass64 = 2;

struct ElfProgramHeader {
  uint32_t index = 0;  // position in the program header table
  uint32_t type = 0;
  uint32_t flags = 0;
  uint64_t offset = 0;
  uint64_t vaddr = 0;
  uint64_t paddr = 0;
  uint64_t filesz = 0;
  uint64_t memsz = 0;
  uint64_t align = 0;
};

struct ElfSectionHeader {
  uint32_t index = 0;
  uint32_t type = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t addralign = 0;
};

// One note (gABI "Note Section"): the owner is the name up to its first NUL.
struct ElfNote {
  std::string_view owner;
  uint32_t type = 0;
  std::span<const uint8_t> desc;
  uint64_t file_offset = 0;  // of the note header
};

[[nodiscard]] bool has_elf_magic(Bytes file);

struct ElfFile {
  bool is64 = false;
  uint16_t machine = 0;
  uint64_t entry = 0;  // e_entry (PVH ignores it: the entry is in a note)
  uint64_t shoff = 0;
  uint16_t shentsize = 0;
  uint16_t shnum = 0;
  std::vector<ElfProgramHeader> program_headers;
};

// Checks e_ident, class, data encoding, version, type (ET_EXEC), machine (EM_386 for ELF32,
// EM_X86_64 for ELF64), header sizes, and that the program header table lies in the file.
// Does not look at the segments' contents.
[[nodiscard]] ElfFile parse_elf(Bytes file);

// The section header table (empty when e_shnum is 0). Rejects a table outside the file or with
// a wrong entry size.
[[nodiscard]] std::vector<ElfSectionHeader> parse_section_headers(Bytes file, const ElfFile& elf);

// At most this many notes are examined in one file: a crafted file could otherwise make the
// PT_NOTE segments and SHT_NOTE sections point at the same large area thousands of times.
inline constexpr uint64_t kMaxNotes = 65536;

// Walks the notes of one note area [offset, offset + size) of the file, calling `visit` for
// each. `align` is the area's alignment (p_align / sh_addralign): name and descriptor are
// padded to 8 bytes when it is 8, else to 4 (as binutils readelf does; Xen's libelf always
// pads to 4). `where` names the area in messages. Rejects an area outside the file, a note
// running past the area's end, and more than kMaxNotes notes in all (`budget` counts them);
// fewer than 12 trailing bytes (padding) are ignored.
void visit_notes(Bytes file, uint64_t offset, uint64_t size, uint64_t align,
                 const std::string& where, uint64_t& budget,
                 const std::function<void(const ElfNote&)>& visit);

// The first note with this owner and type: PT_NOTE segments first, then (only when none
// matched) SHT_NOTE sections. nullopt when there is none. Every note area searched is checked
// whole, also past the match.
[[nodiscard]] std::optional<ElfNote> find_note(Bytes file, const ElfFile& elf,
                                               std::string_view owner, uint32_t type);

}  // namespace svmm::loader
