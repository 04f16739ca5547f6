/* The command line: "<scenario> [key=value]...". */
#ifndef SVMM_GUEST_KERNEL_CMDLINE_H
#define SVMM_GUEST_KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

#define CMDLINE_MAX_ARGS 16

/* Splits `line` in place (it must stay alive). Words after the first that are not key=value
 * are kept as keys with an empty value. */
void cmdline_parse(char* line);
/* The first word, "" if the command line is empty. */
const char* cmdline_scenario(void);
/* The value of `key`, or NULL if absent. */
const char* cmdline_get(const char* key);
/* Number argument `key`: returns `fallback` if absent; ends the test with FAIL if present but
 * not a number. */
uint64_t cmdline_u64(const char* key, uint64_t fallback);
/* Whether `key` is present. */
bool cmdline_has(const char* key);

#endif
