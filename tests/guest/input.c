// SPDX-License-Identifier: GPL-2.0
#include "input.h"
#include "io.h"
#include "serial.h"

#define KBD_DATA	0x60
#define KBD_STATUS	0x64
#define KBD_OBF		0x01	/* output buffer full */
#define KBD_AUX		0x20	/* ... and the byte is from the mouse */
#define SC1_V_MAKE	0x2f	/* scan code set 1 (i8042 translation on) */

/* Bounded so a chatty host cannot hold up the main loop. */
#define DRAIN_MAX	16

bool input_poll_verify(void)
{
	bool want = false;

	for (int i = 0; i < DRAIN_MAX; i++) {
		int ch = serial_poll_rx();

		if (ch < 0)
			break;
		if (ch == 'v')
			want = true;
	}

	for (int i = 0; i < DRAIN_MAX; i++) {
		uint8_t st = inb(KBD_STATUS);
		uint8_t b;

		if (!(st & KBD_OBF))
			break;
		b = inb(KBD_DATA);
		if (!(st & KBD_AUX) && b == SC1_V_MAKE)
			want = true;
	}
	return want;
}
