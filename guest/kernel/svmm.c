#include "kernel/svmm.h"

#include "guest/test_abi.h"
#include "kernel/console.h"
#include "kernel/idle.h"
#include "kernel/report.h"
#include "kernel/timer.h"
#include "protocol/cpuid.h"

/* ---- Hypercalls ---- */

int64_t hc_call(enum hc_transport t, uint32_t fn, uint64_t a0, uint64_t a1, uint64_t a2,
                uint64_t a3) {
  return t == HC_PORT ? hc_port(fn, a0, a1, a2, a3) : hc_bank(fn, a0, a1, a2, a3);
}

const char* hc_transport_name(enum hc_transport t) { return t == HC_PORT ? "port" : "bank"; }

const char* hc_name(uint32_t fn) {
  static char buf[16];
  switch (fn) {
    case SVMM_HC_VERSION: return "VERSION";
    case SVMM_HC_STATE: return "STATE";
    case SVMM_HC_SECURE_LAUNCH: return "SECURE_LAUNCH";
    case SVMM_HC_TEARDOWN: return "TEARDOWN";
    case SVMM_HC_TRUSTED_EXIT: return "TRUSTED_EXIT";
    default: break;
  }
  snprintf_k(buf, sizeof buf, "0x%x", fn);
  return buf;
}

const char* hc_result_name(int64_t r) {
  static char buf[24];
  switch (r) {
    case -SVMM_EPERM: return "-EPERM";
    case -SVMM_ENOENT: return "-ENOENT";
    case -SVMM_EIO: return "-EIO";
    case -SVMM_EFAULT: return "-EFAULT";
    case -SVMM_EBUSY: return "-EBUSY";
    case -SVMM_EINVAL: return "-EINVAL";
    case -SVMM_ENOSYS: return "-ENOSYS";
    default: break;
  }
  if (r >= 0)
    snprintf_k(buf, sizeof buf, "0x%lx", (uint64_t)r);
  else
    snprintf_k(buf, sizeof buf, "%ld", r);
  return buf;
}

int64_t hc_expect(enum hc_transport t, const char* what, uint32_t fn, uint64_t a0, uint64_t a1,
                  uint64_t a2, uint64_t a3, int64_t expected) {
  const int64_t r = hc_call(t, fn, a0, a1, a2, a3);
  kprintf("hc: %s: %s(0x%lx, 0x%lx) via %s = %s (expected %s)\n", what, hc_name(fn), a0, a1,
          hc_transport_name(t), hc_result_name(r), hc_result_name(expected));
  if (r != expected)
    test_fail("%s: %s via %s returned %s, expected %s", what, hc_name(fn), hc_transport_name(t),
              hc_result_name(r), hc_result_name(expected));
  return r;
}

int64_t hc_both(const char* what, uint32_t fn, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                int64_t expected) {
  const int64_t p = hc_port(fn, a0, a1, a2, a3);
  const int64_t b = hc_bank(fn, a0, a1, a2, a3);
  char ps[24], bs[24];
  snprintf_k(ps, sizeof ps, "%s", hc_result_name(p));
  snprintf_k(bs, sizeof bs, "%s", hc_result_name(b));
  kprintf("hc: %s: %s(0x%lx, 0x%lx) port = %s, bank = %s (expected %s)\n", what, hc_name(fn), a0,
          a1, ps, bs, hc_result_name(expected));
  if (p != b) test_fail("%s: %s port = %s but bank = %s", what, hc_name(fn), ps, bs);
  if (p != expected)
    test_fail("%s: %s returned %s, expected %s", what, hc_name(fn), ps, hc_result_name(expected));
  return p;
}

/* ---- Chipset ---- */

uint64_t cs_read(enum cs_window w, uint32_t offset, unsigned width) {
  const uint64_t pa = cs_base(w) + offset;
  switch (width) {
    case 1: return phys_read8(pa);
    case 2: return phys_read16(pa);
    case 4: return phys_read32(pa);
    default: return phys_read64(pa);
  }
}

void cs_write(enum cs_window w, uint32_t offset, unsigned width, uint64_t v) {
  const uint64_t pa = cs_base(w) + offset;
  switch (width) {
    case 1: phys_write8(pa, (uint8_t)v); break;
    case 2: phys_write16(pa, (uint16_t)v); break;
    case 4: phys_write32(pa, (uint32_t)v); break;
    default: phys_write64(pa, v); break;
  }
}

const char* cs_window_name(enum cs_window w) { return w == CS_PRIVATE ? "private" : "public"; }

