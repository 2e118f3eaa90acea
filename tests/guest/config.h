/* SPDX-License-Identifier: GPL-2.0 */
/* The guest's workload settings, parsed from the multiboot command line. */
#ifndef PALM_GUEST_CONFIG_H
#define PALM_GUEST_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE_SIZE	4096u

enum pattern {
	PATTERN_UNIFORM,
	PATTERN_HOTCOLD,
	PATTERN_BURST,
};

struct config {
	uint32_t ws_pages;
	bool rate_max;
	uint32_t rate;		/* pages per ms, unless rate_max */
	enum pattern pattern;
	uint32_t hot;		/* percent of pages that are hot */
	uint32_t hotw;		/* percent of writes that go to hot pages */
	uint32_t on_ms;
	uint32_t off_ms;
	uint32_t period_ms;
	uint32_t verify_every;
	uint32_t seed;
	uint32_t fill;		/* percent of each page that compresses */
	uint32_t delta;		/* percent of fill words a re-dirtying write changes */
	bool corrupt_set;	/* test hook: damage one page after "ready" */
	uint32_t corrupt;
};

/*
 * Fills *c from a "key=value ..." command line, defaults first. On a bad
 * token it prints "error: bad argument '<token>'" and returns -1.
 */
int config_parse(struct config *c, const char *cmdline);

const char *pattern_name(enum pattern p);

#endif
