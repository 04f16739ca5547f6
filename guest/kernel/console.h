/* Formatted console output on COM1, one line at a time under a spinlock so that lines from
 * different CPUs never interleave. Lines end with '\n' only (the host tests match whole
 * lines). */
#ifndef SVMM_GUEST_KERNEL_CONSOLE_H
#define SVMM_GUEST_KERNEL_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

/* A small printf: %s %c %d %u %x %p, the length modifiers l ll z, a field width and the '0'
 * flag (e.g. %016llx); '-' is accepted (strings are always left-justified). */
int vsnprintf_k(char* buf, size_t size, const char* fmt, va_list ap);
int snprintf_k(char* buf, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
void kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
/* For the exception path: takes the console lock only if it can within a bounded wait (the
 * faulting CPU may hold it). */
void kprintf_emergency(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
