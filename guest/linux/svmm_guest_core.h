/* svmm-guest's logic (guest/linux/README.md): the commands, run against the chipset's public
 * window (spec/chipset.md) through a small accessor, so that it is the same code whether the
 * window is /dev/mem mapped by a Linux guest (svmm_guest_main.c), a file standing in for it
 * (--mem), or svmm's own chipset model in a test process. Plain C11, no allocation.
 *
 * Exit statuses of every command (also of the tool):
 *   0  done (for `state`: the state was read, whatever it is)
 *   1  no svmm chipset at the window, or the window cannot be accessed
 *   2  usage error (unknown command, bad argument)
 *   3  the hypercall returned an error (-errno, printed by name) */
#ifndef SVMM_GUEST_CORE_H
#define SVMM_GUEST_CORE_H

#include <stdint.h>
#include <stdio.h>

#include "protocol/hypercall.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SVMM_GUEST_EXIT_OK 0
#define SVMM_GUEST_EXIT_NO_CHIPSET 1
#define SVMM_GUEST_EXIT_USAGE 2
#define SVMM_GUEST_EXIT_HYPERCALL 3

/* How the commands reach the public window: 8-byte accesses at offsets inside the window
 * (0 to 0xFFF8). Every access goes through these, in program order. */
struct svmm_window_ops {
  uint64_t (*read64)(void *ctx, uint32_t offset);
  void (*write64)(void *ctx, uint32_t offset, uint64_t value);
  /* Called once before the first hypercall-bank access of a command: the bank is per vCPU, so
   * the caller must stay on one CPU from the argument writes to the result read (Linux:
   * sched_setaffinity), and no other user of the bank may run there in between (Linux: an
   * exclusive flock on /dev/mem, held until exit). Returns 0, or -errno (the command then fails with status 1). May be
   * null (nothing to do). */
  int (*pin_cpu)(void *ctx);
};

struct svmm_guest_env {
  const struct svmm_window_ops *ops;
  void *ctx;
  uint64_t window_base; /* for messages only: 0xFED30000 normally */
  FILE *out;            /* results */
  FILE *err;            /* errors */
  /* For `teardown --report`: a 64-byte, 8-byte-aligned buffer in guest RAM the monitor writes
   * the report to, by its guest-physical address and as this process sees it. report_gpa 0:
   * none (report_why says why, for the message). */
  uint64_t report_gpa;
  volatile struct svmm_teardown_report *report;
  const char *report_why;
};

enum svmm_guest_command {
  SVMM_GUEST_CMD_NONE = 0,
  SVMM_GUEST_CMD_HELP,
  SVMM_GUEST_CMD_INFO,
  SVMM_GUEST_CMD_STATE,
  SVMM_GUEST_CMD_LAUNCH,
  SVMM_GUEST_CMD_TEARDOWN,
  SVMM_GUEST_CMD_REGISTERS,
};

struct svmm_guest_args {
  enum svmm_guest_command command;
  int json;                 /* --json */
  int report;               /* teardown --report */
  uint64_t launch_index;    /* launch [N]: SVMM_HC_LAUNCH_ALL by default */
  const char *mem_path;     /* --mem PATH: a file standing in for /dev/mem (testing) */
};

/* Parses the command line (argv[0] is the program). Returns 0 when `args` is filled, or
 * SVMM_GUEST_EXIT_USAGE after printing the error and a hint to `err`. */
int svmm_guest_parse(int argc, char **argv, struct svmm_guest_args *args, FILE *err);

/* The usage text. */
void svmm_guest_usage(FILE *out);

/* DIDVID check: 1 if the window holds svmm's chipset. */
int svmm_guest_detect(const struct svmm_guest_env *env, uint64_t *didvid);

/* Runs a parsed command (not HELP) against the window; returns the exit status. Checks DIDVID
 * first (status 1 with "no svmm chipset at 0x... (DIDVID = 0x...)" when absent). */
int svmm_guest_run(const struct svmm_guest_args *args, const struct svmm_guest_env *env);

/* One hypercall through the bank: pin, ARG0-3, CALL, RESULT. Returns the result (-errno as a
 * negative value), or sets *pin_failed and returns 0 when pinning failed. */
int64_t svmm_guest_hypercall(const struct svmm_guest_env *env, uint32_t function,
                             const uint64_t args[4], int *pin_failed);

/* "EINVAL" etc. for a negative hypercall result; NULL when unknown. */
const char *svmm_guest_errno_name(int64_t result);

/* The public window's registers (spec/chipset.md section 2), in offset order. */
struct svmm_guest_register {
  const char *name;
  uint32_t offset;
  uint32_t width; /* bytes: 8, or 32 for PUBLIC.KEY */
  const char *access; /* public window: "r", "rw", "cmd", "-" */
};
extern const struct svmm_guest_register svmm_guest_registers[];
extern const unsigned svmm_guest_register_count;

#ifdef __cplusplus
}
#endif

#endif
