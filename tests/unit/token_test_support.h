// Test doubles and drivers for the token tests and the TIS fuzz target (no gtest here):
// - FakeTpm: a TpmBackend that records each command and answers with a response built from it;
// - TisDriver: a C++ rendering of what Linux's drivers/char/tpm/tpm_tis_core.c does with
//   interrupts off (request_locality / check_locality, tpm_tis_send_data with one byte per
//   FIFO write and stsValid/Expect checked after every burst, tpmGo, tpm_tis_try_recv with the
//   header first and the left-over check, responseRetry on -EIO, tpm_tis_ready, relinquish),
//   over any register port (the TIS directly, or the token window with a requester).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

#include "chipset/token/tpm_backend.h"
#include "protocol/token.h"

namespace svmm::fakes {

class FakeTpm final : public TpmBackend {
 public:
  struct Call {
    unsigned locality;
    std::vector<uint8_t> command;
  };
  // The response to `command`: tag 0x8001, size, TPM_RC_SUCCESS, then `extra` bytes i & 0xFF
  // (extra = response_extra, or when negative the command's length).
  int response_extra = -1;

  std::size_t execute(unsigned locality, std::span<const uint8_t> command,
                      std::span<uint8_t> response) override {
    std::vector<uint8_t> cmd(command.begin(), command.end());  // may alias `response`
    std::lock_guard lock(mutex_);
    calls_.push_back({locality, cmd});
    const std::size_t extra =
        response_extra >= 0 ? static_cast<std::size_t>(response_extra) : cmd.size();
    std::vector<uint8_t> r = {0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0};
    for (std::size_t i = 0; i < extra; ++i) r.push_back(static_cast<uint8_t>(i));
    const auto n = static_cast<uint32_t>(r.size());
    for (int i = 0; i < 4; ++i) r[2 + i] = static_cast<uint8_t>(n >> (24 - 8 * i));
    const std::size_t len = std::min(r.size(), response.size());
    std::copy_n(r.begin(), len, response.begin());
    return len;
  }
  bool established() override { return established_; }
  void reset_established(unsigned locality) override {
    std::lock_guard lock(mutex_);
    resets_.push_back(locality);
    established_ = false;
  }

  [[nodiscard]] std::vector<Call> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  [[nodiscard]] std::vector<unsigned> resets() const {
    std::lock_guard lock(mutex_);
    return resets_;
  }
  bool established_ = false;

 private:
  mutable std::mutex mutex_;
  std::vector<Call> calls_;
  std::vector<unsigned> resets_;
};

// The registers as a driver reaches them: byte-exact reads and writes at window offsets.
struct TisPort {
  std::function<void(uint64_t, std::span<uint8_t>)> read;
  std::function<void(uint64_t, std::span<const uint8_t>)> write;
};

class TisDriver {
 public:
  enum Error {
    kLocality = -1,
    kTimeout = -2,
    kExpect = -3,
    kSize = -4,
    kLeftover = -5,
    kBurst = -6
  };
  struct Result {
    int error = 0;  // 0 or an Error
    std::vector<uint8_t> response;
  };

  explicit TisDriver(TisPort port) : port_(std::move(port)) {}

