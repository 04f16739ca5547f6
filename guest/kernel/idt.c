#include "kernel/idt.h"

#include "boot/layout.h"
#include "guest/test_abi.h"
#include "kernel/console.h"
#include "kernel/report.h"
#include "kernel/x86.h"

#define IDT_VECTORS 32
#define IDT_GATE_INTERRUPT 0x8E /* present, DPL 0, 64-bit interrupt gate (IF cleared) */
#define VECTOR_PAGE_FAULT 14

struct idt_gate {
  uint16_t offset_low;
  uint16_t selector;
  uint8_t ist;
  uint8_t type_attr;
  uint16_t offset_mid;
  uint32_t offset_high;
  uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate");

struct __attribute__((packed)) idt_pointer {
  uint16_t limit;
  uint64_t base;
};

extern const uint64_t isr_table[IDT_VECTORS]; /* boot/isr_stubs.S */

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

static volatile bool expect_active;
static volatile uint64_t expect_vector, expect_skip;
static struct trap_record record;

void idt_init(void) {
  for (int v = 0; v < IDT_VECTORS; ++v) {
    uint64_t a = isr_table[v];
    idt[v] = (struct idt_gate){
        .offset_low = (uint16_t)a,
        .selector = GUEST_SEL_CODE64,
        .ist = 0,
        .type_attr = IDT_GATE_INTERRUPT,
        .offset_mid = (uint16_t)(a >> 16),
        .offset_high = (uint32_t)(a >> 32),
        .reserved = 0,
    };
  }
  idt_load();
}

void idt_load(void) {
  struct idt_pointer p = {sizeof idt - 1, (uint64_t)(uintptr_t)idt};
  __asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

void idt_load_empty(void) {
  struct idt_pointer p = {0, 0};
  __asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

void idt_expect(uint64_t vector, uint64_t skip) {
  record.seen = false;
  expect_vector = vector;
  expect_skip = skip;
  expect_active = true;
}

struct trap_record idt_take_record(void) {
  struct trap_record r = record;
  record.seen = false;
  return r;
}

/* Called from isr_common with the saved state. */
void exception_dispatch(struct trap_frame* f);
void exception_dispatch(struct trap_frame* f) {
  if (expect_active && f->vector == expect_vector) {
    expect_active = false;
    record = (struct trap_record){true, f->vector, f->error, f->rip};
    f->rip += expect_skip;
    return;
  }
  if (f->vector == VECTOR_PAGE_FAULT)
    kprintf_emergency(SVMM_TEST_LINE_EXCEPTION "vector=%lu error=0x%lx rip=0x%lx cr2=0x%lx\n",
                      f->vector, f->error, f->rip, read_cr2());
  else
    kprintf_emergency(SVMM_TEST_LINE_EXCEPTION "vector=%lu error=0x%lx rip=0x%lx\n", f->vector,
                      f->error, f->rip);
  debug_exit(SVMM_TEST_EXIT_EXCEPTION);
}
