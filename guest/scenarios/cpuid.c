/* cpuid: svmm's leaves (spec/guest-abi.md section 4), read at CPL 0 where svmm answers them,
 * and KVM's signature at 0x40000000. */
#include "protocol/cpuid.h"

#include <stdint.h>

#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/report.h"
#include "kernel/x86.h"
#include "protocol/ports.h"
#include "scenarios/scenarios.h"

/* "KVMKVMKVM\0\0\0" as EBX, ECX, EDX. */
#define KVM_SIGNATURE_EBX 0x4B4D564Bu
#define KVM_SIGNATURE_ECX 0x564B4D56u
#define KVM_SIGNATURE_EDX 0x0000004Du

static void show(uint32_t leaf, struct cpuid_regs r) {
  kprintf("cpuid: 0x%08x eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x\n", leaf, r.eax, r.ebx, r.ecx,
          r.edx);
}

void scenario_cpuid(void) {
  /* vm=N: the VM index expected in leaf 0x40000101 EDX (0 for the guest OS). */
  const uint64_t vm_index = cmdline_u64("vm", 0);

  struct cpuid_regs kvm = cpuid(SVMM_CPUID_KVM_BASE, 0);
  struct cpuid_regs base = cpuid(SVMM_CPUID_BASE, 0);
  struct cpuid_regs info = cpuid(SVMM_CPUID_INFO, 0);
  show(SVMM_CPUID_KVM_BASE, kvm);
  show(SVMM_CPUID_BASE, base);
  show(SVMM_CPUID_INFO, info);

  if (kvm.ebx != KVM_SIGNATURE_EBX || kvm.ecx != KVM_SIGNATURE_ECX || kvm.edx != KVM_SIGNATURE_EDX)
    test_fail("leaf 0x%x signature is not KVMKVMKVM", SVMM_CPUID_KVM_BASE);
  if (base.eax != SVMM_CPUID_MAX_LEAF)
    test_fail("leaf 0x%x eax=0x%x, expected 0x%x", SVMM_CPUID_BASE, base.eax, SVMM_CPUID_MAX_LEAF);
  if (base.ebx != SVMM_CPUID_SIGNATURE || base.ecx != SVMM_CPUID_SIGNATURE ||
      base.edx != SVMM_CPUID_SIGNATURE)
    test_fail("leaf 0x%x signature is not SVMMSVMMSVMM", SVMM_CPUID_BASE);
  if (info.eax != SVMM_ABI_VERSION)
    test_fail("leaf 0x%x eax=%u, expected ABI version %u", SVMM_CPUID_INFO, info.eax,
              SVMM_ABI_VERSION);
  if (info.ecx != SVMM_PORT_HYPERCALL)
    test_fail("leaf 0x%x ecx=0x%x, expected hypercall port 0x%x", SVMM_CPUID_INFO, info.ecx,
              SVMM_PORT_HYPERCALL);
  if (info.edx != vm_index)
    test_fail("leaf 0x%x edx=%u, expected VM index %lu", SVMM_CPUID_INFO, info.edx, vm_index);
  kprintf("cpuid: features%s%s%s%s\n",
          info.ebx & SVMM_CPUID_FEATURE_HYPERCALL_PORT ? " hypercall-port" : "",
          info.ebx & SVMM_CPUID_FEATURE_CHIPSET ? " chipset" : "",
          info.ebx & SVMM_CPUID_FEATURE_TOKEN ? " token" : "",
          info.ebx & SVMM_CPUID_FEATURE_TRUSTED_VM ? " trusted-vm" : "");
}
