/* svmm-guest's commands (see svmm_guest_core.h and guest/linux/README.md). */
#include "guest/linux/svmm_guest_core.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/chipset.h"
#include "protocol/memory_map.h"

/* spec/chipset.md section 2, the public window's column. */
const struct svmm_guest_register svmm_guest_registers[] = {
    {"STS", SVMM_CS_STS, 8, "r"},
    {"ESTS", SVMM_CS_ESTS, 8, "r"},
    {"ERRORCODE", SVMM_CS_ERRORCODE, 8, "r"},
    {"CMD.RESET", SVMM_CS_CMD_RESET, 8, "-"},
    {"CMD.CLOSE-PRIVATE", SVMM_CS_CMD_CLOSE_PRIVATE, 8, "-"},
    {"VER.FSBIF", SVMM_CS_VER_FSBIF, 8, "r"},
    {"DIDVID", SVMM_CS_DIDVID, 8, "r"},
    {"VER.QPIIF", SVMM_CS_VER_QPIIF, 8, "r"},
    {"CMD.UNLOCK-MEM-CONFIG", SVMM_CS_CMD_UNLOCK_MEM_CONFIG, 8, "-"},
    {"SINIT.BASE", SVMM_CS_SINIT_BASE, 8, "r"},
    {"SINIT.SIZE", SVMM_CS_SINIT_SIZE, 8, "r"},
    {"MLE.JOIN", SVMM_CS_MLE_JOIN, 8, "r"},
    {"HEAP.BASE", SVMM_CS_HEAP_BASE, 8, "r"},
    {"HEAP.SIZE", SVMM_CS_HEAP_SIZE, 8, "r"},
    {"DPR", SVMM_CS_DPR, 8, "r"},
    {"CMD.OPEN-LOCALITY1", SVMM_CS_CMD_OPEN_LOCALITY1, 8, "-"},
    {"CMD.CLOSE-LOCALITY1", SVMM_CS_CMD_CLOSE_LOCALITY1, 8, "-"},
    {"CMD.OPEN-LOCALITY2", SVMM_CS_CMD_OPEN_LOCALITY2, 8, "-"},
    {"CMD.CLOSE-LOCALITY2", SVMM_CS_CMD_CLOSE_LOCALITY2, 8, "-"},
    {"PUBLIC.KEY", SVMM_CS_PUBLIC_KEY, 32, "r"},
    {"CMD.SECRETS", SVMM_CS_CMD_SECRETS, 8, "-"},
    {"CMD.NO-SECRETS", SVMM_CS_CMD_NO_SECRETS, 8, "-"},
    {"E2STS", SVMM_CS_E2STS, 8, "r"},
    {"SVMM.SCRATCH", SVMM_CS_SCRATCH, 8, "rw"},
    {"SVMM.STATE", SVMM_CS_STATE, 8, "r"},
    {"SVMM.ABORT-COUNT", SVMM_CS_ABORT_COUNT, 8, "r"},
    {"SVMM.LAST-ABORT", SVMM_CS_LAST_ABORT, 8, "r"},
    {"SVMM.TEARDOWN-COUNT", SVMM_CS_TEARDOWN_COUNT, 8, "r"},
    {"SVMM.CMD.GRANT-PRIVATE", SVMM_CS_CMD_GRANT_PRIVATE, 8, "-"},
    {"SVMM.OWNER-SCRATCH", SVMM_CS_OWNER_SCRATCH, 8, "r"},
    {"SVMM.HC.ARG0", SVMM_CS_HC_ARG0, 8, "rw"},
    {"SVMM.HC.ARG1", SVMM_CS_HC_ARG1, 8, "rw"},
    {"SVMM.HC.ARG2", SVMM_CS_HC_ARG2, 8, "rw"},
    {"SVMM.HC.ARG3", SVMM_CS_HC_ARG3, 8, "rw"},
    {"SVMM.HC.CALL", SVMM_CS_HC_CALL, 8, "cmd"},
    {"SVMM.HC.RESULT", SVMM_CS_HC_RESULT, 8, "r"},
    {"ICH.TOKEN-STS", SVMM_CS_ICH_TOKEN_STS, 8, "r"},
    {"ICH.TOKEN-FORWARDS", SVMM_CS_ICH_TOKEN_FORWARDS, 8, "r"},
};
const unsigned svmm_guest_register_count =
    (unsigned)(sizeof svmm_guest_registers / sizeof svmm_guest_registers[0]);

