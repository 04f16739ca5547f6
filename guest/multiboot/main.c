/* svmm's Multiboot test kernel (spec/guest-abi.md section 1): 32-bit, paging off, integer
 * only. Prints what the boot loader handed over (magic, multiboot_info: mem_lower/mem_upper,
 * command line, modules, memory map), the CPU count from QEMU's fw_cfg (selector port 0x510,
 * data port 0x511: key 0x0000 the signature "QEMU", key 0x0005 the vCPU count) and from its
 * own AP bring-up (INIT-SIPI-SIPI), then ends through the debug-exit port 0xF4. The lines are
 * checked by tests/integration/multiboot_test.cc. Command line: "cpus=N" is the CPU count to
 * expect: the AP bring-up and fw_cfg (when present) must both agree with it. */
#include <stdbool.h>
#include <stdint.h>

#include "guest/test_abi.h"
#include "multiboot/mbk.h"

#define COM1 0x3F8
#define FW_CFG_SELECTOR 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_NB_CPUS 0x0005
#define DEBUG_EXIT 0xF4
#define POST_PORT 0x80

#define LAPIC_BASE 0xFEE00000u
#define LAPIC_SVR 0xF0
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_ALL_BUT_SELF (3u << 18)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)

/* multiboot_info (Multiboot Specification 0.6.96, 3.3). */
struct mb_info {
  uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
  uint32_t syms[4];
  uint32_t mmap_length, mmap_addr;
  uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};
struct mb_module {
  uint32_t mod_start, mod_end, string, reserved;
};
#define MBI_MEMORY (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER_NAME (1u << 9)

volatile uint32_t mb_ap_count; /* incremented by each AP (entry.S) */
extern const char mb_trampoline_start[], mb_trampoline_end[];

void mb_main(uint32_t magic, uint32_t mbi_addr) __attribute__((noreturn));

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static inline uint32_t mmio_read(uint32_t addr) { return *(volatile uint32_t*)addr; }
static inline void mmio_write(uint32_t addr, uint32_t v) { *(volatile uint32_t*)addr = v; }

static void putc(char c) {
  if (c == '\n') putc('\r');
  for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); ++i) {
  }
  outb(COM1, (uint8_t)c);
}
static void puts(const char* s) {
  while (*s) putc(*s++);
}
static void put_hex(uint64_t v, int digits) {
  puts("0x");
  for (int i = digits - 1; i >= 0; --i) putc("0123456789abcdef"[(v >> (4 * i)) & 0xF]);
}
static void put_dec(uint32_t v) {
  char buf[11];
  int n = 0;
  do {
    buf[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) putc(buf[--n]);
}
/* A NUL-terminated string from guest-physical memory, at most `max` bytes. */
static void put_cstr(uint32_t addr, uint32_t max) {
  const char* s = (const char*)addr;
  for (uint32_t i = 0; i < max && s[i]; ++i) putc(s[i]);
}

static void delay(uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) (void)inb(POST_PORT);
}

static void __attribute__((noreturn)) finish(bool pass, const char* why) {
  if (pass) {
    puts(SVMM_TEST_LINE_PASS "\n");
  } else {
    puts(SVMM_TEST_LINE_FAIL);
    puts(why);
    putc('\n');
  }
  outb(DEBUG_EXIT, (uint8_t)(pass ? SVMM_TEST_EXIT_PASS : SVMM_TEST_EXIT_FAIL));
  for (;;) __asm__ volatile("cli; hlt");
}

/* "cpus=N" in the command line, 0 when absent. */
static uint32_t cmdline_cpus(const char* cmdline) {
  for (const char* s = cmdline; *s; ++s) {
    if ((s == cmdline || s[-1] == ' ') && s[0] == 'c' && s[1] == 'p' && s[2] == 'u' &&
        s[3] == 's' && s[4] == '=') {
      uint32_t v = 0;
      for (s += 5; *s >= '0' && *s <= '9'; ++s) v = v * 10 + (uint32_t)(*s - '0');
      return v;
    }
  }
  return 0;
}

static void fw_cfg_select(uint16_t key) { outw(FW_CFG_SELECTOR, key); }
static uint8_t fw_cfg_byte(void) { return inb(FW_CFG_DATA); }

static void icr_send(uint32_t low) {
  mmio_write(LAPIC_BASE + LAPIC_ICR_HIGH, 0);
  mmio_write(LAPIC_BASE + LAPIC_ICR_LOW, low);
  for (int i = 0; i < 100000 && (mmio_read(LAPIC_BASE + LAPIC_ICR_LOW) & ICR_DELIVERY_PENDING); ++i) {
  }
}

