#include "vmm/x86/aml.h"

#include "vmm/util/error.h"

namespace svmm::aml {

namespace {

void append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

void append_le(Bytes& out, uint64_t value, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

bool lead_char(char c) { return (c >= 'A' && c <= 'Z') || c == '_'; }
bool name_char(char c) { return lead_char(c) || (c >= '0' && c <= '9'); }

}  // namespace

Bytes integer(uint64_t value) {
  Bytes out;
  if (value == 0) {
    out.push_back(kZeroOp);
  } else if (value == 1) {
    out.push_back(kOneOp);
  } else if (value <= 0xFF) {
    out.push_back(kBytePrefix);
    append_le(out, value, 1);
  } else if (value <= 0xFFFF) {
    out.push_back(kWordPrefix);
    append_le(out, value, 2);
  } else if (value <= 0xFFFFFFFF) {
    out.push_back(kDWordPrefix);
    append_le(out, value, 4);
  } else {
    out.push_back(kQWordPrefix);
    append_le(out, value, 8);
  }
  return out;
}

Bytes pkg_length(size_t body_size) {
  // Section 20.2.4: one byte holds up to 63; otherwise bits 7-6 of the lead byte give the
  // number of following bytes, its bits 3-0 the low nibble, the following bytes the rest.
  if (body_size + 1 <= 0x3F) return {static_cast<uint8_t>(body_size + 1)};
  for (unsigned extra = 1; extra <= 3; ++extra) {
    const uint64_t total = body_size + 1 + extra;
    if (total < (1ull << (4 + 8 * extra))) {
      Bytes out{static_cast<uint8_t>((extra << 6) | (total & 0x0F))};
      append_le(out, total >> 4, extra);
      return out;
    }
  }
  throw InternalError("AML package too long: " + std::to_string(body_size) + " bytes");
}

Bytes name_string(std::string_view path) {
  Bytes out;
  if (!path.empty() && path.front() == '\\') {
    out.push_back(kRootChar);
    path.remove_prefix(1);
  }
  std::vector<std::string_view> segs;
  while (true) {
    const size_t dot = path.find('.');
    segs.push_back(path.substr(0, dot));
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  if (segs.size() > 255) throw InternalError("AML name has more than 255 segments");
  if (segs.size() == 2) out.push_back(kDualNamePrefix);
  if (segs.size() > 2) {
    out.push_back(kMultiNamePrefix);
    out.push_back(static_cast<uint8_t>(segs.size()));
  }
  for (const auto seg : segs) {
    bool ok = !seg.empty() && seg.size() <= 4 && lead_char(seg[0]);
    for (size_t i = 1; ok && i < seg.size(); ++i) ok = name_char(seg[i]);
    if (!ok) throw InternalError("bad AML name segment '" + std::string(seg) + "'");
    for (size_t i = 0; i < 4; ++i)
      out.push_back(static_cast<uint8_t>(i < seg.size() ? seg[i] : '_'));
  }
  return out;
}

Bytes package(const std::vector<Bytes>& elements) {
  if (elements.size() > 255) throw InternalError("AML package has more than 255 elements");
  Bytes body{static_cast<uint8_t>(elements.size())};
  for (const auto& e : elements) append(body, e);
  Bytes out{kPackageOp};
  append(out, pkg_length(body.size()));
  append(out, body);
  return out;
}

Bytes name(std::string_view path, const Bytes& object) {
  Bytes out{kNameOp};
  append(out, name_string(path));
  append(out, object);
  return out;
}

}  // namespace svmm::aml
