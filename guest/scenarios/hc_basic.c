/* hc-basic [vms=N] [fuse=0]: the hypercall ABI in normal mode (spec/guest-abi.md section 5),
 * every call through both transports (port and bank) with identical results required. */
#include <stdint.h>

#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/report.h"
#include "kernel/svmm.h"
#include "protocol/memory_map.h"
#include "scenarios/scenarios.h"
#include "scenarios/secure.h"

#define RAX_CANARY 0x5AFEC0DE12345678ull

/* A byte or word OUT leaves RAX alone (it is no hypercall). */
static void check_narrow_out(unsigned width, uint16_t port) {
  uint64_t rax = (RAX_CANARY & ~0xFFFFFFFFull) | SVMM_HC_VERSION;
  if (width == 1)
    __asm__ volatile("outb %%al, %%dx" : "+a"(rax) : "d"(port), "b"(0ull), "c"(0ull) : "memory");
  else
    __asm__ volatile("outw %%ax, %%dx" : "+a"(rax) : "d"(port), "b"(0ull), "c"(0ull) : "memory");
  const uint64_t want = (RAX_CANARY & ~0xFFFFFFFFull) | SVMM_HC_VERSION;
  kprintf("hc-basic: %u-byte OUT to 0x%x: RAX 0x%lx afterwards\n", width, port, rax);
  if (rax != want) test_fail("%u-byte OUT to 0x%x changed RAX to 0x%lx", width, port, rax);
}

static void check_in(uint16_t port) {
  const uint32_t b = inb(port), w = inw(port), l = inl(port);
  kprintf("hc-basic: IN from 0x%x reads 0x%x 0x%x 0x%x\n", port, b, w, l);
  if (b != 0xFF || w != 0xFFFF || l != 0xFFFFFFFFu)
    test_fail("IN from 0x%x reads 0x%x/0x%x/0x%x, expected all ones", port, b, w, l);
}

void scenario_hc_basic(void) {
  struct secure_cfg cfg;
  secure_cfg_parse(&cfg, 0);
  const bool fuse = cmdline_u64("fuse", 1) != 0;
  const struct whoami* me = whoami();
  kprintf("hc-basic: CPUID says svmm=%d trusted=%d vm_index=%u features=0x%x; vms=%u fuse=%s\n",
          me->svmm, me->trusted, me->vm_index, me->features, cfg.vms, fuse ? "enabled" : "disabled");

  hc_both("version", SVMM_HC_VERSION, 0, 0, 0, 0, SVMM_HC_VERSION_VALUE);
  hc_both("state", SVMM_HC_STATE, 0, 0, 0, 0, 0);
  /* Arguments are ignored by VERSION, however odd. */
  hc_both("version with arguments", SVMM_HC_VERSION, ~0ull, 1, 2, 3, SVMM_HC_VERSION_VALUE);
  hc_both("unknown function", 0x53564DFFu, 0, 0, 0, 0, -SVMM_ENOSYS);
  hc_both("unknown function", 0x12345678u, 0, 0, 0, 0, -SVMM_ENOSYS);
  hc_both("unknown function", 0u, 0, 0, 0, 0, -SVMM_ENOSYS);

  /* TRUSTED_EXIT from the guest OS: refused, and each refusal is an aborted access (reason 7). */
  const uint64_t aborts = cs_abort_count();
  hc_both("trusted exit from the guest OS", SVMM_HC_TRUSTED_EXIT, 0, 0, 0, 0, -SVMM_EPERM);
  cs_abort_print("hc-basic", cs_pub(SVMM_CS_LAST_ABORT));
  cs_expect_aborts("refused TRUSTED_EXIT (port + bank)", aborts, 2);
  cs_expect_last_abort("refused TRUSTED_EXIT", SVMM_HC_TRUSTED_EXIT, false, true, true, 0, 0, 0);

  hc_both("teardown in normal mode", SVMM_HC_TEARDOWN, 0, 0, 0, 0, -SVMM_EINVAL);
  hc_both("teardown in normal mode with a report", SVMM_HC_TEARDOWN,
          (uint64_t)(uintptr_t)&secure_report, 0, 0, 0, -SVMM_EINVAL);
  hc_both("teardown in normal mode, flags 1", SVMM_HC_TEARDOWN, 0, 1, 0, 0, -SVMM_EINVAL);
  hc_both("teardown in normal mode, flags 1 << 63", SVMM_HC_TEARDOWN, 0, 1ull << 63, 0, 0, -SVMM_EINVAL);

  for (uint16_t port = SVMM_PORT_HYPERCALL; port < SVMM_PORT_HYPERCALL + SVMM_PORT_HYPERCALL_LEN;
       ++port) {
    check_narrow_out(1, port);
    check_narrow_out(2, port);
    check_in(port);
  }
  hc_both("state after narrow OUTs", SVMM_HC_STATE, 0, 0, 0, 0, 0);

  /* SECURE_LAUNCH of VMs that do not exist. Arguments are compared as 64-bit values: an index
   * with high bits set is not index 0 nor "all". Last, in case svmm launches by mistake. */
  const int64_t missing = fuse ? -SVMM_ENOENT : -SVMM_EPERM;
  hc_both("launch of a VM index that does not exist", SVMM_HC_SECURE_LAUNCH, cfg.vms, 0, 0, 0, missing);
  hc_both("launch of index 2^32", SVMM_HC_SECURE_LAUNCH, 1ull << 32, 0, 0, 0, missing);
  hc_both("launch of index 2^32 + 0xFFFFFFFF", SVMM_HC_SECURE_LAUNCH, 0x1FFFFFFFFull, 0, 0, 0, missing);
  hc_both("launch of index 0x1000", SVMM_HC_SECURE_LAUNCH, 0x1000, 0, 0, 0, missing);
  if (cfg.vms == 0) {
    hc_both("launch of all with none configured", SVMM_HC_SECURE_LAUNCH, SVMM_HC_LAUNCH_ALL, 0, 0,
            0, missing);
    hc_both("launch of index 0 with none configured", SVMM_HC_SECURE_LAUNCH, 0, 0, 0, 0, missing);
  } else if (!fuse) {
    hc_both("launch with the fuse disabled", SVMM_HC_SECURE_LAUNCH, SVMM_HC_LAUNCH_ALL, 0, 0, 0,
            -SVMM_EPERM);
  }
  hc_both("state at the end", SVMM_HC_STATE, 0, 0, 0, 0, 0);
  if (cs_pub(SVMM_CS_STATE) != 0) test_fail("SVMM.STATE is %lu at the end", cs_pub(SVMM_CS_STATE));
}