void svmm_guest_usage(FILE *out) {
  fprintf(out,
          "usage: svmm-guest [--json] [--mem PATH] COMMAND [ARGS]\n"
          "\n"
          "Talks to svmm's chipset through its public window (0x%llx, /dev/mem).\n"
          "\n"
          "commands:\n"
          "  info               chipset identity, fuse, token, state, teardown and abort counts\n"
          "  state              prints normal or secure (SVMM.STATE)\n"
          "  registers          every public-window register by name\n"
          "  launch [N|all]     SECURE_LAUNCH of trusted VM N (default: all) through the\n"
          "                     hypercall bank\n"
          "  teardown [--report]\n"
          "                     TEARDOWN through the hypercall bank; --report prints the\n"
          "                     teardown report and the registers afterwards\n"
          "  help               this text\n"
          "\n"
          "options:\n"
          "  --json             machine-readable output (one JSON object)\n"
          "  --mem PATH         map PATH instead of /dev/mem (testing: a file holding the\n"
          "                     window at offset 0x%llx)\n"
          "  -h, --help         this text\n"
          "\n"
          "exit status: 0 done, 1 no svmm chipset (or the window cannot be mapped),\n"
          "2 usage error, 3 the hypercall returned an error\n",
          (unsigned long long)SVMM_MMIO_CHIPSET_PUBLIC, (unsigned long long)SVMM_MMIO_CHIPSET_PUBLIC);
}

static int usage_error(FILE *err, const char *fmt, const char *what) {
  fputs("svmm-guest: ", err);
  fprintf(err, fmt, what);
  fputs("\nTry 'svmm-guest --help'.\n", err);
  return SVMM_GUEST_EXIT_USAGE;
}

/* A decimal index: digits only (no sign, no space, no octal or hex surprises). */
static int parse_u64(const char *s, uint64_t *v) {
  char *end = NULL;
  if (!s || !isdigit((unsigned char)s[0])) return -1;
  errno = 0;
  unsigned long long x = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0') return -1;
  *v = (uint64_t)x;
  return 0;
}

int svmm_guest_parse(int argc, char **argv, struct svmm_guest_args *args, FILE *err) {
  memset(args, 0, sizeof *args);
  args->launch_index = SVMM_HC_LAUNCH_ALL;
  int positional = 0; /* command arguments seen */
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      args->command = SVMM_GUEST_CMD_HELP;
      return 0;
    }
    if (strcmp(a, "--json") == 0) {
      args->json = 1;
    } else if (strcmp(a, "--mem") == 0) {
      if (i + 1 >= argc) return usage_error(err, "%s needs a file name", a);
      args->mem_path = argv[++i];
    } else if (strncmp(a, "--mem=", 6) == 0) {
      args->mem_path = a + 6;
    } else if (strcmp(a, "--report") == 0) {
      if (args->command != SVMM_GUEST_CMD_TEARDOWN)
        return usage_error(err, "%s goes with the teardown command", a);
      args->report = 1;
    } else if (a[0] == '-' && a[1] != '\0') {
      return usage_error(err, "unknown option '%s'", a);
    } else if (args->command == SVMM_GUEST_CMD_NONE) {
      if (strcmp(a, "info") == 0) args->command = SVMM_GUEST_CMD_INFO;
      else if (strcmp(a, "state") == 0) args->command = SVMM_GUEST_CMD_STATE;
      else if (strcmp(a, "registers") == 0) args->command = SVMM_GUEST_CMD_REGISTERS;
      else if (strcmp(a, "launch") == 0) args->command = SVMM_GUEST_CMD_LAUNCH;
      else if (strcmp(a, "teardown") == 0) args->command = SVMM_GUEST_CMD_TEARDOWN;
      else if (strcmp(a, "help") == 0) {
        args->command = SVMM_GUEST_CMD_HELP;
        return 0;
      } else
        return usage_error(err, "unknown command '%s'", a);
    } else if (args->command == SVMM_GUEST_CMD_LAUNCH && positional == 0) {
      ++positional;
      if (strcmp(a, "all") == 0) args->launch_index = SVMM_HC_LAUNCH_ALL;
      else if (parse_u64(a, &args->launch_index) != 0)
        return usage_error(err, "launch: '%s' is not a trusted VM index (a number or 'all')", a);
    } else {
      return usage_error(err, "unexpected argument '%s'", a);
    }
  }
  if (args->command == SVMM_GUEST_CMD_NONE) return usage_error(err, "%s", "no command given");
  return 0;
}

