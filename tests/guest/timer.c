// SPDX-License-Identifier: GPL-2.0
/*
 * Count TSC ticks over a known number of PIT channel 2 clocks. Channel 2
 * is gated through port 0x61 and its output is readable there, so no
 * interrupt is needed.
 *
 * A vCPU can be preempted at any point (a loaded host, nested virt), and
 * a port access is an exit that takes a while. Both clocks run in real
 * time, so only the two ends matter: each end is bracketed by TSC reads,
 * and the run with the tightest brackets wins.
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

/* 10 ms per run: long against a port exit, short against a time slice. */
#define CAL_COUNT	11932u
#define CAL_RUNS_MAX	20
#define CAL_SPIN_LIMIT	100000000u

struct cal_run {
	uint64_t ticks;		/* best estimate of the interval */
	uint64_t error;		/* width of the brackets around both ends */
};

static int calibrate_once(struct cal_run *run)
{
	uint8_t portb = inb(PORT_B) & ~PORTB_SPEAKER;
	uint64_t start_lo, start_hi, end_lo = 0, end_hi;
	uint32_t spins = 0;

	/*
	 * Gate high first: QEMU and KVM ignore the gate in mode 0 and
	 * count from the load, so make real hardware do the same.
	 */
	outb(PORT_B, portb | PORTB_GATE2);
	outb(PIT_CMD, 0xb0);		/* ch2, lo/hi byte, mode 0, binary */
	outb(PIT_CH2, CAL_COUNT & 0xff);
	start_lo = rdtsc();
	outb(PIT_CH2, CAL_COUNT >> 8);	/* the count loads, OUT2 drops */
	start_hi = rdtsc();

	for (;;) {
		uint64_t before = rdtsc();
		uint8_t st = inb(PORT_B);

		end_hi = rdtsc();
		if (st & PORTB_OUT2)
			break;
		end_lo = before;
		if (++spins == CAL_SPIN_LIMIT)
			return -1;
	}
	if (!end_lo)			/* high on the first read: bogus */
		return -1;

	/* The interval lies in [end_lo - start_hi, end_hi - start_lo]. */
	run->ticks = ((end_lo - start_hi) + (end_hi - start_lo)) / 2;
	run->error = (end_hi - end_lo) + (start_hi - start_lo);
	return 0;
}

uint32_t tsc_calibrate_khz(void)
{
	struct cal_run best = { 0, ~0ull };
	uint64_t khz;

	for (int i = 0; i < CAL_RUNS_MAX; i++) {
		struct cal_run run;

		if (calibrate_once(&run))
			return 0;
		if (run.error < best.error)
			best = run;
		/* Brackets under 0.05% of the interval: good enough. */
		if (i >= 2 && best.error * 2000 < best.ticks)
			break;
	}

	/* ticks per ms = ticks * PIT_HZ / (count * 1000), rounded */
	khz = (best.ticks * PIT_HZ + CAL_COUNT * 1000u / 2) /
	      (CAL_COUNT * 1000u);
	if (khz == 0 || khz > 0xffffffffull)
		return 0;
	return (uint32_t)khz;
}