/* spec/chipset.md section 2, in offset order. */
const struct cs_reg cs_regs[] = {
    {"STS", SVMM_CS_STS, 8, CS_R, CS_R, false, false, false},
    {"ESTS", SVMM_CS_ESTS, 8, CS_R, CS_W1C, false, false, false},
    {"ERRORCODE", SVMM_CS_ERRORCODE, 8, CS_R, CS_RW, false, false, false},
    {"CMD.RESET", SVMM_CS_CMD_RESET, 8, CS_NONE, CS_CMD, false, false, false},
    {"CMD.CLOSE-PRIVATE", SVMM_CS_CMD_CLOSE_PRIVATE, 8, CS_NONE, CS_CMD, false, false, false},
    {"VER.FSBIF", SVMM_CS_VER_FSBIF, 8, CS_R, CS_R, false, false, false},
    {"DIDVID", SVMM_CS_DIDVID, 8, CS_R, CS_R, false, false, false},
    {"VER.QPIIF", SVMM_CS_VER_QPIIF, 8, CS_R, CS_R, false, false, false},
    {"CMD.UNLOCK-MEM-CONFIG", SVMM_CS_CMD_UNLOCK_MEM_CONFIG, 8, CS_NONE, CS_CMD, false, false,
     false},
    {"SINIT.BASE", SVMM_CS_SINIT_BASE, 8, CS_R, CS_RW, false, false, true},
    {"SINIT.SIZE", SVMM_CS_SINIT_SIZE, 8, CS_R, CS_RW, false, false, true},
    {"MLE.JOIN", SVMM_CS_MLE_JOIN, 8, CS_R, CS_RW, false, false, false},
    {"HEAP.BASE", SVMM_CS_HEAP_BASE, 8, CS_R, CS_RW, false, false, true},
    {"HEAP.SIZE", SVMM_CS_HEAP_SIZE, 8, CS_R, CS_RW, false, false, true},
    {"DPR", SVMM_CS_DPR, 8, CS_R, CS_RW, false, false, true},
    {"CMD.OPEN-LOCALITY1", SVMM_CS_CMD_OPEN_LOCALITY1, 8, CS_NONE, CS_CMD, false, false, false},
    {"CMD.CLOSE-LOCALITY1", SVMM_CS_CMD_CLOSE_LOCALITY1, 8, CS_NONE, CS_CMD, false, false, false},
    {"CMD.OPEN-LOCALITY2", SVMM_CS_CMD_OPEN_LOCALITY2, 8, CS_NONE, CS_CMD, false, false, false},
    {"CMD.CLOSE-LOCALITY2", SVMM_CS_CMD_CLOSE_LOCALITY2, 8, CS_NONE, CS_CMD, false, false, false},
    {"PUBLIC.KEY", SVMM_CS_PUBLIC_KEY, 32, CS_R, CS_R, false, false, false},
    {"CMD.SECRETS", SVMM_CS_CMD_SECRETS, 8, CS_NONE, CS_CMD, false, false, false},
    {"CMD.NO-SECRETS", SVMM_CS_CMD_NO_SECRETS, 8, CS_NONE, CS_CMD, false, false, false},
    {"E2STS", SVMM_CS_E2STS, 8, CS_R, CS_R, false, false, false},
    {"SVMM.SCRATCH", SVMM_CS_SCRATCH, 8, CS_RW, CS_RW, false, false, false},
    {"SVMM.STATE", SVMM_CS_STATE, 8, CS_R, CS_R, false, false, false},
    {"SVMM.ABORT-COUNT", SVMM_CS_ABORT_COUNT, 8, CS_R, CS_R, false, false, false},
    {"SVMM.LAST-ABORT", SVMM_CS_LAST_ABORT, 8, CS_R, CS_R, false, false, false},
    {"SVMM.TEARDOWN-COUNT", SVMM_CS_TEARDOWN_COUNT, 8, CS_R, CS_R, false, false, false},
    {"SVMM.CMD.GRANT-PRIVATE", SVMM_CS_CMD_GRANT_PRIVATE, 8, CS_NONE, CS_CMD, true, false, false},
    {"SVMM.OWNER-SCRATCH", SVMM_CS_OWNER_SCRATCH, 8, CS_R, CS_RW, false, true, false},
    {"SVMM.HC.ARG0", SVMM_CS_HC_ARG0, 8, CS_RW, CS_RW, false, false, false},
    {"SVMM.HC.ARG1", SVMM_CS_HC_ARG1, 8, CS_RW, CS_RW, false, false, false},
    {"SVMM.HC.ARG2", SVMM_CS_HC_ARG2, 8, CS_RW, CS_RW, false, false, false},
    {"SVMM.HC.ARG3", SVMM_CS_HC_ARG3, 8, CS_RW, CS_RW, false, false, false},
    {"SVMM.HC.CALL", SVMM_CS_HC_CALL, 8, CS_CMD, CS_CMD, false, false, false},
    {"SVMM.HC.RESULT", SVMM_CS_HC_RESULT, 8, CS_R, CS_R, false, false, false},
    {"ICH.TOKEN-STS", SVMM_CS_ICH_TOKEN_STS, 8, CS_R, CS_R, false, false, false},
    {"ICH.TOKEN-FORWARDS", SVMM_CS_ICH_TOKEN_FORWARDS, 8, CS_R, CS_R, false, false, false},
};
const unsigned cs_reg_count = sizeof cs_regs / sizeof cs_regs[0];

