/* Polled 16550 driver for COM1 (spec/guest-abi.md section 3). */
#ifndef SVMM_GUEST_KERNEL_SERIAL_H
#define SVMM_GUEST_KERNEL_SERIAL_H

void serial_init(void);
/* Waits for the transmitter holding register to be empty, then writes the byte. */
void serial_putc(char c);

#endif
