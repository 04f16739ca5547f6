/* chipset-guest [fuse=0] [token=0] [fresh=0]: the chipset configuration space as the guest OS
 * sees it in normal mode without a grant (spec/chipset.md). Default abort policy (all-ones)
 * expected. fresh=1 (default) also checks the start-of-day values (STS = MEM-CONFIG-LOCK only,
 * E2STS, PUBLIC.KEY, TEARDOWN-COUNT and ERRORCODE zero): run it first in a new svmm. */
#include <stdint.h>

#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/report.h"
#include "kernel/x86.h"
#include "scenarios/scenarios.h"
#include "scenarios/secure.h"

#define BIOS_DATA_VERSION 4u
static const uint32_t unassigned_offsets[] = {0x010, 0x0F8, 0x118, 0x500, 0x900, 0xA28, 0xA90,
                                               0xB30, 0xC00, 0xE10, 0xEF8, 0xF00, 0xFFF8, 0x8000};

struct row {
  uint64_t value;     /* public read */
  const char* pub_write;
  const char* priv_read;
};
static struct row rows[64];

/* Every public read of a register, at widths 1/2/4 and inside the register, agrees with the
 * 8-byte read; an 8-byte read straddling into the next offset is split per byte. */
static void check_widths(uint32_t off, const char* name) {
  const uint64_t v = cs_read(CS_PUBLIC, off, 8);
  for (unsigned w = 1; w <= 4; w *= 2)
    for (unsigned at = 0; at + w <= 8; at += (w == 1 ? 3 : w == 2 ? 3 : 1)) {
      const uint64_t got = cs_read(CS_PUBLIC, off + at, w);
      const uint64_t want = (v >> (8 * at)) & (w == 8 ? ~0ull : (1ull << (8 * w)) - 1);
      if (got != want)
        test_fail("%s: %u-byte read at +%u gave 0x%lx, expected 0x%lx", name, w, at, got, want);
    }
}

static void expect_value(const char* name, uint64_t got, uint64_t want) {
  if (got != want) test_fail("%s is 0x%lx, expected 0x%lx", name, got, want);
}

/* Writes `v` with `width` bytes at `off` of window `w`; expects exactly one abort naming it. */
static void expect_aborted_write(enum cs_window w, uint32_t off, unsigned width, uint64_t v,
                                 const char* what) {
  const uint64_t before = cs_abort_count();
  cs_write(w, off, width, v);
  cs_expect_aborts(what, before, 1);
  cs_expect_last_abort(what, off, w == CS_PRIVATE, true, false, width, 0, 0);
}

static void expect_aborted_read(enum cs_window w, uint32_t off, unsigned width, const char* what) {
  const uint64_t before = cs_abort_count();
  const uint64_t got = cs_read(w, off, width);
  const uint64_t ones = width == 8 ? ~0ull : (1ull << (8 * width)) - 1;
  if (got != ones) test_fail("%s: read 0x%lx, expected all ones", what, got);
  cs_expect_aborts(what, before, 1);
  cs_expect_last_abort(what, off, w == CS_PRIVATE, false, false, width, 0, 0);
}