  uint8_t read8(unsigned l, uint32_t reg) {
    uint8_t b[1];
    port_.read(at(l, reg), b);
    ++accesses;
    return b[0];
  }
  uint32_t read32(unsigned l, uint32_t reg) {
    uint8_t b[4];
    port_.read(at(l, reg), b);
    ++accesses;
    return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
  }
  void write8(unsigned l, uint32_t reg, uint8_t v) {
    const uint8_t b[1] = {v};
    port_.write(at(l, reg), b);
    ++accesses;
  }
  void write32(unsigned l, uint32_t reg, uint32_t v) {
    const uint8_t b[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                          static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
    port_.write(at(l, reg), b);
    ++accesses;
  }

  // tpm_tis_status(): 0 when a must-be-zero bit is set.
  uint8_t status(unsigned l) {
    const uint8_t s = read8(l, SVMM_TIS_STS);
    return (s & SVMM_TIS_STS_READ_ZERO) ? 0 : s;
  }
  bool check_locality(unsigned l) {
    const uint8_t a = read8(l, SVMM_TIS_ACCESS);
    constexpr uint8_t mask = SVMM_TIS_ACCESS_ACTIVE_LOCALITY | SVMM_TIS_ACCESS_REG_VALID_STS |
                             SVMM_TIS_ACCESS_REQUEST_USE;
    return (a & mask) == (SVMM_TIS_ACCESS_ACTIVE_LOCALITY | SVMM_TIS_ACCESS_REG_VALID_STS);
  }
  int request_locality(unsigned l) {
    if (check_locality(l)) return 0;
    write8(l, SVMM_TIS_ACCESS, SVMM_TIS_ACCESS_REQUEST_USE);
    for (int i = 0; i < kPolls; ++i)
      if (check_locality(l)) return 0;
    return kLocality;
  }
  void relinquish(unsigned l) { write8(l, SVMM_TIS_ACCESS, SVMM_TIS_ACCESS_ACTIVE_LOCALITY); }
  void ready(unsigned l) { write8(l, SVMM_TIS_STS, SVMM_TIS_STS_COMMAND_READY); }

  int send(unsigned l, std::span<const uint8_t> cmd) {
    if (cmd.empty()) return kSize;
    if (!(status(l) & SVMM_TIS_STS_COMMAND_READY)) {
      ready(l);
      if (!wait(l, SVMM_TIS_STS_COMMAND_READY)) return kTimeout;
    }
    std::size_t count = 0;
    while (count + 1 < cmd.size()) {
      int burst = burstcount(l);
      if (burst < 0) return burst;
      burst = static_cast<int>(
          std::min<std::size_t>(static_cast<std::size_t>(burst), cmd.size() - count - 1));
      for (int i = 0; i < burst; ++i) write8(l, SVMM_TIS_DATA_FIFO, cmd[count++]);
      ++bursts;
      if (!wait(l, SVMM_TIS_STS_VALID)) return kTimeout;
      if (!(status(l) & SVMM_TIS_STS_EXPECT)) return kExpect;
    }
    write8(l, SVMM_TIS_DATA_FIFO, cmd[count]);
    if (!wait(l, SVMM_TIS_STS_VALID)) return kTimeout;
    if (status(l) & SVMM_TIS_STS_EXPECT) return kExpect;
    return 0;
  }
  void go(unsigned l) { write8(l, SVMM_TIS_STS, SVMM_TIS_STS_GO); }

  Result recv(unsigned l, std::size_t cap = SVMM_TIS_BUFFER_SIZE) {
    Result r;
    for (int t = 0; t < 3; ++t) {
      r = try_recv(l, cap);
      if (r.error != kSize && r.error != kLeftover) break;
      write8(l, SVMM_TIS_STS, SVMM_TIS_STS_RESPONSE_RETRY);
    }
    ready(l);
    return r;
  }

  // request_locality, send, tpmGo, recv, relinquish.
  Result transmit(unsigned l, std::span<const uint8_t> cmd, bool keep_locality = false) {
    Result r;
    if ((r.error = request_locality(l)) != 0) return r;
    if ((r.error = send(l, cmd)) != 0) {
      ready(l);
    } else {
      go(l);
      r = recv(l);
    }
    if (!keep_locality) relinquish(l);
    return r;
  }

  uint64_t accesses = 0;
  uint64_t bursts = 0;

 private:
  static constexpr int kPolls = 100;
  static uint64_t at(unsigned l, uint32_t reg) {
    return uint64_t{l} * SVMM_TOKEN_LOCALITY_STRIDE + reg;
  }

  bool wait(unsigned l, uint8_t mask) {
    for (int i = 0; i < kPolls; ++i)
      if ((status(l) & mask) == mask) return true;
    return false;
  }
  int burstcount(unsigned l) {
    for (int i = 0; i < kPolls; ++i) {
      const int b = static_cast<int>((read32(l, SVMM_TIS_STS) >> 8) & 0xFFFF);
      if (b) return b;
    }
    return kBurst;
  }
  Result try_recv(unsigned l, std::size_t cap) {
    Result r;
    std::vector<uint8_t> buf;
    if (int e = recv_data(l, buf, 10); e < 0) return {e, {}};
    const uint32_t expected =
        uint32_t{buf[2]} << 24 | uint32_t{buf[3]} << 16 | uint32_t{buf[4]} << 8 | buf[5];
    if (expected > cap || expected < 10) return {kSize, {}};
    if (int e = recv_data(l, buf, expected - 10); e < 0) return {e, {}};
    if (!wait(l, SVMM_TIS_STS_VALID)) return {kTimeout, {}};
    if (status(l) & SVMM_TIS_STS_DATA_AVAIL) return {kLeftover, {}};
    r.response = std::move(buf);
    return r;
  }
  int recv_data(unsigned l, std::vector<uint8_t>& buf, std::size_t count) {
    std::size_t size = 0;
    while (size < count) {
      if (!wait(l, SVMM_TIS_STS_DATA_AVAIL | SVMM_TIS_STS_VALID)) return kTimeout;
      int burst = burstcount(l);
      if (burst < 0) return burst;
      burst =
          static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(burst), count - size));
      for (int i = 0; i < burst; ++i) buf.push_back(read8(l, SVMM_TIS_DATA_FIFO));
      size += static_cast<std::size_t>(burst);
    }
    return 0;
  }

  TisPort port_;
};

}  // namespace svmm::fakes
