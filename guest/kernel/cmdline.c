#include "kernel/cmdline.h"

#include <stddef.h>

#include "kernel/report.h"
#include "kernel/string.h"

static const char* scenario = "";
static const char* keys[CMDLINE_MAX_ARGS];
static const char* values[CMDLINE_MAX_ARGS];
static int nargs;

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void cmdline_parse(char* line) {
  char* p = line;
  for (int word = 0;; ++word) {
    while (is_space(*p)) ++p;
    if (!*p) break;
    char* start = p;
    char* eq = NULL;
    while (*p && !is_space(*p)) {
      if (*p == '=' && !eq) eq = p;
      ++p;
    }
    if (*p) *p++ = '\0';
    if (word == 0) {
      scenario = start;
    } else if (nargs < CMDLINE_MAX_ARGS) {
      if (eq) *eq = '\0';
      keys[nargs] = start;
      values[nargs] = eq ? eq + 1 : "";
      ++nargs;
    }
  }
}

const char* cmdline_scenario(void) { return scenario; }

const char* cmdline_get(const char* key) {
  /* The last occurrence wins, as on most kernels' command lines. */
  for (int i = nargs - 1; i >= 0; --i)
    if (strcmp(keys[i], key) == 0) return values[i];
  return NULL;
}

bool cmdline_has(const char* key) { return cmdline_get(key) != NULL; }

uint64_t cmdline_u64(const char* key, uint64_t fallback) {
  const char* v = cmdline_get(key);
  if (!v) return fallback;
  uint64_t n;
  if (parse_u64(v, &n) != 0) test_fail("bad number in %s=%s", key, v);
  return n;
}
