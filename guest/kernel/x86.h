/* Thin inline wrappers around the x86 instructions the kernel uses. Memory-mapped and fixed
 * physical addresses are accessed through inline asm so that the compiler neither merges,
 * splits nor drops the accesses (and never sees a dereference of address 0). */
#ifndef SVMM_GUEST_KERNEL_X86_H
#define SVMM_GUEST_KERNEL_X86_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v) {
  __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}
static inline void outw(uint16_t port, uint16_t v) {
  __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}
static inline void outl(uint16_t port, uint32_t v) {
  __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}
static inline uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
  return v;
}
static inline uint16_t inw(uint16_t port) {
  uint16_t v;
  __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
  return v;
}
static inline uint32_t inl(uint16_t port) {
  uint32_t v;
  __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
  return v;
}

/* Physical (identity-mapped) memory accesses of an exact width. */
static inline uint8_t phys_read8(uint64_t pa) {
  uint8_t v;
  __asm__ volatile("movb (%1), %0" : "=q"(v) : "r"(pa) : "memory");
  return v;
}
static inline uint16_t phys_read16(uint64_t pa) {
  uint16_t v;
  __asm__ volatile("movw (%1), %0" : "=r"(v) : "r"(pa) : "memory");
  return v;
}
static inline uint32_t phys_read32(uint64_t pa) {
  uint32_t v;
  __asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(pa) : "memory");
  return v;
}
static inline uint64_t phys_read64(uint64_t pa) {
  uint64_t v;
  __asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(pa) : "memory");
  return v;
}
static inline void phys_write8(uint64_t pa, uint8_t v) {
  __asm__ volatile("movb %0, (%1)" : : "q"(v), "r"(pa) : "memory");
}
static inline void phys_write16(uint64_t pa, uint16_t v) {
  __asm__ volatile("movw %0, (%1)" : : "r"(v), "r"(pa) : "memory");
}
static inline void phys_write32(uint64_t pa, uint32_t v) {
  __asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(pa) : "memory");
}
static inline void phys_write64(uint64_t pa, uint64_t v) {
  __asm__ volatile("movq %0, (%1)" : : "r"(v), "r"(pa) : "memory");
}

struct cpuid_regs {
  uint32_t eax, ebx, ecx, edx;
};
static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf) {
  struct cpuid_regs r;
  __asm__ volatile("cpuid"
                   : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                   : "a"(leaf), "c"(subleaf));
  return r;
}

static inline uint64_t rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t read_cr2(void) {
  uint64_t v;
  __asm__ volatile("mov %%cr2, %0" : "=r"(v));
  return v;
}
static inline uint64_t read_cr3(void) {
  uint64_t v;
  __asm__ volatile("mov %%cr3, %0" : "=r"(v));
  return v;
}
/* Reloading CR3 flushes the (non-global) TLB entries. */
static inline void write_cr3(uint64_t v) {
  __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint64_t read_cr0(void) {
  uint64_t v;
  __asm__ volatile("mov %%cr0, %0" : "=r"(v));
  return v;
}
static inline void write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline uint64_t read_cr4(void) {
  uint64_t v;
  __asm__ volatile("mov %%cr4, %0" : "=r"(v));
  return v;
}
static inline void write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

static inline uint64_t rdmsr(uint32_t msr) {
  uint32_t lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v) {
  __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint64_t read_rflags(void) {
  uint64_t v;
  __asm__ volatile("pushfq; popq %0" : "=r"(v) : : "memory");
  return v;
}
static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

static inline _Noreturn void halt_forever(void) {
  for (;;) __asm__ volatile("cli; hlt" ::: "memory");
}

#endif