/* --- window access ------------------------------------------------------------------------ */

static uint64_t rd(const struct svmm_guest_env *env, uint32_t offset) {
  return env->ops->read64(env->ctx, offset);
}
static void wr(const struct svmm_guest_env *env, uint32_t offset, uint64_t value) {
  env->ops->write64(env->ctx, offset, value);
}

int svmm_guest_detect(const struct svmm_guest_env *env, uint64_t *didvid) {
  const uint64_t v = rd(env, SVMM_CS_DIDVID);
  if (didvid) *didvid = v;
  return (v & 0xFFFFu) == SVMM_DIDVID_VENDOR && ((v >> 16) & 0xFFFFu) == SVMM_DIDVID_DEVICE;
}

const char *svmm_guest_errno_name(int64_t result) {
  switch (result) {
    case -SVMM_EPERM: return "EPERM";
    case -SVMM_ENOENT: return "ENOENT";
    case -SVMM_EIO: return "EIO";
    case -SVMM_EFAULT: return "EFAULT";
    case -SVMM_EBUSY: return "EBUSY";
    case -SVMM_EINVAL: return "EINVAL";
    case -SVMM_ENOSYS: return "ENOSYS";
    default: return NULL;
  }
}

/* What each error means for a call (spec/guest-abi.md section 5). */
static const char *error_meaning(uint32_t function, int64_t result) {
  if (function == SVMM_HC_SECURE_LAUNCH) {
    switch (result) {
      case -SVMM_EPERM: return "the fuse is disabled, or the call was refused (hypercall.kernel_only)";
      case -SVMM_EBUSY: return "already in secure mode";
      case -SVMM_ENOENT: return "no such trusted VM (or none configured)";
      case -SVMM_EIO: return "the launch failed: PCRs capped, still normal mode";
      default: break;
    }
  } else if (function == SVMM_HC_TEARDOWN) {
    switch (result) {
      case -SVMM_EPERM:
        return "refused: guest-request is not in secure.teardown_on, or hypercall.kernel_only";
      case -SVMM_EINVAL: return "not in secure mode";
      case -SVMM_EFAULT: return "the report buffer is not in guest RAM";
      default: break;
    }
  }
  if (result == -SVMM_ENOSYS) return "unknown function";
  return "unexpected result";
}

int64_t svmm_guest_hypercall(const struct svmm_guest_env *env, uint32_t function,
                             const uint64_t args[4], int *pin_failed) {
  *pin_failed = 0;
  if (env->ops->pin_cpu) {
    const int r = env->ops->pin_cpu(env->ctx);
    if (r != 0) {
      fprintf(env->err, "svmm-guest: cannot pin to one CPU for the hypercall bank: %s\n",
              strerror(-r));
      *pin_failed = 1;
      return 0;
    }
  }
  wr(env, SVMM_CS_HC_ARG0, args[0]);
  wr(env, SVMM_CS_HC_ARG1, args[1]);
  wr(env, SVMM_CS_HC_ARG2, args[2]);
  wr(env, SVMM_CS_HC_ARG3, args[3]);
  wr(env, SVMM_CS_HC_CALL, function);
  return (int64_t)rd(env, SVMM_CS_HC_RESULT);
}

/* --- output helpers ----------------------------------------------------------------------- */

static const char *state_name(uint64_t state) {
  return state == 0 ? "normal" : state == 1 ? "secure" : "unknown";
}

static void print_hex_bytes(FILE *out, const struct svmm_guest_env *env, uint32_t offset,
                            uint32_t width) {
  for (uint32_t w = 0; w < width; w += 8) {
    const uint64_t v = rd(env, offset + w);
    for (unsigned b = 0; b < 8; ++b) fprintf(out, "%02x", (unsigned)((v >> (8 * b)) & 0xFF));
  }
}

static void print_sts_bits(FILE *out, uint64_t sts) {
  static const struct {
    uint64_t bit;
    const char *name;
  } bits[] = {
      {SVMM_STS_SENTER_DONE, "SENTER.DONE"},       {SVMM_STS_SEXIT_DONE, "SEXIT.DONE"},
      {SVMM_STS_MEM_CONFIG_LOCK, "MEM-CONFIG-LOCK"}, {SVMM_STS_PRIVATE_OPEN, "PRIVATE-OPEN"},
      {SVMM_STS_LOCALITY1_OPEN, "LOCALITY1-OPEN"}, {SVMM_STS_LOCALITY2_OPEN, "LOCALITY2-OPEN"},
  };
  int first = 1;
  for (unsigned i = 0; i < sizeof bits / sizeof bits[0]; ++i) {
    if (!(sts & bits[i].bit)) continue;
    fprintf(out, "%s%s", first ? "" : "|", bits[i].name);
    first = 0;
  }
  if (first) fputs("none", out);
}

