/* The few libc string functions the kernel needs (the compiler may also emit calls to
 * memcpy/memset/memmove/memcmp on its own, even with -ffreestanding). */
#ifndef SVMM_GUEST_KERNEL_STRING_H
#define SVMM_GUEST_KERNEL_STRING_H

#include <stddef.h>
#include <stdint.h>

void* memcpy(void* dst, const void* src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
int strcmp(const char* a, const char* b);

/* Parses a decimal or 0x-prefixed hexadecimal number that makes up all of `s`.
 * Returns 0 on success, -1 if `s` is empty, not a number or overflows. */
int parse_u64(const char* s, uint64_t* out);

#endif
