#include "vmm/loader/elf.h"

#include <fmt/format.h>

#include <algorithm>

#include "vmm/loader/reject.h"

namespace svmm::loader {
namespace {

// e_ident (gABI "ELF Identification").
constexpr uint64_t kEiNident = 16;
constexpr uint64_t kEiClass = 4;
constexpr uint64_t kEiData = 5;
constexpr uint64_t kEiVersion = 6;
constexpr uint8_t kElfData2Lsb = 1;
constexpr uint32_t kEvCurrent = 1;
constexpr uint16_t kPnXnum = 0xffff;

// Sizes of the file header, a program header and a section header.
constexpr uint64_t kEhdr32Size = 52, kEhdr64Size = 64;
constexpr uint64_t kPhdr32Size = 32, kPhdr64Size = 56;
constexpr uint64_t kShdr32Size = 40, kShdr64Size = 64;

constexpr uint64_t kNoteHeaderSize = 12;  // namesz, descsz, type: three Elf32_Word / Elf64_Word

}  // namespace

bool has_elf_magic(Bytes file) {
  return file.size() >= 4 && file[0] == 0x7f && file[1] == 'E' && file[2] == 'L' && file[3] == 'F';
}

ElfFile parse_elf(Bytes file) {
  if (!has_elf_magic(file)) reject("no ELF magic");
  if (file.size() < kEiNident)
    reject(fmt::format("ELF identification truncated: the file has {} bytes, e_ident needs {}",
                       file.size(), kEiNident));
  ElfFile elf;
  const uint8_t cls = file[kEiClass];
  if (cls != kElfClass32 && cls != kElfClass64)
    reject(fmt::format("unsupported ELF class {} (expected 1 for ELF32 or 2 for ELF64)", cls));
  elf.is64 = cls == kElfClass64;
  const char* name = elf.is64 ? "ELF64" : "ELF32";
  if (file[kEiData] != kElfData2Lsb)
    reject(
        fmt::format("ELF data encoding {} is not little-endian (ELFDATA2LSB = 1)", file[kEiData]));
  if (file[kEiVersion] != kEvCurrent)
    reject(fmt::format("ELF identification version {} is not EV_CURRENT (1)", file[kEiVersion]));

  const uint64_t ehsize = elf.is64 ? kEhdr64Size : kEhdr32Size;
  if (file.size() < ehsize)
    reject(fmt::format("{} header truncated: the file has {} bytes, the header needs {}", name,
                       file.size(), ehsize));

  // Offsets of the fields after e_ident differ between the classes from e_entry on.
  const uint16_t type = le16(file, 16);
  elf.machine = le16(file, 18);
  const uint32_t version = le32(file, 20);
  uint64_t phoff = 0;
  uint16_t e_ehsize = 0, phentsize = 0, phnum = 0;
  if (elf.is64) {
    elf.entry = le64(file, 24);
    phoff = le64(file, 32);
    elf.shoff = le64(file, 40);
    e_ehsize = le16(file, 52);
    phentsize = le16(file, 54);
    phnum = le16(file, 56);
    elf.shentsize = le16(file, 58);
    elf.shnum = le16(file, 60);
  } else {
    elf.entry = le32(file, 24);
    phoff = le32(file, 28);
    elf.shoff = le32(file, 32);
    e_ehsize = le16(file, 40);
    phentsize = le16(file, 42);
    phnum = le16(file, 44);
    elf.shentsize = le16(file, 46);
    elf.shnum = le16(file, 48);
  }

  if (type != kEtExec) reject(fmt::format("ELF type {} is not ET_EXEC (2)", type));
  if (elf.is64 && elf.machine != kEmX86_64)
    reject(fmt::format("ELF64 machine {} is not x86-64 (EM_X86_64 = 62)", elf.machine));
  if (!elf.is64 && elf.machine != kEm386)
    reject(fmt::format("ELF32 machine {} is not x86 (EM_386 = 3)", elf.machine));
  if (version != kEvCurrent) reject(fmt::format("ELF e_version {} is not EV_CURRENT (1)", version));
  if (e_ehsize != ehsize)
    reject(fmt::format("ELF e_ehsize {} does not match the {} header size {}", e_ehsize, name,
                       ehsize));

  // Program header table (gABI "Program Header"). PN_XNUM means the real count is in section
  // 0's sh_info; no x86 kernel needs that many segments.
  if (phnum == kPnXnum)
    reject("ELF e_phnum is PN_XNUM (extended program header numbering is not supported)");
  const uint64_t phdr_size = elf.is64 ? kPhdr64Size : kPhdr32Size;
  if (phnum == 0) return elf;
  if (phentsize != phdr_size)
    reject(fmt::format("ELF e_phentsize {} does not match the {} program header size {}", phentsize,
                       name, phdr_size));
  const uint64_t table_size = uint64_t{phnum} * phdr_size;  // < 2^22: cannot wrap
  if (!range_inside(phoff, table_size, file.size()))
    reject(fmt::format(
        "program header table ({} entries of {} bytes at offset {:#x}) extends beyond the end "
        "of the file ({} bytes)",
        phnum, phdr_size, phoff, file.size()));

  elf.program_headers.reserve(phnum);
  for (uint32_t i = 0; i < phnum; ++i) {
    const uint64_t p = phoff + i * phdr_size;
    ElfProgramHeader ph;
    ph.index = i;
    ph.type = le32(file, p);
    if (elf.is64) {
      ph.flags = le32(file, p + 4);
      ph.offset = le64(file, p + 8);
      ph.vaddr = le64(file, p + 16);
      ph.paddr = le64(file, p + 24);
      ph.filesz = le64(file, p + 32);
      ph.memsz = le64(file, p + 40);
      ph.align = le64(file, p + 48);
    } else {
      ph.offset = le32(file, p + 4);
      ph.vaddr = le32(file, p + 8);
      ph.paddr = le32(file, p + 12);
      ph.filesz = le32(file, p + 16);
      ph.memsz = le32(file, p + 20);
      ph.flags = le32(file, p + 24);
      ph.align = le32(file, p + 28);
    }
    elf.program_headers.push_back(ph);
  }
  return elf;
}

std::vector<ElfSectionHeader> parse_section_headers(Bytes file, const ElfFile& elf) {
  std::vector<ElfSectionHeader> out;
  // e_shnum 0 means no sections (or extended numbering, which we treat as none: sections only
  // serve to find notes not covered by a PT_NOTE segment).
  if (elf.shnum == 0) return out;
  const uint64_t shdr_size = elf.is64 ? kShdr64Size : kShdr32Size;
  if (elf.shentsize != shdr_size)
    reject(fmt::format("ELF e_shentsize {} does not match the {} section header size {}",
                       elf.shentsize, elf.is64 ? "ELF64" : "ELF32", shdr_size));
  const uint64_t table_size = uint64_t{elf.shnum} * shdr_size;  // < 2^22: cannot wrap
  if (!range_inside(elf.shoff, table_size, file.size()))
    reject(fmt::format(
        "section header table ({} entries of {} bytes at offset {:#x}) extends beyond the end "
        "of the file ({} bytes)",
        elf.shnum, shdr_size, elf.shoff, file.size()));
  out.reserve(elf.shnum);
  for (uint32_t i = 0; i < elf.shnum; ++i) {
    const uint64_t s = elf.shoff + i * shdr_size;
    ElfSectionHeader sh;
    sh.index = i;
    sh.type = le32(file, s + 4);
    if (elf.is64) {
      sh.offset = le64(file, s + 24);
      sh.size = le64(file, s + 32);
      sh.addralign = le64(file, s + 48);
    } else {
      sh.offset = le32(file, s + 16);
      sh.size = le32(file, s + 20);
      sh.addralign = le32(file, s + 32);
    }
    out.push_back(sh);
  }
  return out;
}

void visit_notes(Bytes file, uint64_t offset, uint64_t size, uint64_t align,
                 const std::string& where, uint64_t& budget,
                 const std::function<void(const ElfNote&)>& visit) {
  if (!range_inside(offset, size, file.size()))
    reject(fmt::format("{} [{:#x}, +{:#x}) extends beyond the end of the file ({} bytes)", where,
                       offset, size, file.size()));
  const uint64_t pad = align == 8 ? 8 : 4;
  const Bytes area = file.subspan(offset, size);
  // Positions are relative to the area's start: padding is relative to the note area.
  uint64_t pos = 0;
  while (area.size() - pos >= kNoteHeaderSize) {
    if (budget == 0) reject(fmt::format("ELF has more than {} notes", kMaxNotes));
    --budget;
    const uint64_t namesz = le32(area, pos);
    const uint64_t descsz = le32(area, pos + 4);
    const uint32_t type = le32(area, pos + 8);
    const uint64_t name_off = pos + kNoteHeaderSize;  // pos < area size: cannot wrap
    uint64_t name_end = 0, desc_off = 0, desc_end = 0, next = 0;
    const bool ok = checked_add(name_off, namesz, name_end) &&
                    checked_align_up(name_end, pad, desc_off) &&
                    checked_add(desc_off, descsz, desc_end) && desc_end <= area.size();
    if (!ok)
      reject(fmt::format(
          "{}: note at file offset {:#x} (namesz {}, descsz {}) runs past the end of the note "
          "area ({:#x} bytes)",
          where, offset + pos, namesz, descsz, area.size()));
    const auto name = area.subspan(name_off, namesz);
    const auto nul = std::find(name.begin(), name.end(), uint8_t{0});
    ElfNote note;
    note.owner = std::string_view(reinterpret_cast<const char*>(name.data()),
                                  static_cast<size_t>(nul - name.begin()));
    note.type = type;
    note.desc = area.subspan(desc_off, descsz);
    note.file_offset = offset + pos;
    visit(note);
    // The last note's trailing padding may be missing.
    if (!checked_align_up(desc_end, pad, next) || next >= area.size()) break;
    pos = next;
  }
}

std::optional<ElfNote> find_note(Bytes file, const ElfFile& elf, std::string_view owner,
                                 uint32_t type) {
  std::optional<ElfNote> found;
  uint64_t budget = kMaxNotes;
  const auto match = [&](const ElfNote& n) {
    if (!found && n.owner == owner && n.type == type) found = n;
  };
  for (const auto& ph : elf.program_headers) {
    if (ph.type != kPtNote) continue;
    visit_notes(file, ph.offset, ph.filesz, ph.align, fmt::format("PT_NOTE segment {}", ph.index),
                budget, match);
    if (found) return found;
  }
  for (const auto& sh : parse_section_headers(file, elf)) {
    if (sh.type != kShtNote) continue;
    visit_notes(file, sh.offset, sh.size, sh.addralign,
                fmt::format("SHT_NOTE section {}", sh.index), budget, match);
    if (found) return found;
  }
  return std::nullopt;
}

}  // namespace svmm::loader
