// SPDX-License-Identifier: GPL-2.0
/*
 * Count TSC ticks over a known number of PIT channel 2 clocks. Channel 2
 * is gated through port 0x61 and its output is readable there, so no
 * interrupt is needed.
 */
#include "timer.h"
#include "io.h"

#define PIT_HZ		1193182u
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PORT_B		0x61

#define PORTB_GATE2	0x01
#define PORTB_SPEAKER	0x02
#define PORTB_OUT2	0x20

/* 50 ms: long enough that a port exit or two at each end is noise. */
#define CAL_COUNT	59659u
#define CAL_SPIN_LIMIT	100000000u

uint32_t tsc_calibrate_khz(void)
{
	uint8_t portb = inb(PORT_B) & ~(PORTB_GATE2 | PORTB_SPEAKER);
	uint64_t t0, t1, ticks;
	uint32_t spins = 0;

	/* Gate low holds the count until we have read the start time. */
	outb(PORT_B, portb);
	outb(PIT_CMD, 0xb0);		/* ch2, lo/hi byte, mode 0, binary */
	outb(PIT_CH2, CAL_COUNT & 0xff);
	outb(PIT_CH2, CAL_COUNT >> 8);

	t0 = rdtsc();
	outb(PORT_B, portb | PORTB_GATE2);
	while (!(inb(PORT_B) & PORTB_OUT2)) {
		if (++spins == CAL_SPIN_LIMIT)
			return 0;
	}
	t1 = rdtsc();
	outb(PORT_B, portb);

	/* ticks per ms = delta * PIT_HZ / (count * 1000), rounded */
	ticks = ((t1 - t0) * PIT_HZ + CAL_COUNT * 1000u / 2) /
		(CAL_COUNT * 1000u);
	if (ticks == 0 || ticks > 0xffffffffull)
		return 0;
	return (uint32_t)ticks;
}
