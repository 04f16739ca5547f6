#include "vmm/x86/vcpu_snapshot.h"

#include <fmt/format.h>

#include <cstring>

#include "vmm/kvm/kvm_error.h"
#include "vmm/kvm/vcpu_fd.h"

namespace svmm {

namespace {

constexpr uint32_t kMsrTsc = 0x10;
constexpr uint32_t kMsrMperf = 0xE7;
constexpr uint32_t kMsrAperf = 0xE8;
constexpr uint32_t kApicTimerCurrentCount = 0x390;

bool time_driven_msr(uint32_t index) {
  return index == kMsrTsc || index == kMsrMperf || index == kMsrAperf;
}

template <typename T>
bool same_bytes(const T& a, const T& b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

void diff_bytes(std::vector<std::string>& out, const char* name, const uint8_t* a,
                const uint8_t* b, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) {
      out.push_back(fmt::format("{}[+0x{:x}]", name, i));
      return;
    }
}

void diff_segment(std::vector<std::string>& out, const char* name, const kvm_segment& a,
                  const kvm_segment& b) {
  if (a.base != b.base || a.limit != b.limit || a.selector != b.selector || a.type != b.type ||
      a.present != b.present || a.dpl != b.dpl || a.db != b.db || a.s != b.s || a.l != b.l ||
      a.g != b.g || a.avl != b.avl || a.unusable != b.unusable)
    out.push_back(fmt::format("sregs.{}", name));
}

}  // namespace

std::vector<uint32_t> readable_msrs(const VcpuFd& vcpu, const std::vector<uint32_t>& candidates) {
  std::vector<uint32_t> ok;
  for (uint32_t index : candidates) {
    auto got = vcpu.get_msrs({index});
    if (got.size() == 1) ok.push_back(index);
  }
  return ok;
}

VcpuSnapshot take_snapshot(const VcpuFd& vcpu, const SnapshotOptions& options) {
  VcpuSnapshot s;
  s.regs = vcpu.get_regs();
  s.sregs = vcpu.get_sregs();
  s.xsave = vcpu.get_xsave(options.xsave_size);
  s.xcrs = vcpu.get_xcrs();
  s.debugregs = vcpu.get_debugregs();
  s.msrs = vcpu.get_msrs(options.msrs);
  if (s.msrs.size() != options.msrs.size())
    throw InternalError(fmt::format("KVM_GET_MSRS read {} of {} MSRs", s.msrs.size(),
                                    options.msrs.size()));
  s.lapic = vcpu.get_lapic();
  s.events = vcpu.get_vcpu_events();
  s.mp_state = vcpu.get_mp_state();
  return s;
}

std::vector<std::string> diff_snapshots(const VcpuSnapshot& a, const VcpuSnapshot& b,
                                        const DiffOptions& options) {
  std::vector<std::string> out;
#define SVMM_DIFF_REG(field)                                                   \
  if (a.regs.field != b.regs.field)                                            \
  out.push_back(fmt::format("regs." #field " (0x{:x} != 0x{:x})", a.regs.field, b.regs.field))
  if (!options.ignore_caller_rax_rip) {
    SVMM_DIFF_REG(rax);
    SVMM_DIFF_REG(rip);
  }
  SVMM_DIFF_REG(rbx);
  SVMM_DIFF_REG(rcx);
  SVMM_DIFF_REG(rdx);
  SVMM_DIFF_REG(rsi);
  SVMM_DIFF_REG(rdi);
  SVMM_DIFF_REG(rsp);
  SVMM_DIFF_REG(rbp);
  SVMM_DIFF_REG(r8);
  SVMM_DIFF_REG(r9);
  SVMM_DIFF_REG(r10);
  SVMM_DIFF_REG(r11);
  SVMM_DIFF_REG(r12);
  SVMM_DIFF_REG(r13);
  SVMM_DIFF_REG(r14);
  SVMM_DIFF_REG(r15);
  SVMM_DIFF_REG(rflags);
#undef SVMM_DIFF_REG

  const auto& sa = a.sregs;
  const auto& sb = b.sregs;
  diff_segment(out, "cs", sa.cs, sb.cs);
  diff_segment(out, "ds", sa.ds, sb.ds);
  diff_segment(out, "es", sa.es, sb.es);
  diff_segment(out, "fs", sa.fs, sb.fs);
  diff_segment(out, "gs", sa.gs, sb.gs);
  diff_segment(out, "ss", sa.ss, sb.ss);
  diff_segment(out, "tr", sa.tr, sb.tr);
  diff_segment(out, "ldt", sa.ldt, sb.ldt);
  if (sa.gdt.base != sb.gdt.base || sa.gdt.limit != sb.gdt.limit) out.push_back("sregs.gdt");
  if (sa.idt.base != sb.idt.base || sa.idt.limit != sb.idt.limit) out.push_back("sregs.idt");
#define SVMM_DIFF_SREG(field) \
  if (sa.field != sb.field)   \
  out.push_back(fmt::format("sregs." #field " (0x{:x} != 0x{:x})", sa.field, sb.field))
  SVMM_DIFF_SREG(cr0);
  SVMM_DIFF_SREG(cr2);
  SVMM_DIFF_SREG(cr3);
  SVMM_DIFF_SREG(cr4);
  SVMM_DIFF_SREG(cr8);
  SVMM_DIFF_SREG(efer);
  SVMM_DIFF_SREG(apic_base);
#undef SVMM_DIFF_SREG
  if (std::memcmp(sa.interrupt_bitmap, sb.interrupt_bitmap, sizeof sa.interrupt_bitmap) != 0)
    out.push_back("sregs.interrupt_bitmap");

  if (a.xsave.size() != b.xsave.size())
    out.push_back("xsave (size)");
  else
    diff_bytes(out, "xsave", a.xsave.data(), b.xsave.data(), a.xsave.size());
  if (!same_bytes(a.xcrs, b.xcrs)) out.push_back("xcrs");
  if (!same_bytes(a.debugregs, b.debugregs)) {
    for (int i = 0; i < 4; ++i)
      if (a.debugregs.db[i] != b.debugregs.db[i]) out.push_back(fmt::format("debugregs.dr{}", i));
    if (a.debugregs.dr6 != b.debugregs.dr6) out.push_back("debugregs.dr6");
    if (a.debugregs.dr7 != b.debugregs.dr7) out.push_back("debugregs.dr7");
    if (a.debugregs.flags != b.debugregs.flags) out.push_back("debugregs.flags");
  }

  if (a.msrs.size() != b.msrs.size()) {
    out.push_back("msrs (count)");
  } else {
    for (size_t i = 0; i < a.msrs.size(); ++i) {
      if (a.msrs[i].index != b.msrs[i].index) {
        out.push_back("msrs (order)");
        break;
      }
      if (!time_driven_msr(a.msrs[i].index) && a.msrs[i].data != b.msrs[i].data)
        out.push_back(fmt::format("msr[0x{:x}] (0x{:x} != 0x{:x})", a.msrs[i].index,
                                  a.msrs[i].data, b.msrs[i].data));
    }
  }

  for (size_t off = 0; off < sizeof(a.lapic.regs); off += 16) {
    if (off == kApicTimerCurrentCount) continue;
    if (std::memcmp(a.lapic.regs + off, b.lapic.regs + off, 16) != 0)
      out.push_back(fmt::format("lapic[0x{:03x}]", off));
  }
  if (!same_bytes(a.events, b.events)) out.push_back("vcpu_events");
  if (a.mp_state.mp_state != b.mp_state.mp_state) out.push_back("mp_state");
  return out;
}

}  // namespace svmm