static void print_result(const struct svmm_guest_env *env, const struct svmm_guest_args *args,
                         const char *what, uint32_t function, int64_t result) {
  const char *name = svmm_guest_errno_name(result);
  if (args->json) {
    fprintf(env->out, "\"result\":%" PRId64, result);
    if (result < 0)
      fprintf(env->out, ",\"error\":\"%s\",\"meaning\":\"%s\"", name ? name : "unknown",
              error_meaning(function, result));
    return;
  }
  if (result == 0) {
    fprintf(env->out, "%s: ok\n", what);
  } else if (result < 0) {
    if (name)
      fprintf(env->out, "%s: -%s (%s)\n", what, name, error_meaning(function, result));
    else
      fprintf(env->out, "%s: %" PRId64 " (%s)\n", what, result, error_meaning(function, result));
  } else {
    fprintf(env->out, "%s: %" PRId64 "\n", what, result);
  }
}

/* --- commands ----------------------------------------------------------------------------- */

static int cmd_info(const struct svmm_guest_args *args, const struct svmm_guest_env *env,
                    uint64_t didvid) {
  const unsigned vendor = (unsigned)(didvid & 0xFFFF), device = (unsigned)((didvid >> 16) & 0xFFFF);
  const unsigned revision = (unsigned)((didvid >> 32) & 0xFFFF);
  const int fuse = (rd(env, SVMM_CS_VER_FSBIF) & SVMM_VER_FUSE_ENABLED) != 0;
  const uint64_t token_sts = rd(env, SVMM_CS_ICH_TOKEN_STS);
  const int token = (token_sts & SVMM_TOKEN_STS_PRESENT) != 0;
  const uint64_t state = rd(env, SVMM_CS_STATE);
  const uint64_t teardowns = rd(env, SVMM_CS_TEARDOWN_COUNT);
  const uint64_t aborts = rd(env, SVMM_CS_ABORT_COUNT);
  if (args->json) {
    fprintf(env->out,
            "{\"window\":\"0x%" PRIx64 "\",\"vendor\":\"0x%04x\",\"device\":\"0x%04x\","
            "\"revision\":%u,\"fuse\":\"%s\",\"token\":%s,\"token_sts\":\"0x%" PRIx64 "\","
            "\"state\":\"%s\",\"teardown_count\":%" PRIu64 ",\"abort_count\":%" PRIu64 "}\n",
            env->window_base, vendor, device, revision, fuse ? "enabled" : "disabled",
            token ? "true" : "false", token_sts, state_name(state), teardowns, aborts);
    return SVMM_GUEST_EXIT_OK;
  }
  fprintf(env->out, "chipset: svmm at 0x%" PRIx64 "\n", env->window_base);
  fprintf(env->out, "vendor: 0x%04x\ndevice: 0x%04x\nrevision: %u\n", vendor, device, revision);
  fprintf(env->out, "fuse: %s\n", fuse ? "enabled" : "disabled");
  fprintf(env->out, "token: %s\n", token ? "present" : "absent");
  if (state <= 1) fprintf(env->out, "state: %s\n", state_name(state));
  else fprintf(env->out, "state: unknown (%" PRIu64 ")\n", state);
  fprintf(env->out, "teardown-count: %" PRIu64 "\nabort-count: %" PRIu64 "\n", teardowns, aborts);
  return SVMM_GUEST_EXIT_OK;
}

static int cmd_state(const struct svmm_guest_args *args, const struct svmm_guest_env *env) {
  const uint64_t state = rd(env, SVMM_CS_STATE);
  if (state > 1) {
    fprintf(env->err, "svmm-guest: SVMM.STATE holds %" PRIu64 " (neither 0 nor 1)\n", state);
    return SVMM_GUEST_EXIT_NO_CHIPSET;
  }
  if (args->json) fprintf(env->out, "{\"state\":\"%s\"}\n", state_name(state));
  else fprintf(env->out, "%s\n", state_name(state));
  return SVMM_GUEST_EXIT_OK;
}

