/* SPDX-License-Identifier: GPL-2.0 */
/* The dirtier: picks pages by pattern and paces writes by TSC time. */
#ifndef PALM_GUEST_DIRTY_H
#define PALM_GUEST_DIRTY_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "workset.h"

struct dirtier {
	struct workset *ws;
	const struct config *cfg;
	uint32_t rng;

	uint32_t hot_pages;	/* hotcold: pages [0, hot_pages) are hot */

	/* paced mode: one page every step + step_rem/rate ticks */
	uint64_t next_write;
	uint32_t step;
	uint32_t step_rem;
	uint32_t step_acc;
	uint64_t catchup_ticks;

	/* burst pattern */
	bool burst_on;
	uint64_t next_switch;
	uint64_t on_ticks;
	uint64_t off_ticks;

	bool skip_corrupt;	/* keep the test-corrupted page as it is */
};

void dirtier_init(struct dirtier *d, struct workset *ws,
		  const struct config *cfg, uint32_t tsc_khz, uint64_t now);
/* Writes at most one page if one is due; returns whether it did. */
bool dirtier_step(struct dirtier *d, uint64_t now);

#endif
