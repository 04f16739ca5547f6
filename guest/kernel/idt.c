#include "kernel/idt.h"

#include "boot/layout.h"
#include "guest/test_abi.h"
#include "kernel/console.h"
#include "kernel/report.h"
#include "kernel/x86.h"

#define IDT_EXCEPTIONS 32
#define IDT_GATE_INTERRUPT 0x8E /* present, DPL 0, 64-bit interrupt gate (IF cleared) */
#define IDT_GATE_DPL_SHIFT 5
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

extern const uint64_t isr_table[IDT_VECTORS]; /* boot/isr_stubs.S */

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(4096)));
static irq_handler_fn volatile handlers[IDT_VECTORS];

static volatile bool expect_active;
static volatile uint64_t expect_vector, expect_skip, expect_resume;
static struct trap_record record;

void idt_set_gate(uint8_t vector, uint64_t a, unsigned dpl) {
  idt[vector] = (struct idt_gate){
      .offset_low = (uint16_t)a,
      .selector = GUEST_SEL_CODE64,
      .ist = 0,
      .type_attr = (uint8_t)(IDT_GATE_INTERRUPT | (dpl & 3) << IDT_GATE_DPL_SHIFT),
      .offset_mid = (uint16_t)(a >> 16),
      .offset_high = (uint32_t)(a >> 32),
      .reserved = 0,
  };
}

void idt_init(void) {
  /* Vectors 32-255 stay not present (zero in .bss) until a handler is installed. */
  for (int v = 0; v < IDT_EXCEPTIONS; ++v) idt_set_gate((uint8_t)v, isr_table[v], 0);
  idt_load();
}

struct desc_ptr idt_descriptor(void) {
  return (struct desc_ptr){sizeof idt - 1, (uint64_t)(uintptr_t)idt};
}

void idt_load(void) {
  struct desc_ptr p = idt_descriptor();
  __asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

void idt_load_empty(void) {
  struct desc_ptr p = {0, 0};
  __asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

void idt_set_handler(uint8_t vector, irq_handler_fn fn) {
  handlers[vector] = fn;
  idt_set_gate(vector, isr_table[vector], 0);
}

void idt_expect(uint64_t vector, uint64_t skip) {
  record.seen = false;
  expect_vector = vector;
  expect_skip = skip;
  expect_resume = 0;
  expect_active = true;
}

void idt_expect_resume(uint64_t vector, uint64_t resume_rip) {
  record.seen = false;
  expect_vector = vector;
  expect_skip = 0;
  expect_resume = resume_rip;
  expect_active = true;
}

void idt_expect_cancel(void) { expect_active = false; }

struct trap_record idt_take_record(void) {
  struct trap_record r = record;
  record.seen = false;
  return r;
}

/* Called from isr_common with the saved state. */
void exception_dispatch(struct trap_frame* f);
void exception_dispatch(struct trap_frame* f) {
  if (f->vector >= IDT_EXCEPTIONS) {
    irq_handler_fn fn = handlers[f->vector];
    if (fn) {
      fn(f);
      return;
    }
    if (f->vector == GUEST_VECTOR_SPURIOUS) return; /* no EOI for a spurious interrupt */
    kprintf_emergency(SVMM_TEST_LINE_EXCEPTION "vector=%lu (interrupt without handler) rip=0x%lx\n",
                      f->vector, f->rip);
    test_exit(SVMM_TEST_EXIT_EXCEPTION);
  }
  if (expect_active && f->vector == expect_vector) {
    expect_active = false;
    record = (struct trap_record){true, f->vector, f->error, f->rip, f->cs};
    if (expect_resume)
      f->rip = expect_resume;
    else
      f->rip += expect_skip;
    return;
  }
  if (f->vector == VECTOR_PAGE_FAULT)
    kprintf_emergency(SVMM_TEST_LINE_EXCEPTION "vector=%lu error=0x%lx rip=0x%lx cs=0x%lx cr2=0x%lx\n",
                      f->vector, f->error, f->rip, f->cs, read_cr2());
  else
    kprintf_emergency(SVMM_TEST_LINE_EXCEPTION "vector=%lu error=0x%lx rip=0x%lx cs=0x%lx\n",
                      f->vector, f->error, f->rip, f->cs);
  test_exit(SVMM_TEST_EXIT_EXCEPTION);
}
