#include "chipset/token/token_window.h"

#include <algorithm>

#include "protocol/chipset.h"

namespace svmm {

namespace {

// Bytes from `offset` up to the end of its locality window (at least 1).
std::size_t piece_length(uint64_t offset, std::size_t left) {
  const uint64_t end = (offset / Ich::kLocalityStride + 1) * Ich::kLocalityStride;
  return static_cast<std::size_t>(std::min<uint64_t>(left, end - offset));
}

}  // namespace

TokenWindow::TokenWindow(Ich& ich, const ConfigSpace& chipset, std::shared_ptr<TisInterface> tis)
    : ich_(ich), chipset_(chipset), tis_(std::move(tis)) {
  open_.store(open_localities());
}

uint8_t TokenWindow::open_localities() const {
  // ICH.TOKEN-STS bits 8 + n (chipset.md section 2); only localities 1 and 2 ever close.
  const uint64_t sts = chipset_.read_register(SVMM_CS_ICH_TOKEN_STS);
  return static_cast<uint8_t>((sts >> SVMM_TOKEN_STS_LOCALITY_SHIFT) & 0x6u);
}

void TokenWindow::reset_closed_localities() {
  const uint8_t now = open_localities();
  const uint8_t before = open_.exchange(now);
  const uint8_t closed = static_cast<uint8_t>(before & ~now);
  for (unsigned l = 1; l <= 2; ++l)
    if (closed & (1u << l)) tis_->reset_locality(l);
}

void TokenWindow::read(uint64_t offset, std::span<uint8_t> data, const Requester& who) {
  for (std::size_t i = 0; i < data.size();) {
    const std::size_t n = piece_length(offset + i, data.size() - i);
    auto piece = data.subspan(i, n);
    const TokenRoute route = ich_.route_token_access(offset + i, n, false, who);
    if (route.forward) {
      reset_closed_localities();
      tis_->read(offset + i, piece);
    } else {
      std::fill(piece.begin(), piece.end(), route.fill);
    }
    i += n;
  }
}

void TokenWindow::write(uint64_t offset, std::span<const uint8_t> data, const Requester& who) {
  for (std::size_t i = 0; i < data.size();) {
    const std::size_t n = piece_length(offset + i, data.size() - i);
    const TokenRoute route = ich_.route_token_access(offset + i, n, true, who);
    if (route.forward) {
      reset_closed_localities();
      tis_->write(offset + i, data.subspan(i, n));
    }
    i += n;
  }
}

}  // namespace svmm