static int cmd_registers(const struct svmm_guest_args *args, const struct svmm_guest_env *env) {
  if (args->json) fputs("{", env->out);
  for (unsigned i = 0; i < svmm_guest_register_count; ++i) {
    const struct svmm_guest_register *r = &svmm_guest_registers[i];
    if (args->json) {
      fprintf(env->out, "%s\"%s\":\"", i ? "," : "", r->name);
      if (r->width == 8) fprintf(env->out, "0x%016" PRIx64, rd(env, r->offset));
      else print_hex_bytes(env->out, env, r->offset, r->width);
      fputs("\"", env->out);
      continue;
    }
    fprintf(env->out, "0x%03x %-24s %-3s ", (unsigned)r->offset, r->name, r->access);
    if (r->width == 8) fprintf(env->out, "0x%016" PRIx64 "\n", rd(env, r->offset));
    else {
      print_hex_bytes(env->out, env, r->offset, r->width);
      fputs("\n", env->out);
    }
  }
  if (args->json) fputs("}\n", env->out);
  return SVMM_GUEST_EXIT_OK;
}

static int cmd_launch(const struct svmm_guest_args *args, const struct svmm_guest_env *env) {
  const uint64_t hc_args[4] = {args->launch_index, 0, 0, 0};
  int pin_failed = 0;
  const int64_t r = svmm_guest_hypercall(env, SVMM_HC_SECURE_LAUNCH, hc_args, &pin_failed);
  if (pin_failed) return SVMM_GUEST_EXIT_NO_CHIPSET;
  if (args->json) {
    fputs("{\"call\":\"SECURE_LAUNCH\",\"vm\":", env->out);
    if (args->launch_index == SVMM_HC_LAUNCH_ALL) fputs("\"all\",", env->out);
    else fprintf(env->out, "%" PRIu64 ",", args->launch_index);
    print_result(env, args, "launch", SVMM_HC_SECURE_LAUNCH, r);
    fprintf(env->out, ",\"state\":\"%s\"}\n", state_name(rd(env, SVMM_CS_STATE)));
  } else {
    print_result(env, args, "launch", SVMM_HC_SECURE_LAUNCH, r);
    if (r == 0) {
      fputs("public-key: ", env->out);
      print_hex_bytes(env->out, env, SVMM_CS_PUBLIC_KEY, 32);
      fprintf(env->out, "\nstate: %s\n", state_name(rd(env, SVMM_CS_STATE)));
    }
  }
  return r < 0 ? SVMM_GUEST_EXIT_HYPERCALL : SVMM_GUEST_EXIT_OK;
}

static const char *trigger_name(uint32_t trigger) {
  static const char *names[] = {"none",    "guest-request", "breach", "poweroff",  "sleep",
                                "control", "signal",        "trusted-fault", "guest-crash"};
  return trigger < sizeof names / sizeof names[0] ? names[trigger] : "unknown";
}

