/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host side of the test guest's serial protocol (tests/guest/README.md):
 * parse its lines, follow its log files as they grow, and turn heartbeat
 * arrival times into the pause the guest saw during a migration.
 */
#ifndef PALM_GUEST_LOG_H
#define PALM_GUEST_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum guest_line_kind {
	GUEST_LINE_OTHER,	/* not part of the protocol: ignored */
	GUEST_LINE_HEADER,	/* palm-guest v1 ... */
	GUEST_LINE_READY,	/* ready ws_pages=N */
	GUEST_LINE_HEARTBEAT,	/* hb seq=N t_ms=N work=N gen=N */
	GUEST_LINE_VERIFY,	/* verify seq=N pages=N bad=N first_bad=N result=ok|FAIL */
	GUEST_LINE_ERROR,	/* error: ... */
};

struct guest_heartbeat {
	uint64_t seq;
	uint64_t t_ms;		/* guest time: stops while the VM is paused */
	uint64_t work;		/* page writes since boot */
	uint64_t gen;
};

struct guest_verify {
	uint64_t seq;
	uint64_t pages;
	uint64_t bad;
	int64_t first_bad;	/* -1 when none */
	bool ok;
};

struct guest_header {
	uint64_t ws_pages;
	uint64_t period_ms;
};

struct guest_line {
	enum guest_line_kind kind;
	union {
		struct guest_heartbeat hb;
		struct guest_verify verify;
		struct guest_header header;
		uint64_t ready_pages;
	};
};

/*
 * Parse one line (without its newline).  Lines that start like a protocol
 * line but do not parse give -EINVAL: a garbled heartbeat must not be
 * mistaken for a missing one.
 */
int guest_parse_line(const char *line, size_t len, struct guest_line *out);

/* Follows a growing log file line by line. */
struct guest_tail {
	int fd;
	size_t len;
	unsigned long bad_lines;
	char buf[4096];
};

int guest_tail_open(struct guest_tail *t, const char *path);
void guest_tail_close(struct guest_tail *t);

typedef void guest_line_fn(void *ctx, const struct guest_line *line,
			   double arrival_s);

/* Read whatever was appended since the last call; call fn for each line. */
int guest_tail_read(struct guest_tail *t, double now_s, guest_line_fn *fn,
		    void *ctx);

/*
 * Pause as the guest experienced it: the largest gap between the arrival
 * of consecutive heartbeats, taken across the source's and the
 * destination's logs, less the heartbeat period.
 */
struct guest_pause_meter {
	uint64_t period_ms;
	bool have_last;
	uint64_t last_seq;
	double last_arrival_s;
	double max_gap_s;
	uint64_t heartbeats;
	uint64_t seq_jumps;	/* heartbeats the guest skipped (re-anchored) */
	struct guest_verify last_verify;
	bool have_verify;
	/* work counters for the guest's slowdown */
	bool have_first;
	uint64_t first_work;
	double first_arrival_s;
	uint64_t last_work;
};

void guest_pause_meter_init(struct guest_pause_meter *m, uint64_t period_ms);
void guest_pause_meter_feed(struct guest_pause_meter *m,
			    const struct guest_line *line, double arrival_s);
double guest_pause_ms(const struct guest_pause_meter *m);

#endif /* PALM_GUEST_LOG_H */
