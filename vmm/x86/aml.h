// A tiny encoder for the ACPI Machine Language (ACPI 6.5 chapter 20): just what svmm's DSDT
// needs (named objects holding packages of integers), so that the DSDT is generated in code
// and the build needs no ASL compiler. Pure: bytes in, bytes out.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace svmm::aml {

using Bytes = std::vector<uint8_t>;

// AML opcodes and prefixes used here (ACPI 6.5 section 20.3).
inline constexpr uint8_t kZeroOp = 0x00;
inline constexpr uint8_t kOneOp = 0x01;
inline constexpr uint8_t kNameOp = 0x08;
inline constexpr uint8_t kBytePrefix = 0x0A;
inline constexpr uint8_t kWordPrefix = 0x0B;
inline constexpr uint8_t kDWordPrefix = 0x0C;
inline constexpr uint8_t kQWordPrefix = 0x0E;
inline constexpr uint8_t kPackageOp = 0x12;
inline constexpr uint8_t kDualNamePrefix = 0x2E;
inline constexpr uint8_t kMultiNamePrefix = 0x2F;
inline constexpr uint8_t kRootChar = 0x5C;  // '\'

// The shortest encoding of `value`: ZeroOp, OneOp, or a Byte/Word/DWord/QWord constant.
[[nodiscard]] Bytes integer(uint64_t value);
// PkgLength for `body_size` bytes following it: the encoded length counts its own bytes
// (1 to 4). Throws InternalError past 2^28 - 1.
[[nodiscard]] Bytes pkg_length(size_t body_size);
// A NameString: an optional leading '\' then NameSegs separated by '.'. Each segment is 1-4
// characters, the first in [A-Z_], the others in [A-Z0-9_]; a short segment is padded with '_'
// as ASL does. Throws InternalError otherwise.
[[nodiscard]] Bytes name_string(std::string_view path);
// DefPackage of already-encoded data objects (at most 255).
[[nodiscard]] Bytes package(const std::vector<Bytes>& elements);
// DefName: Name(path, object).
[[nodiscard]] Bytes name(std::string_view path, const Bytes& object);

}  // namespace svmm::aml
