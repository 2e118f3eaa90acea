// SPDX-License-Identifier: GPL-2.0
/*
 * COM1 as a 16550A at 115200 8N1, polled, no interrupts.
 */
#include "serial.h"
#include "io.h"

#define COM1		0x3f8
#define UART_DATA	0
#define UART_IER	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_DLL	0
#define UART_DLM	1

#define LSR_DATA_READY	0x01
#define LSR_THR_EMPTY	0x20

#define UART_FIFO_SIZE	16

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80);		/* DLAB to set the divisor */
	outb(COM1 + UART_DLL, 0x01);		/* 115200 / 1 */
	outb(COM1 + UART_DLM, 0x00);
	outb(COM1 + UART_LCR, 0x03);		/* 8N1, DLAB off */
	outb(COM1 + UART_FCR, 0xc7);		/* FIFOs on and cleared */
	outb(COM1 + UART_MCR, 0x03);		/* DTR, RTS; OUT2 off: no IRQ */
}

/*
 * Wait for an empty transmitter, then fill the whole FIFO: one status
 * read per 16 bytes keeps port exits (costly under KVM) few.
 */
void serial_write(const char *buf, uint32_t len)
{
	while (len) {
		uint32_t n = len < UART_FIFO_SIZE ? len : UART_FIFO_SIZE;

		while (!(inb(COM1 + UART_LSR) & LSR_THR_EMPTY))
			cpu_relax();
		for (uint32_t i = 0; i < n; i++)
			outb(COM1 + UART_DATA, (uint8_t)buf[i]);
		buf += n;
		len -= n;
	}
}

int serial_poll_rx(void)
{
	if (!(inb(COM1 + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(COM1 + UART_DATA);
}
