/* SPDX-License-Identifier: GPL-2.0 */
/* COM1 output of protocol lines and polled input. */
#ifndef PALM_GUEST_SERIAL_H
#define PALM_GUEST_SERIAL_H

#include <stdint.h>

void serial_init(void);
void serial_write(const char *buf, uint32_t len);
/* Returns the next received byte, or -1 when none is waiting. */
int serial_poll_rx(void);

#endif
