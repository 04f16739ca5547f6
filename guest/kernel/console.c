#include "kernel/console.h"

#include <stdbool.h>
#include <stdint.h>

#include "kernel/serial.h"
#include "kernel/spinlock.h"

#define CONSOLE_LINE_MAX 256
/* Emergency output waits this many polls for the lock, then prints anyway. */
#define CONSOLE_EMERGENCY_POLLS 1000000u

static spinlock_t console_lock;

struct out {
  char* buf;
  size_t size;
  size_t len; /* characters produced, even those that did not fit */
};

static void put(struct out* o, char c) {
  if (o->len + 1 < o->size) o->buf[o->len] = c;
  o->len++;
}

static void put_number(struct out* o, uint64_t v, unsigned base, bool negative, int width,
                       char pad) {
  char digits[24];
  int n = 0;
  do {
    unsigned d = (unsigned)(v % base);
    digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    v /= base;
  } while (v);
  if (negative) {
    if (pad == '0') put(o, '-');
    width--;
  }
  for (int i = n; i < width; ++i) put(o, pad);
  if (negative && pad != '0') put(o, '-');
  while (n) put(o, digits[--n]);
}

int vsnprintf_k(char* buf, size_t size, const char* fmt, va_list ap) {
  struct out o = {buf, size, 0};
  for (; *fmt; ++fmt) {
    if (*fmt != '%') {
      put(&o, *fmt);
      continue;
    }
    ++fmt;
    char pad = ' ';
    int width = 0, longs = 0;
    if (*fmt == '-') ++fmt; /* strings are left-justified anyway; numbers stay right-justified */
    if (*fmt == '0') {
      pad = '0';
      ++fmt;
    }
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l' || *fmt == 'z') {
      longs += *fmt == 'z' ? 2 : 1;
      ++fmt;
    }
    switch (*fmt) {
      case 'c':
        put(&o, (char)va_arg(ap, int));
        break;
      case 's': {
        const char* s = va_arg(ap, const char*);
        if (!s) s = "(null)";
        int n = 0;
        while (s[n]) put(&o, s[n++]);
        for (; n < width; ++n) put(&o, ' ');
        break;
      }
      case 'd': {
        int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
        uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        put_number(&o, mag, 10, v < 0, width, pad);
        break;
      }
      case 'u':
      case 'x': {
        uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
        put_number(&o, v, *fmt == 'x' ? 16 : 10, false, width, pad);
        break;
      }
      case 'p':
        put(&o, '0');
        put(&o, 'x');
        put_number(&o, (uint64_t)(uintptr_t)va_arg(ap, void*), 16, false, width, pad);
        break;
      case '%':
        put(&o, '%');
        break;
      case '\0':
        --fmt; /* lone '%' at the end */
        break;
      default:
        put(&o, '%');
        put(&o, *fmt);
        break;
    }
  }
  if (size) buf[o.len < size ? o.len : size - 1] = '\0';
  return (int)o.len;
}

int snprintf_k(char* buf, size_t size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf_k(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

static void emit(const char* s) {
  for (; *s; ++s) serial_putc(*s);
}

void kprintf(const char* fmt, ...) {
  char line[CONSOLE_LINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf_k(line, sizeof line, fmt, ap);
  va_end(ap);
  spin_lock(&console_lock);
  emit(line);
  spin_unlock(&console_lock);
}

void kprintf_emergency(const char* fmt, ...) {
  char line[CONSOLE_LINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf_k(line, sizeof line, fmt, ap);
  va_end(ap);
  bool locked = spin_lock_bounded(&console_lock, CONSOLE_EMERGENCY_POLLS);
  emit(line);
  if (locked) spin_unlock(&console_lock);
}
