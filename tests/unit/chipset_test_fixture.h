// The fixture the chipset unit tests share: one ConfigSpace built as the machine builds it for
// a 256 MiB guest OS, the host double recording what the chipset asks of it, the usual
// requesters and a few readers of the chipset's own registers.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>

#include "chipset/config_space.h"
#include "protocol/chipset.h"
#include "tests/unit/chipset_fakes.h"

namespace svmm::fakes {

inline constexpr ChipsetWindow kPriv = ChipsetWindow::Private;
inline constexpr ChipsetWindow kPub = ChipsetWindow::Public;
inline constexpr Requester kMonitor = Requester::monitor();
inline constexpr Requester kGuest = Requester::guest_os(0);

// `Base` is ::testing::Test or ::testing::TestWithParam<...>.
template <class Base = ::testing::Test>
class ChipsetFixture : public Base {
 protected:
  explicit ChipsetFixture(ChipsetOptions options = chipset_options()) : cs_(options, host_) {}

  // A register's value as the chipset holds it (no requester, no abort).
  uint64_t reg(uint32_t offset) { return cs_.read_register(offset); }
  uint64_t aborts() { return reg(SVMM_CS_ABORT_COUNT); }
  // The reason of the last abort the host was told about, 0 if none.
  uint32_t last_reason() {
    const auto a = host_.aborts();
    return a.empty() ? 0 : a.back().record.reason;
  }

  RecordingChipsetHost host_;
  ConfigSpace cs_;
};

}  // namespace svmm::fakes