const struct cs_reg* cs_reg_find(uint32_t offset) {
  for (unsigned i = 0; i < cs_reg_count; ++i)
    if (offset >= cs_regs[i].offset && offset < cs_regs[i].offset + cs_regs[i].width)
      return &cs_regs[i];
  return NULL;
}

const char* cs_access_name(enum cs_access a) {
  switch (a) {
    case CS_R: return "r";
    case CS_RW: return "rw";
    case CS_W1C: return "w1c";
    case CS_CMD: return "cmd";
    default: return "-";
  }
}

struct cs_abort cs_abort_decode(uint64_t v) {
  return (struct cs_abort){
      .offset = (uint32_t)v,
      .private_window = (v & SVMM_LAST_ABORT_PRIVATE) != 0,
      .write = (v & SVMM_LAST_ABORT_WRITE) != 0,
      .hypercall = (v & SVMM_LAST_ABORT_HYPERCALL) != 0,
      .token = (v & SVMM_LAST_ABORT_TOKEN) != 0,
      .width = (unsigned)(v >> SVMM_LAST_ABORT_WIDTH_SHIFT) & 0xF,
      .requester = (unsigned)(v >> SVMM_LAST_ABORT_REQUESTER_SHIFT) & 0xFF,
      .vcpu = (unsigned)(v >> SVMM_LAST_ABORT_VCPU_SHIFT) & 0xFFFF,
  };
}

void cs_abort_print(const char* prefix, uint64_t raw) {
  const struct cs_abort a = cs_abort_decode(raw);
  kprintf("%s: LAST-ABORT=0x%016lx offset=0x%x %s%s%s width=%u requester=%u vcpu=%u\n", prefix,
          raw, a.offset, a.private_window ? "private" : "public", a.write ? " write" : " read",
          a.hypercall ? " hypercall" : a.token ? " token" : "", a.width, a.requester, a.vcpu);
}

void cs_expect_aborts(const char* what, uint64_t before, uint64_t delta) {
  const uint64_t now = cs_abort_count();
  if (now - before != delta)
    test_fail("%s: ABORT-COUNT went from %lu to %lu, expected +%lu", what, before, now, delta);
}

void cs_expect_last_abort(const char* what, uint32_t offset, bool private_window, bool write,
                          bool hypercall, unsigned width, unsigned requester, unsigned vcpu) {
  const uint64_t raw = cs_pub(SVMM_CS_LAST_ABORT);
  const struct cs_abort a = cs_abort_decode(raw);
  bool ok = a.offset == offset && a.private_window == private_window && a.hypercall == hypercall &&
            a.requester == requester && a.vcpu == vcpu;
  /* A refused hypercall has no access width or direction of its own: not checked then. */
  if (!hypercall) ok = ok && a.write == write && a.width == width && !a.token;
  if (!ok) {
    cs_abort_print(what, raw);
    test_fail("%s: LAST-ABORT 0x%lx, expected offset=0x%x %s %s%s width=%u requester=%u vcpu=%u",
              what, raw, offset, private_window ? "private" : "public", write ? "write" : "read",
              hypercall ? " hypercall" : "", width, requester, vcpu);
  }
}

/* ---- Who am I ---- */

const struct whoami* whoami(void) {
  static struct whoami w;
  static bool done;
  if (!done) {
    done = true;
    w.svmm = cpuid(SVMM_CPUID_BASE, 0).ebx == SVMM_CPUID_SIGNATURE;
    if (w.svmm) {
      const struct cpuid_regs r = cpuid(SVMM_CPUID_INFO, 0);
      w.features = r.ebx;
      w.trusted = (r.ebx & SVMM_CPUID_FEATURE_TRUSTED_VM) != 0;
      w.vm_index = r.edx;
    }
  }
  return &w;
}

/* ---- Readiness ---- */

void ready_assert(uint64_t bits) {
  const uint64_t v = cs_pub(SVMM_CS_SCRATCH);
  if ((v & bits) != bits) cs_pub_write(SVMM_CS_SCRATCH, v | bits);
}

void ready_clear(void) { cs_pub_write(SVMM_CS_SCRATCH, 0); }

uint64_t ready_mask(uint32_t n) {
  return n >= 64 ? ~0ull : ((1ull << n) - 1) << SVMM_TEST_SCRATCH_READY_SHIFT;
}

bool ready_wait(uint64_t mask, uint64_t ms) {
  const struct deadline d = deadline_after_ms(ms);
  struct deadline next_print = deadline_after_ms(1000);
  for (;;) {
    const uint64_t v = cs_pub(SVMM_CS_SCRATCH);
    if ((v & mask) == mask) return true;
    if (deadline_passed(d)) {
      kprintf("ready: gave up after %lu ms, SCRATCH=0x%lx, waiting for 0x%lx\n", ms, v, mask);
      return false;
    }
    if (deadline_passed(next_print)) {
      kprintf("ready: waiting, SCRATCH=0x%lx, want 0x%lx\n", v, mask);
      next_print = deadline_after_ms(1000);
    }
    idle_wait_ms(2);
  }
}