void mb_main(uint32_t magic, uint32_t mbi_addr) {
  puts(SVMM_TEST_LINE_START "multiboot\n");
  puts("multiboot: magic ");
  put_hex(magic, 8);
  puts(" info ");
  put_hex(mbi_addr, 8);
  putc('\n');
  if (magic != MBK_BOOTLOADER_MAGIC) finish(false, "bad boot loader magic in EAX");
  const struct mb_info* mbi = (const struct mb_info*)mbi_addr;
  puts("multiboot: flags ");
  put_hex(mbi->flags, 8);
  putc('\n');

  if (mbi->flags & MBI_MEMORY) {
    puts("multiboot: mem_lower ");
    put_dec(mbi->mem_lower);
    puts(" mem_upper ");
    put_dec(mbi->mem_upper);
    putc('\n');
  }
  const char* cmdline = "";
  if (mbi->flags & MBI_CMDLINE) {
    cmdline = (const char*)mbi->cmdline;
    puts("multiboot: cmdline '");
    put_cstr(mbi->cmdline, 4096);
    puts("'\n");
  }
  if (mbi->flags & MBI_MODS) {
    puts("multiboot: mods ");
    put_dec(mbi->mods_count);
    putc('\n');
    const struct mb_module* mods = (const struct mb_module*)mbi->mods_addr;
    for (uint32_t i = 0; i < mbi->mods_count && i < 16; ++i) {
      puts("multiboot: module ");
      put_hex(mods[i].mod_start, 8);
      putc(' ');
      put_hex(mods[i].mod_end, 8);
      puts(" '");
      put_cstr(mods[i].string, 256);
      puts("' first bytes '");
      put_cstr(mods[i].mod_start, mods[i].mod_end - mods[i].mod_start < 16
                                      ? mods[i].mod_end - mods[i].mod_start
                                      : 16);
      puts("'\n");
    }
  }
  if (mbi->flags & MBI_MMAP) {
    /* Entries: size (not counting itself), base_addr, length, type. */
    uint32_t p = mbi->mmap_addr;
    const uint32_t end = mbi->mmap_addr + mbi->mmap_length;
    while (p + 24 <= end) {
      const uint32_t size = *(const uint32_t*)p;
      const uint64_t base = *(const uint64_t*)(p + 4);
      const uint64_t len = *(const uint64_t*)(p + 12);
      const uint32_t type = *(const uint32_t*)(p + 20);
      puts("multiboot: mmap ");
      put_hex(base, 16);
      putc(' ');
      put_hex(len, 16);
      putc(' ');
      put_dec(type);
      putc('\n');
      p += size + 4;
    }
  }
  if (mbi->flags & MBI_LOADER_NAME) {
    puts("multiboot: loader '");
    put_cstr(mbi->boot_loader_name, 64);
    puts("'\n");
  }

  /* fw_cfg: the signature first; without it the other keys mean nothing. */
  uint32_t fw_cpus = 0;
  fw_cfg_select(FW_CFG_SIGNATURE);
  char sig[4];
  for (int i = 0; i < 4; ++i) sig[i] = (char)fw_cfg_byte();
  if (sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U') {
    fw_cfg_select(FW_CFG_NB_CPUS);
    fw_cpus = fw_cfg_byte();
    fw_cpus |= (uint32_t)fw_cfg_byte() << 8;
    puts("fw_cfg: cpus ");
    put_dec(fw_cpus);
    putc('\n');
  } else {
    puts("fw_cfg: absent (signature ");
    put_hex((uint32_t)(uint8_t)sig[0] | (uint32_t)(uint8_t)sig[1] << 8 |
                (uint32_t)(uint8_t)sig[2] << 16 | (uint32_t)(uint8_t)sig[3] << 24,
            8);
    puts(")\n");
  }

  /* AP bring-up: every AP but us, by broadcast. */
  const uint32_t cmdline_count = cmdline_cpus(cmdline);
  const uint32_t expected = fw_cpus != 0 ? fw_cpus : cmdline_count;
  const char* src = mb_trampoline_start;
  char* dst = (char*)MBK_AP_TRAMPOLINE;
  for (uint32_t i = 0; i < (uint32_t)(mb_trampoline_end - mb_trampoline_start); ++i) dst[i] = src[i];
  mmio_write(LAPIC_BASE + LAPIC_SVR, mmio_read(LAPIC_BASE + LAPIC_SVR) | 0x1FF);
  icr_send(ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_INIT);
  delay(1000);
  for (int sipi = 0; sipi < 2; ++sipi) {
    icr_send(ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_STARTUP | (MBK_AP_TRAMPOLINE >> 12));
    delay(200);
  }
  /* Wait for the expected count (or a while when no count is known). */
  for (uint32_t i = 0; i < 200000; ++i) {
    if (expected != 0 && 1 + mb_ap_count >= expected) break;
    (void)inb(POST_PORT);
  }
  delay(2000); /* late arrivals would show up as a wrong count */
  const uint32_t started = 1 + mb_ap_count;
  puts("smp: started ");
  put_dec(started);
  puts(" cpus\n");

  if (expected != 0 && started != expected) finish(false, "the number of CPUs started differs");
  if (fw_cpus != 0 && cmdline_count != 0 && fw_cpus != cmdline_count)
    finish(false, "fw_cfg's CPU count differs from cpus=");
  finish(true, "");
}
