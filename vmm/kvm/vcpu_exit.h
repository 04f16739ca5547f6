// The typed result of one KVM_RUN, in the manner of kvm-ioctls' `VcpuExit`. Data spans borrow
// from the vCPU's mmapped kvm_run page and are valid until the next run() of that vCPU.
#pragma once

#include <cstdint>
#include <span>
#include <variant>

namespace svmm::exit {

struct IoIn {  // the device fills `data` (size * count bytes; count > 1 for string I/O)
  uint16_t port;
  uint32_t size;
  uint32_t count;
  std::span<uint8_t> data;
};
struct IoOut {
  uint16_t port;
  uint32_t size;
  uint32_t count;
  std::span<const uint8_t> data;
};
struct MmioRead {  // the device fills `data`
  uint64_t addr;
  std::span<uint8_t> data;
};
struct MmioWrite {
  uint64_t addr;
  std::span<const uint8_t> data;
};
struct Hlt {};
struct Shutdown {};  // triple fault
struct InternalError {
  uint32_t suberror;
};
struct FailEntry {
  uint64_t reason;
};
struct SystemEvent {
  uint32_t type;  // KVM_SYSTEM_EVENT_*
};
struct Interrupted {};  // a signal or immediate_exit: no guest instruction ran since
struct Unknown {
  uint32_t reason;  // KVM_EXIT_*
};

}  // namespace svmm::exit

namespace svmm {

using VcpuExit = std::variant<exit::IoIn, exit::IoOut, exit::MmioRead, exit::MmioWrite, exit::Hlt,
                              exit::Shutdown, exit::InternalError, exit::FailEntry,
                              exit::SystemEvent, exit::Interrupted, exit::Unknown>;

// "KVM_EXIT_IO" etc. for messages.
const char* kvm_exit_reason_name(uint32_t reason);

}  // namespace svmm
