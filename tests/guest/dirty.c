// SPDX-License-Identifier: GPL-2.0
#include "dirty.h"

#define CATCHUP_MS	20

/* xorshift32: a few cycles per number, plenty for spreading writes. */
static uint32_t rng_next(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

/* Uniform in [0, n) by multiply-high: no division, bias below 2^-32 * n. */
static uint32_t rng_below(uint32_t *s, uint32_t n)
{
	return (uint32_t)(((uint64_t)rng_next(s) * n) >> 32);
}

void dirtier_init(struct dirtier *d, struct workset *ws,
		  const struct config *cfg, uint32_t tsc_khz, uint64_t now)
{
	uint32_t rate = cfg->rate ? cfg->rate : 1;

	d->ws = ws;
	d->cfg = cfg;
	/* xorshift is stuck at 0; mix the seed so seed=0 is a valid choice. */
	d->rng = cfg->seed ^ 0x6d2b79f5u;
	if (!d->rng)
		d->rng = 0x6d2b79f5u;

	d->hot_pages = (uint32_t)((uint64_t)ws->nr_pages * cfg->hot / 100);
	if (cfg->hot && !d->hot_pages)
		d->hot_pages = 1;

	d->step = tsc_khz / rate;
	d->step_rem = tsc_khz % rate;
	d->step_acc = 0;
	d->next_write = now;
	/*
	 * Make up for short stalls (a heartbeat line costs ~1 ms of port
	 * exits under KVM, a busy host preempts the vCPU for a time slice)
	 * so the rate holds; drop longer debts (pause, a verify of a large
	 * set, a rate beyond reach) rather than burst.
	 */
	d->catchup_ticks = (uint64_t)CATCHUP_MS * tsc_khz;

	d->on_ticks = (uint64_t)cfg->on_ms * tsc_khz;
	d->off_ticks = (uint64_t)cfg->off_ms * tsc_khz;
	d->burst_on = true;
	d->next_switch = now + d->on_ticks;

	d->skip_corrupt = cfg->corrupt_set;
}

static uint32_t pick_page(struct dirtier *d)
{
	uint32_t n = d->ws->nr_pages;

	if (d->cfg->pattern == PATTERN_HOTCOLD && d->hot_pages) {
		uint32_t cold = n - d->hot_pages;

		if (!cold || rng_below(&d->rng, 100) < d->cfg->hotw)
			return rng_below(&d->rng, d->hot_pages);
		return d->hot_pages + rng_below(&d->rng, cold);
	}
	return rng_below(&d->rng, n);
}

/* Burst phases follow guest time; after a stall, restart the phase. */
static bool burst_active(struct dirtier *d, uint64_t now)
{
	if (!d->cfg->on_ms)
		return false;
	if (!d->cfg->off_ms)
		return true;
	if (now >= d->next_switch) {
		uint64_t len;

		d->burst_on = !d->burst_on;
		len = d->burst_on ? d->on_ticks : d->off_ticks;
		d->next_switch += len;
		if (d->next_switch <= now)
			d->next_switch = now + len;
		if (d->burst_on)
			d->next_write = now;
	}
	return d->burst_on;
}

bool dirtier_step(struct dirtier *d, uint64_t now)
{
	uint32_t idx;

	if (d->cfg->pattern == PATTERN_BURST && !burst_active(d, now))
		return false;

	if (!d->cfg->rate_max) {
		if (!d->cfg->rate || now < d->next_write)
			return false;
		/* Too far behind (paused, or rate beyond reach): drop the debt. */
		if (now - d->next_write > d->catchup_ticks)
			d->next_write = now;
		d->next_write += d->step;
		d->step_acc += d->step_rem;
		if (d->step_acc >= d->cfg->rate) {
			d->step_acc -= d->cfg->rate;
			d->next_write++;
		}
	}

	idx = pick_page(d);
	if (d->skip_corrupt && idx == d->cfg->corrupt)
		return true;
	workset_dirty(d->ws, idx);
	return true;
}