void scenario_chipset_guest(void) {
  const bool fuse = cmdline_u64("fuse", 1) != 0, token = cmdline_u64("token", 1) != 0,
             fresh = cmdline_u64("fresh", 1) != 0;
  const uint64_t aborts0 = cs_abort_count();

  /* 1. Every register through the public window. */
  for (unsigned i = 0; i < cs_reg_count; ++i) {
    const struct cs_reg* r = &cs_regs[i];
    rows[i].value = cs_pub(r->offset);
    if (r->width == 32) {
      uint64_t key[4];
      public_key_read(key);
      kprintf("chipset: %s=%016lx%016lx%016lx%016lx\n", r->name, key[0], key[1], key[2], key[3]);
    } else {
      kprintf("chipset: %s=0x%lx\n", r->name, rows[i].value);
    }
    if ((r->pub == CS_NONE || r->pub == CS_CMD) && rows[i].value != 0)
      test_fail("%s (public %s) reads 0x%lx, expected 0", r->name, cs_access_name(r->pub), rows[i].value);
  }
  cs_expect_aborts("public reads", aborts0, 0);

  /* 2. Values. */
  expect_value("DIDVID", cs_pub(SVMM_CS_DIDVID), SVMM_DIDVID_VALUE);
  const uint64_t fuse_bit = fuse ? SVMM_VER_FUSE_ENABLED : 0;
  expect_value("VER.FSBIF bit 31", cs_pub(SVMM_CS_VER_FSBIF) & SVMM_VER_FUSE_ENABLED, fuse_bit);
  expect_value("VER.QPIIF bit 31", cs_pub(SVMM_CS_VER_QPIIF) & SVMM_VER_FUSE_ENABLED, fuse_bit);
  expect_value("SVMM.STATE", cs_pub(SVMM_CS_STATE), 0);
  const uint64_t token_sts = token ? SVMM_TOKEN_STS_PRESENT | 1ull << SVMM_TOKEN_STS_LOCALITY_SHIFT |
                                         1ull << (SVMM_TOKEN_STS_LOCALITY_SHIFT + 4)
                                   : 0;
  expect_value("ICH.TOKEN-STS", cs_pub(SVMM_CS_ICH_TOKEN_STS), token_sts);
  if (fresh) {
    expect_value("STS (fresh)", cs_pub(SVMM_CS_STS), SVMM_STS_MEM_CONFIG_LOCK);
    expect_value("ESTS (fresh)", cs_pub(SVMM_CS_ESTS), 0);
    expect_value("E2STS (fresh)", cs_pub(SVMM_CS_E2STS), 0);
    expect_value("ERRORCODE (fresh)", cs_pub(SVMM_CS_ERRORCODE), 0);
    expect_value("SVMM.TEARDOWN-COUNT (fresh)", cs_pub(SVMM_CS_TEARDOWN_COUNT), 0);
    uint64_t key[4];
    public_key_read(key);
    if (key[0] | key[1] | key[2] | key[3]) test_fail("PUBLIC.KEY is not zero before any launch");
  }
  const uint64_t area = memmap_chipset_area();
  const uint64_t sinit = cs_pub(SVMM_CS_SINIT_BASE), sinit_size = cs_pub(SVMM_CS_SINIT_SIZE),
                 heap = cs_pub(SVMM_CS_HEAP_BASE), heap_size = cs_pub(SVMM_CS_HEAP_SIZE);
  kprintf("chipset: reserved chipset area at 0x%lx; SINIT [0x%lx, +0x%lx) HEAP [0x%lx, +0x%lx) DPR 0x%lx\n",
          area, sinit, sinit_size, heap, heap_size, cs_pub(SVMM_CS_DPR));
  if (!area) test_fail("the memory map has no reserved chipset area");
  if (!sinit_size || sinit < area || sinit + sinit_size > area + SVMM_CHIPSET_AREA_SIZE)
    test_fail("SINIT [0x%lx, +0x%lx) is not inside the chipset area", sinit, sinit_size);
  if (!heap_size || heap < area || heap + heap_size > area + SVMM_CHIPSET_AREA_SIZE)
    test_fail("HEAP [0x%lx, +0x%lx) is not inside the chipset area", heap, heap_size);
  const uint64_t bios_data_size = phys_read64(heap);
  const uint32_t bios_data_version = phys_read32(heap + 8);
  kprintf("chipset: heap BiosData size %lu version %u\n", bios_data_size, bios_data_version);
  if (bios_data_version != BIOS_DATA_VERSION || bios_data_size < 12 || bios_data_size > heap_size)
    test_fail("heap BiosData: size %lu version %u, expected version %u", bios_data_size,
              bios_data_version, BIOS_DATA_VERSION);

  /* 3. Widths and alignment. */
  check_widths(SVMM_CS_DIDVID, "DIDVID");
  check_widths(SVMM_CS_STS, "STS");
  check_widths(SVMM_CS_PUBLIC_KEY + 8, "PUBLIC.KEY+8");
  const uint64_t didvid = cs_pub(SVMM_CS_DIDVID);
  expect_value("8-byte read straddling DIDVID and 0x118", cs_read(CS_PUBLIC, SVMM_CS_DIDVID + 4, 8),
               didvid >> 32);
  const uint64_t aborts1 = cs_abort_count();
  cs_expect_aborts("width reads", aborts0, 0);

  /* 4. Public rw registers. */
  const uint64_t scratch = cs_pub(SVMM_CS_SCRATCH);
  cs_pub_write(SVMM_CS_SCRATCH, 0x1122334455667788ull);
  expect_value("SCRATCH after an 8-byte write", cs_pub(SVMM_CS_SCRATCH), 0x1122334455667788ull);
  cs_write(CS_PUBLIC, SVMM_CS_SCRATCH + 3, 2, 0xAABB);
  expect_value("SCRATCH after a 2-byte write at +3", cs_pub(SVMM_CS_SCRATCH), 0x112233AABB667788ull);
  cs_write(CS_PUBLIC, SVMM_CS_SCRATCH + 4, 4, 0xCAFEF00Du);
  expect_value("SCRATCH after a 4-byte write at +4", cs_pub(SVMM_CS_SCRATCH), 0xCAFEF00DBB667788ull);
  cs_write(CS_PUBLIC, SVMM_CS_SCRATCH, 1, 0x01);
  expect_value("SCRATCH after a 1-byte write", cs_pub(SVMM_CS_SCRATCH), 0xCAFEF00DBB667701ull);
  check_widths(SVMM_CS_SCRATCH, "SCRATCH");
  cs_pub_write(SVMM_CS_SCRATCH, scratch);
  for (uint32_t off = SVMM_CS_HC_ARG0; off <= SVMM_CS_HC_ARG3; off += 8) {
    cs_pub_write(off, 0xA000000000000000ull | off);
    expect_value("HC.ARGn read back", cs_pub(off), 0xA000000000000000ull | off);
  }
  cs_expect_aborts("public rw writes", aborts1, 0);

  /* 5. Writes to public read-only registers and commands are aborted, change nothing. */
  const uint64_t sts = cs_pub(SVMM_CS_STS), e2 = cs_pub(SVMM_CS_E2STS);
  for (unsigned i = 0; i < cs_reg_count; ++i) {
    const struct cs_reg* r = &cs_regs[i];
    if (r->pub == CS_RW || r->pub == CS_CMD || r->offset == SVMM_CS_CMD_RESET) {
      rows[i].pub_write = r->pub == CS_RW ? "ok" : r->pub == CS_CMD ? "call" : "aborted";
      continue;
    }
    const uint64_t before = cs_pub(r->offset);
    expect_aborted_write(CS_PUBLIC, r->offset, 8, before ^ 1, r->name);
    rows[i].pub_write = "aborted";
    if (r->pub == CS_R && r->offset != SVMM_CS_ABORT_COUNT && r->offset != SVMM_CS_LAST_ABORT &&
        r->offset != SVMM_CS_ICH_TOKEN_FORWARDS && cs_pub(r->offset) != before)
      test_fail("%s changed from 0x%lx to 0x%lx after an aborted write", r->name, before,
                cs_pub(r->offset));
  }
  expect_aborted_write(CS_PUBLIC, SVMM_CS_STS + 1, 1, 0xFF, "1-byte write to STS+1");
  expect_aborted_write(CS_PUBLIC, SVMM_CS_STS + 2, 2, 0xFFFF, "2-byte write to STS+2");
  expect_aborted_write(CS_PUBLIC, SVMM_CS_DIDVID + 4, 4, 0, "4-byte write to DIDVID+4");
  expect_value("STS after aborted writes", cs_pub(SVMM_CS_STS), sts);
  expect_value("E2STS after aborted commands", cs_pub(SVMM_CS_E2STS), e2);
  expect_value("ICH.TOKEN-STS after aborted commands", cs_pub(SVMM_CS_ICH_TOKEN_STS), token_sts);

  /* 6. Unassigned public offsets read 0 and ignore writes, without aborts. */
  const uint64_t aborts2 = cs_abort_count();
  for (unsigned i = 0; i < sizeof unassigned_offsets / sizeof unassigned_offsets[0]; ++i) {
    const uint32_t off = unassigned_offsets[i];
    for (unsigned w = 1; w <= 8; w *= 2) {
      if (off + w > SVMM_MMIO_CHIPSET_WINDOW_SIZE) continue;
      const uint64_t v = cs_read(CS_PUBLIC, off, w);
      if (v != 0) test_fail("unassigned public offset 0x%x (%u bytes) reads 0x%lx", off, w, v);
      cs_write(CS_PUBLIC, off, w, ~0ull);
      if (cs_read(CS_PUBLIC, off, w) != 0) test_fail("unassigned public offset 0x%x kept a write", off);
    }
  }
  cs_expect_aborts("unassigned public offsets", aborts2, 0);
  kprintf("chipset: %u unassigned public offsets read 0 and ignore writes\n",
          (unsigned)(sizeof unassigned_offsets / sizeof unassigned_offsets[0]));

  /* 7. The private window without a grant: every access aborted, reads all ones. */
  for (unsigned i = 0; i < cs_reg_count; ++i) {
    expect_aborted_read(CS_PRIVATE, cs_regs[i].offset, 8, cs_regs[i].name);
    rows[i].priv_read = "aborted";
  }
  expect_aborted_read(CS_PRIVATE, SVMM_CS_STS + 1, 1, "private STS+1 (1 byte)");
  expect_aborted_read(CS_PRIVATE, SVMM_CS_STS + 2, 2, "private STS+2 (2 bytes)");
  expect_aborted_read(CS_PRIVATE, SVMM_CS_DIDVID, 4, "private DIDVID (4 bytes)");
  expect_aborted_read(CS_PRIVATE, 0x500, 8, "private unassigned 0x500");
  expect_aborted_write(CS_PRIVATE, SVMM_CS_SCRATCH, 8, 0xDEAD, "private SCRATCH write");
  expect_value("SCRATCH after an aborted private write", cs_pub(SVMM_CS_SCRATCH), scratch);
  expect_aborted_write(CS_PRIVATE, SVMM_CS_MLE_JOIN, 8, 0xDEAD, "private MLE.JOIN write");
  for (unsigned i = 0; i < cs_reg_count; ++i) {
    const struct cs_reg* r = &cs_regs[i];
    if (r->priv != CS_CMD || r->offset == SVMM_CS_CMD_RESET) continue;
    expect_aborted_write(CS_PRIVATE, r->offset, 8, 1, r->name);
  }
  expect_value("STS after aborted private commands", cs_pub(SVMM_CS_STS), sts);
  expect_value("E2STS after aborted private commands", cs_pub(SVMM_CS_E2STS), e2);
  expect_value("ICH.TOKEN-STS after aborted private commands", cs_pub(SVMM_CS_ICH_TOKEN_STS), token_sts);
  /* Resets last: accepted, they would end the VM before PASS. */
  expect_aborted_write(CS_PUBLIC, SVMM_CS_CMD_RESET, 8, 1, "public CMD.RESET");
  expect_aborted_write(CS_PRIVATE, SVMM_CS_CMD_RESET, 8, 1, "private CMD.RESET");

  kprintf("chipset: %-24s %-6s %-4s %-4s %-18s %-8s %s\n", "register", "offset", "pub", "priv",
          "value", "pub-wr", "priv-rd");
  for (unsigned i = 0; i < cs_reg_count; ++i) {
    const struct cs_reg* r = &cs_regs[i];
    kprintf("chipset: %-24s 0x%03x  %-4s %-4s 0x%016lx %-8s %s\n", r->name, r->offset,
            cs_access_name(r->pub), cs_access_name(r->priv), rows[i].value,
            rows[i].pub_write ? rows[i].pub_write : "", rows[i].priv_read ? rows[i].priv_read : "");
  }
  kprintf("chipset: %lu aborts in total\n", cs_abort_count() - aborts0);
}
