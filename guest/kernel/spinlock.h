/* A test-and-set spinlock. The exchange compiles to `xchg` (implicitly locked), a plain
 * integer instruction that kvm_pvm's CPL 0 emulation handles. */
#ifndef SVMM_GUEST_KERNEL_SPINLOCK_H
#define SVMM_GUEST_KERNEL_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/x86.h"

typedef struct {
  volatile uint32_t locked;
} spinlock_t;

static inline bool spin_trylock(spinlock_t* l) {
  return __atomic_exchange_n(&l->locked, 1u, __ATOMIC_ACQUIRE) == 0;
}

static inline void spin_lock(spinlock_t* l) {
  while (!spin_trylock(l))
    while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) cpu_relax();
}

/* Gives up after `polls` attempts; returns whether the lock was taken. */
static inline bool spin_lock_bounded(spinlock_t* l, uint32_t polls) {
  for (uint32_t i = 0; i < polls; ++i) {
    if (spin_trylock(l)) return true;
    cpu_relax();
  }
  return false;
}

static inline void spin_unlock(spinlock_t* l) {
  __atomic_store_n(&l->locked, 0u, __ATOMIC_RELEASE);
}

#endif
