/* Fast fills and checks of memory at CPL 3 (simd/simd.h). Vector types are GCC/clang vector
 * extensions: no intrinsics headers in a freestanding build. The SSE2 path is compiled for
 * the baseline (SSE2); only the function marked target("avx2") may use YMM. */
#include <stdint.h>

#include "simd/simd.h"

#define USER_TEXT __attribute__((section(".text.user"), noinline))

typedef uint64_t v2u64 __attribute__((vector_size(16)));
typedef uint64_t v4u64 __attribute__((vector_size(32)));

static inline uint8_t marker_byte(const struct simd_fill_args* a, uint64_t addr) {
  const uint64_t word = a->marker[(addr >> 3) & 1];
  return (uint8_t)(word >> ((addr & 7) * 8));
}

USER_TEXT static void fill_bytes(const struct simd_fill_args* a, uint64_t from, uint64_t to) {
  for (uint64_t p = from; p < to; ++p) *(volatile uint8_t*)(uintptr_t)p = marker_byte(a, p);
}

USER_TEXT static uint64_t verify_bytes(struct simd_fill_args* a, uint64_t from, uint64_t to) {
  for (uint64_t p = from; p < to; ++p)
    if (*(volatile uint8_t*)(uintptr_t)p != marker_byte(a, p)) {
      a->mismatch_at = p;
      return 1;
    }
  return 0;
}

USER_TEXT static void fill_sse2(const struct simd_fill_args* a, uint64_t from, uint64_t to) {
  const v2u64 v = {a->marker[0], a->marker[1]};
  for (uint64_t p = from; p < to; p += 64) {
    v2u64* q = (v2u64*)(uintptr_t)p;
    q[0] = v;
    q[1] = v;
    q[2] = v;
    q[3] = v;
  }
}

USER_TEXT __attribute__((target("avx2"))) static void fill_avx2(const struct simd_fill_args* a,
                                                                uint64_t from, uint64_t to) {
  const v4u64 v = {a->marker[0], a->marker[1], a->marker[0], a->marker[1]};
  for (uint64_t p = from; p < to; p += 64) {
    v4u64* q = (v4u64*)(uintptr_t)p;
    q[0] = v;
    q[1] = v;
  }
}

USER_TEXT static uint64_t verify_sse2(struct simd_fill_args* a, uint64_t from, uint64_t to) {
  const v2u64 v = {a->marker[0], a->marker[1]};
  for (uint64_t p = from; p < to; p += 64) {
    const v2u64* q = (const v2u64*)(uintptr_t)p;
    const v2u64 d = (q[0] ^ v) | (q[1] ^ v) | (q[2] ^ v) | (q[3] ^ v);
    if (d[0] | d[1]) return verify_bytes(a, p, p + 64);
  }
  return 0;
}

USER_TEXT __attribute__((target("avx2"))) static uint64_t verify_avx2(struct simd_fill_args* a,
                                                                      uint64_t from, uint64_t to) {
  const v4u64 v = {a->marker[0], a->marker[1], a->marker[0], a->marker[1]};
  for (uint64_t p = from; p < to; p += 64) {
    const v4u64* q = (const v4u64*)(uintptr_t)p;
    const v4u64 d = (q[0] ^ v) | (q[1] ^ v);
    if (d[0] | d[1] | d[2] | d[3]) return verify_bytes(a, p, p + 64);
  }
  return 0;
}

USER_TEXT uint64_t simd_fill(uint64_t arg) {
  struct simd_fill_args* a = (struct simd_fill_args*)(uintptr_t)arg;
  const uint64_t end = a->base + a->len;
  uint64_t head = (a->base + 63) & ~63ull, tail = end & ~63ull;
  if (head > tail) head = tail = end;
  fill_bytes(a, a->base, head);
  if (a->use_avx2)
    fill_avx2(a, head, tail);
  else
    fill_sse2(a, head, tail);
  fill_bytes(a, tail, end);
  return 0;
}

USER_TEXT uint64_t simd_verify(uint64_t arg) {
  struct simd_fill_args* a = (struct simd_fill_args*)(uintptr_t)arg;
  const uint64_t end = a->base + a->len;
  uint64_t head = (a->base + 63) & ~63ull, tail = end & ~63ull;
  if (head > tail) head = tail = end;
  if (verify_bytes(a, a->base, head)) return 1;
  if (a->use_avx2 ? verify_avx2(a, head, tail) : verify_sse2(a, head, tail)) return 1;
  return verify_bytes(a, tail, end);
}
