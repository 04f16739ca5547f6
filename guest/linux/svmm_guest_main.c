/* svmm-guest: a Linux user-space tool for a guest OS running in svmm (guest/linux/README.md).
 * This file only maps the chipset's public window through /dev/mem (or a file, --mem) and
 * provides the accessors; the commands are in svmm_guest_core.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest/linux/svmm_guest_core.h"
#include "protocol/memory_map.h"

/* The bank's 8-byte registers must be written with one store each: a 32-bit build would
 * split them (and a CALL would fire twice). */
_Static_assert(sizeof(void *) == 8, "svmm-guest is built for x86-64 only");

struct window {
  volatile uint8_t *base;
  int fd; /* the open /dev/mem (or --mem file): its lock serialises bank users */
};

static uint64_t window_read64(void *ctx, uint32_t offset) {
  const struct window *w = ctx;
  return *(volatile uint64_t *)(w->base + offset);
}

static void window_write64(void *ctx, uint32_t offset, uint64_t value) {
  const struct window *w = ctx;
  *(volatile uint64_t *)(w->base + offset) = value;
}

/* The hypercall bank is per vCPU: stay on the CPU we are on until the result is read, and keep
 * other svmm-guest processes (which may run on this CPU between our ARG writes and our RESULT
 * read) out of the bank until we exit, with an exclusive lock on the device file. */
static int pin_to_current_cpu(void *ctx) {
  const struct window *w = ctx;
  while (flock(w->fd, LOCK_EX) != 0)
    if (errno != EINTR) return -errno;
  const int cpu = sched_getcpu();
  if (cpu < 0) return -errno;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) return -errno;
  return 0;
}

static void fault_handler(int sig) {
  static const char msg[] =
      "svmm-guest: no svmm chipset: the access to its window faulted (nothing answers there)\n";
  (void)sig;
  ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)n;
  _exit(SVMM_GUEST_EXIT_NO_CHIPSET);
}

/* A 64-byte report buffer in a locked page and its physical address from /proc/self/pagemap
 * (bits 0-54 the PFN, bit 63 present; the PFN reads 0 without CAP_SYS_ADMIN). */
static const char *report_buffer(uint64_t *gpa, volatile struct svmm_teardown_report **buf) {
  static char why[160];
  const long page = sysconf(_SC_PAGESIZE);
  void *p = NULL;
  if (page <= 0 || posix_memalign(&p, (size_t)page, (size_t)page) != 0) return "out of memory";
  memset(p, 0, (size_t)page);
  if (mlock(p, (size_t)page) != 0) {
    snprintf(why, sizeof why, "mlock: %s", strerror(errno));
    return why;
  }
  const int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(why, sizeof why, "/proc/self/pagemap: %s", strerror(errno));
    return why;
  }
  uint64_t entry = 0;
  const off_t at = (off_t)(((uintptr_t)p / (uintptr_t)page) * sizeof entry);
  const ssize_t n = pread(fd, &entry, sizeof entry, at);
  close(fd);
  if (n != (ssize_t)sizeof entry) return "/proc/self/pagemap: short read";
  const uint64_t pfn = entry & ((1ull << 55) - 1);
  if (!(entry >> 63) || pfn == 0) return "no physical address in /proc/self/pagemap (root needed)";
  *gpa = pfn * (uint64_t)page;
  *buf = (volatile struct svmm_teardown_report *)p;
  return NULL;
}

int main(int argc, char **argv) {
  struct svmm_guest_args args;
  const int parsed = svmm_guest_parse(argc, argv, &args, stderr);
  if (parsed != 0) return parsed;
  if (args.command == SVMM_GUEST_CMD_HELP) {
    svmm_guest_usage(stdout);
    return SVMM_GUEST_EXIT_OK;
  }

  const uint64_t base = SVMM_MMIO_CHIPSET_PUBLIC, size = SVMM_MMIO_CHIPSET_WINDOW_SIZE;
  const int writes = args.command == SVMM_GUEST_CMD_LAUNCH || args.command == SVMM_GUEST_CMD_TEARDOWN;
  const char *path = args.mem_path ? args.mem_path : "/dev/mem";
  const int fd = open(path, (writes ? O_RDWR : O_RDONLY) | O_SYNC | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "svmm-guest: no svmm chipset reachable: cannot open %s: %s%s\n", path,
            strerror(errno), args.mem_path ? "" : " (root and a kernel with CONFIG_DEVMEM needed)");
    return SVMM_GUEST_EXIT_NO_CHIPSET;
  }
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size < base + size) {
    fprintf(stderr, "svmm-guest: no svmm chipset in %s: the file ends before the window "
            "(0x%" PRIx64 "-0x%" PRIx64 ")\n", path, base, base + size - 1);
    close(fd);
    return SVMM_GUEST_EXIT_NO_CHIPSET;
  }
  void *map = mmap(NULL, (size_t)size, PROT_READ | (writes ? PROT_WRITE : 0), MAP_SHARED, fd,
                   (off_t)base);
  if (map == MAP_FAILED) {
    close(fd);
    fprintf(stderr, "svmm-guest: no svmm chipset reachable: cannot map %s at 0x%" PRIx64
            " (64 KiB): %s\n", path, base, strerror(errno));
    return SVMM_GUEST_EXIT_NO_CHIPSET;
  }
  signal(SIGBUS, fault_handler);
  signal(SIGSEGV, fault_handler);

  struct window w = {(volatile uint8_t *)map, fd};
  static const struct svmm_window_ops ops = {window_read64, window_write64, pin_to_current_cpu};
  struct svmm_guest_env env = {&ops, &w, base, stdout, stderr, 0, NULL, NULL};
  if (args.command == SVMM_GUEST_CMD_TEARDOWN && args.report) {
    if (args.mem_path)
      env.report_why = "--mem: no guest RAM behind a window file";
    else
      env.report_why = report_buffer(&env.report_gpa, &env.report);
  }
  const int status = svmm_guest_run(&args, &env);
  fflush(stdout);
  munmap(map, (size_t)size);
  close(fd);
  return status;
}
