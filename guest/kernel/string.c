#include "kernel/string.h"

/* memcpy and memset use the string instructions: short, integer-only code that the compiler
 * cannot turn back into a call to the function being defined. */
void* memcpy(void* dst, const void* src, size_t n) {
  void* d = dst;
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
  return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
  unsigned char* d = dst;
  const unsigned char* s = src;
  if (d <= s || d >= s + n || n == 0) return memcpy(dst, src, n);
  /* Overlapping with dst above src: copy backwards (DF=1), then restore DF=0. */
  const unsigned char* from = s + n - 1;
  unsigned char* to = d + n - 1;
  __asm__ volatile("std; rep movsb; cld" : "+D"(to), "+S"(from), "+c"(n) : : "memory");
  return dst;
}

void* memset(void* dst, int c, size_t n) {
  void* d = dst;
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  const unsigned char* x = a;
  const unsigned char* y = b;
  for (size_t i = 0; i < n; ++i)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  return n;
}

int strcmp(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return (unsigned char)*a - (unsigned char)*b;
}

int parse_u64(const char* s, uint64_t* out) {
  uint64_t base = 10, v = 0;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s += 2;
  }
  if (!*s) return -1;
  for (; *s; ++s) {
    uint64_t d;
    if (*s >= '0' && *s <= '9')
      d = (uint64_t)(*s - '0');
    else if (base == 16 && *s >= 'a' && *s <= 'f')
      d = (uint64_t)(*s - 'a' + 10);
    else if (base == 16 && *s >= 'A' && *s <= 'F')
      d = (uint64_t)(*s - 'A' + 10);
    else
      return -1;
    if (v > (UINT64_MAX - d) / base) return -1;
    v = v * base + d;
  }
  *out = v;
  return 0;
}