static int cmd_teardown(const struct svmm_guest_args *args, const struct svmm_guest_env *env) {
  const int want_report = args->report && env->report_gpa != 0 && env->report != NULL;
  const uint64_t count_before = rd(env, SVMM_CS_TEARDOWN_COUNT);
  if (want_report) {
    /* Poison it, so that a report the monitor did not write cannot pass for one. */
    volatile uint8_t *p = (volatile uint8_t *)env->report;
    for (unsigned i = 0; i < sizeof(struct svmm_teardown_report); ++i) p[i] = 0xA5;
  }
  const uint64_t hc_args[4] = {want_report ? env->report_gpa : 0, 0, 0, 0};
  int pin_failed = 0;
  const int64_t r = svmm_guest_hypercall(env, SVMM_HC_TEARDOWN, hc_args, &pin_failed);
  if (pin_failed) return SVMM_GUEST_EXIT_NO_CHIPSET;

  if (args->json) fputs("{\"call\":\"TEARDOWN\",", env->out);
  print_result(env, args, "teardown", SVMM_HC_TEARDOWN, r);
  if (!args->report) {
    if (args->json) fputs("}\n", env->out);
    return r < 0 ? SVMM_GUEST_EXIT_HYPERCALL : SVMM_GUEST_EXIT_OK;
  }

  int report_bad = 0;
  if (r == 0 && want_report) {
    struct svmm_teardown_report rep;
    const volatile uint8_t *src = (const volatile uint8_t *)env->report;
    uint8_t *dst = (uint8_t *)&rep;
    for (unsigned i = 0; i < sizeof rep; ++i) dst[i] = src[i]; /* what the monitor wrote */
    report_bad = rep.magic != SVMM_TEARDOWN_REPORT_MAGIC || rep.version != SVMM_TEARDOWN_REPORT_VERSION;
    if (args->json)
      fprintf(env->out,
              ",\"report\":{\"magic\":\"0x%08" PRIx32 "\",\"version\":%" PRIu32
              ",\"trigger\":\"%s\",\"trusted_vms\":%" PRIu32 ",\"bytes_scrubbed\":%" PRIu64
              ",\"duration_ns\":%" PRIu64 ",\"pcrs_capped\":\"0x%" PRIx64 "\"}",
              rep.magic, rep.version, trigger_name(rep.trigger), rep.trusted_vms,
              rep.bytes_scrubbed, rep.duration_ns, rep.pcrs_capped);
    else
      fprintf(env->out,
              "report: magic=0x%08" PRIx32 " version=%" PRIu32 " trigger=%s trusted_vms=%" PRIu32
              " bytes_scrubbed=%" PRIu64 " duration_ns=%" PRIu64 " pcrs_capped=0x%" PRIx64 "\n",
              rep.magic, rep.version, trigger_name(rep.trigger), rep.trusted_vms,
              rep.bytes_scrubbed, rep.duration_ns, rep.pcrs_capped);
    if (report_bad)
      fprintf(env->err, "svmm-guest: the teardown report has a bad magic or version\n");
  } else if (r == 0) {
    const char *why = env->report_why ? env->report_why : "no report buffer";
    if (args->json) fprintf(env->out, ",\"report\":null,\"report_unavailable\":\"%s\"", why);
    else fprintf(env->out, "report: unavailable (%s)\n", why);
  }

  const uint64_t state = rd(env, SVMM_CS_STATE), sts = rd(env, SVMM_CS_STS);
  const uint64_t count = rd(env, SVMM_CS_TEARDOWN_COUNT), e2sts = rd(env, SVMM_CS_E2STS);
  const int secrets = (e2sts & SVMM_E2STS_SECRETS) != 0;
  if (args->json) {
    fprintf(env->out,
            ",\"after\":{\"state\":\"%s\",\"teardown_count\":%" PRIu64 ",\"teardown_count_before\":%" PRIu64
            ",\"sts\":\"0x%" PRIx64 "\",\"secrets\":%s}}\n",
            state_name(state), count, count_before, sts, secrets ? "true" : "false");
  } else {
    fprintf(env->out, "state: %s\n", state_name(state));
    fprintf(env->out, "teardown-count: %" PRIu64 " (was %" PRIu64 ")\n", count, count_before);
    fprintf(env->out, "sts: 0x%" PRIx64 " (", sts);
    print_sts_bits(env->out, sts);
    fprintf(env->out, ")\nsecrets: %s\n", secrets ? "yes" : "no");
  }
  if (r < 0) return SVMM_GUEST_EXIT_HYPERCALL;
  return report_bad ? SVMM_GUEST_EXIT_HYPERCALL : SVMM_GUEST_EXIT_OK;
}

int svmm_guest_run(const struct svmm_guest_args *args, const struct svmm_guest_env *env) {
  uint64_t didvid = 0;
  if (!svmm_guest_detect(env, &didvid)) {
    fprintf(env->err, "svmm-guest: no svmm chipset at 0x%" PRIx64 " (DIDVID = 0x%016" PRIx64
            ", expected vendor 0x%04llx device 0x%04llx)\n",
            env->window_base, didvid, (unsigned long long)SVMM_DIDVID_VENDOR,
            (unsigned long long)SVMM_DIDVID_DEVICE);
    return SVMM_GUEST_EXIT_NO_CHIPSET;
  }
  switch (args->command) {
    case SVMM_GUEST_CMD_INFO: return cmd_info(args, env, didvid);
    case SVMM_GUEST_CMD_STATE: return cmd_state(args, env);
    case SVMM_GUEST_CMD_REGISTERS: return cmd_registers(args, env);
    case SVMM_GUEST_CMD_LAUNCH: return cmd_launch(args, env);
    case SVMM_GUEST_CMD_TEARDOWN: return cmd_teardown(args, env);
    default: break;
  }
  fprintf(env->err, "svmm-guest: nothing to run\n");
  return SVMM_GUEST_EXIT_USAGE;
}
