#include "kernel/serial.h"

#include "kernel/x86.h"
#include "protocol/ports.h"

enum {
  UART_THR = 0, /* transmit holding (DLAB=0) / divisor low (DLAB=1) */
  UART_IER = 1, /* interrupt enable / divisor high */
  UART_FCR = 2,
  UART_LCR = 3,
  UART_MCR = 4,
  UART_LSR = 5,
};
#define UART_LCR_8N1 0x03
#define UART_LCR_DLAB 0x80
#define UART_FCR_ENABLE_CLEAR 0x07
#define UART_MCR_DTR_RTS 0x03 /* OUT2 clear: the UART never raises IRQ 4 */
#define UART_LSR_THRE 0x20
/* Upper bound on LSR polls per byte, so a UART that never reports THRE cannot hang us. */
#define UART_THRE_POLLS 100000

void serial_init(void) {
  outb(SVMM_PORT_COM1 + UART_IER, 0);
  outb(SVMM_PORT_COM1 + UART_LCR, UART_LCR_DLAB);
  outb(SVMM_PORT_COM1 + UART_THR, 1); /* divisor 1: 115200 baud */
  outb(SVMM_PORT_COM1 + UART_IER, 0);
  outb(SVMM_PORT_COM1 + UART_LCR, UART_LCR_8N1);
  outb(SVMM_PORT_COM1 + UART_FCR, UART_FCR_ENABLE_CLEAR);
  outb(SVMM_PORT_COM1 + UART_MCR, UART_MCR_DTR_RTS);
}

void serial_putc(char c) {
  for (int i = 0; i < UART_THRE_POLLS; ++i)
    if (inb(SVMM_PORT_COM1 + UART_LSR) & UART_LSR_THRE) break;
  outb(SVMM_PORT_COM1 + UART_THR, (uint8_t)c);
}
