/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pre-copy (and post-copy) live-migration model with QEMU's switch-over
 * rule, in the spirit of Liu et al. (HPDC'11) and Akoush et al.
 * (MASCOTS'10): pass k re-sends the distinct pages dirtied during pass
 * k-1, and QEMU stops the guest once what is left fits the downtime limit
 * at the measured bandwidth (it checks through a pass, not only at its
 * end).  Pure computation; the coefficients come
 * from palm's own measured migrations (bench/migration/calibrate.sh
 * writes them, qmp_model_coef_load reads them).
 */
#ifndef PALM_QMP_MODEL_H
#define PALM_QMP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Fitted on measured migrations; see kernel-notes/migration-controller.md. */
struct qmp_model_coef {
	double link_efficiency;		/* RAM goodput / link rate, 0..1 */
	double setup_s;			/* migrate to the first page sent */
	double pass_overhead_s;		/* bitmap sync and pipeline per pass */
	/*
	 * What a backend's migration job takes beyond QEMU's own, whatever
	 * the guest: libvirt's prepare, finish and confirm phases.  0 over
	 * QMP, where the job is QEMU's.
	 */
	double job_overhead_s;
	double zero_page_bytes;		/* stream bytes per all-zero page */
	double page_overhead_bytes;	/* stream bytes per page beyond 4 KiB */
	double downtime_fixed_ms;	/* device state and switch-over */
	double pause_fixed_ms;		/* guest-side pause beyond the stream */
	/*
	 * The least a pre-copy switch-over pauses the guest, whatever the
	 * remainder, for a backend that adds a fixed stop of its own.  0
	 * unless a grid's fit finds one: none of palm's grids has, through
	 * QMP or libvirt 9.0 (see kernel-notes/migration-controller.md).
	 */
	double pause_floor_ms;
	double inflight_bytes;		/* queued on the path at the switch */
	double multifd_inflight_bytes;	/* the same, compressed, with multifd */
	double postcopy_pause_ms;	/* guest pause at the post-copy switch */
	/*
	 * Share of the downtime limit still pending when QEMU switches over
	 * during a pass (qmp_model_precopy), 0..1.
	 */
	double switch_fill;
};

/* What the migration faces, measured or given. */
struct qmp_model_input {
	double ram_bytes;		/* guest RAM */
	double used_bytes;		/* non-zero pages (<= ram_bytes) */
	double ws_bytes;		/* pages the guest keeps rewriting */
	double dirty_bps;		/* page writes, bytes/s, into ws_bytes */
	double link_bps;		/* link rate, bytes/s */
	double max_bandwidth_bps;	/* QEMU's cap, bytes/s; <= 0: none */
	double downtime_limit_ms;	/* QEMU's downtime-limit */
	double throttle;		/* share of the dirty rate removed, 0..1 */
	int max_passes;			/* give up after this many; <= 0: 1000 */
	/*
	 * QEMU waits for the destination before it completes (postcopy-ram
	 * or return-path on): its downtime and total time then include
	 * draining what is in flight, not only writing it.
	 */
	bool return_path;
	/*
	 * multifd zstd, if palm may use it: page bytes per wire byte (<= 1:
	 * none) and page bytes/s its compressing threads sustain together
	 * (<= 0: no limit).  QEMU 7.2 counts multifd pages uncompressed in
	 * "transferred" and in its rate limit, so bytes, bandwidths and
	 * max_bandwidth_bps stay in page bytes.
	 */
	double compress_ratio;
	double compress_bps;
	/*
	 * xbzrle, if palm may use it: page bytes per wire byte of a page
	 * QEMU re-sends from its cache (<= 1: none).  QEMU caches pages from
	 * the second pass on, so from the third a re-dirtied page goes as
	 * its difference; its switch-over rule still counts pending pages
	 * whole.  The cache is assumed to hold the working set.
	 */
	double xbzrle_ratio;
};

struct qmp_model_pred {
	bool converges;		/* the switch-over happens in max_passes */
	int passes;		/* RAM passes including the first */
	double total_s;		/* start to completion (QEMU's total-time) */
	double bytes;		/* stream bytes */
	double downtime_ms;	/* QEMU-reported downtime */
	double pause_ms;	/* what the guest sees */
	double goodput_bps;	/* page bytes/s the model assumes */
	double wire_bps;	/* the same on the wire (less if compressed) */
	double steady_dirty_bytes; /* per-pass dirty set it settles at */
	/*
	 * The switch-over comes during a pass, once it has drained to the
	 * limit palm raised (coef switch_fill), not at the pass's end.
	 */
	bool mid_pass;
};

void qmp_model_coef_defaults(struct qmp_model_coef *c);

/*
 * Reads "key = value" lines (# comments) over the defaults.  Unknown
 * keys, malformed or out-of-range values are -EINVAL with the line in
 * err; a missing file is -ENOENT.  qmp_model_coef_parse does the same on
 * a buffer, for tests and fuzzing.
 */
int qmp_model_coef_load(const char *path, struct qmp_model_coef *c,
			char *err, size_t errlen);
int qmp_model_coef_parse(const char *buf, size_t len,
			 struct qmp_model_coef *c, char *err, size_t errlen);

/*
 * The i-th coefficient's name (as the file spells it) and value, for
 * reports that must say what a prediction was made with; -ENOENT past
 * the last.
 */
int qmp_model_coef_get(const struct qmp_model_coef *c, size_t i,
		       const char **name, double *value);

/* Every coefficient as "name = value" lines, as qmp_model_coef_load reads them. */
void qmp_model_coef_write(FILE *f, const struct qmp_model_coef *c);

/* Distinct bytes dirtied in t seconds: ws (1 - exp(-rate t / ws)). */
double qmp_model_dirtied(double ws_bytes, double dirty_bps, double t_s);

/*
 * Working set and rate from two distinct-dirty measurements (bytes
 * dirtied per second over windows of t1 and t2 = 2 t1 seconds, as
 * QEMU's calc-dirty-rate reports them).  Returns 0 or -EINVAL; a rate
 * that did not saturate gives ws = cap_bytes.
 */
int qmp_model_fit_dirty(double rate1_bps, double rate2_bps, double t1_s,
			double cap_bytes, double *ws_bytes, double *dirty_bps);

/* Pre-copy under QEMU's rule.  -EINVAL on nonsense input. */
int qmp_model_precopy(const struct qmp_model_coef *c,
		      const struct qmp_model_input *in,
		      struct qmp_model_pred *out);
/* One pre-copy pass, then post-copy for the rest. */
int qmp_model_postcopy(const struct qmp_model_coef *c,
		       const struct qmp_model_input *in,
		       struct qmp_model_pred *out);

/*
 * Guest pause beyond downtime_fixed_ms and the remainder's transfer at
 * goodput bytes/s: draining what is in flight when the source stops (at
 * the wire's rate: compressed bytes, when compressing), plus the
 * guest-side fixed part.  The guest's pause is
 * downtime_fixed_ms + remainder / goodput + this, and at least
 * pause_floor_ms.
 */
double qmp_model_pause_overhead_ms(const struct qmp_model_coef *c,
				   double wire_bps, bool multifd);

/*
 * What a downtime limit must leave of the pause target for that: the
 * same, but multifd's drain taken at QMP_MODEL_MULTIFD_DRAIN_RESERVE
 * times its fitted (median) size, for it varies more (81-139 ms beyond
 * QEMU's downtime at 100 Mbit/s in the grid, 93 ms the median).
 */
#define QMP_MODEL_MULTIFD_DRAIN_RESERVE 1.5
double qmp_model_pause_reserve_ms(const struct qmp_model_coef *c,
				  double wire_bps, bool multifd);

/*
 * With xbzrle, the share of a pass's pages (from the third pass on) that
 * QEMU's cache holds: for a uniform working set, the share dirtied in
 * the cached_s seconds from the start of the first pass to the start of
 * the last one, which sent them.  0 without xbzrle.
 */
double qmp_model_xbzrle_hit(const struct qmp_model_input *in, double cached_s);

/*
 * What QEMU's downtime limit may be multiplied by for a pass whose
 * pages are a hit share cached and go xbzrle_ratio smaller (the rest
 * whole): QEMU weighs pending pages whole, so a limit meant for the
 * pause would never let a working set larger than it switch.  palm
 * counts on QMP_MODEL_XBZRLE_LIMIT_SHARE of the pass's gain: the ratio
 * comes from one sample of a few dozen to a few hundred pages.
 */
#define QMP_MODEL_XBZRLE_LIMIT_SHARE 0.7
double qmp_model_xbzrle_limit_gain(double hit, double xbzrle_ratio);

/*
 * The downtime limit palm gives QEMU for a guest pause of max_pause_ms:
 * the pause less the fixed part and what drains from the path after the
 * stop (qmp_model_pause_reserve_ms).  May be < 1: no limit fits.
 */
double qmp_model_limit_for_pause(const struct qmp_model_coef *c,
				 const struct qmp_model_input *in,
				 double max_pause_ms);

/* The service-level target of one migration. */
struct qmp_model_target {
	double max_pause_ms;		/* guest-observed pause */
	double max_total_s;
	double max_slowdown;		/* 0..0.99 of the guest's dirtying */
	bool allow_postcopy;
};

enum qmp_model_mode {
	QMP_MODEL_PRECOPY,		/* plain pre-copy */
	QMP_MODEL_PRECOPY_THROTTLED,	/* pre-copy with throttling */
	QMP_MODEL_POSTCOPY,		/* pre-copy, then post-copy */
	QMP_MODEL_INFEASIBLE,
};

struct qmp_model_plan {
	enum qmp_model_mode mode;
	struct qmp_model_pred pred;	/* for the chosen mode */
	double downtime_limit_ms;	/* what to give QEMU at the start */
	double throttle;		/* share of dirtying to remove */
	bool compress;			/* multifd zstd, pre-copy only */
	bool xbzrle;			/* xbzrle, pre-copy only */
	/* Infeasible: what would make it feasible (0 = nothing would). */
	double needed_pause_ms;
	double needed_link_bps;
	char reason[256];
};

/*
 * Picks the cheapest mode that meets the target: pre-copy, then
 * pre-copy throttled within max_slowdown, then post-copy if allowed.
 * With in->compress_ratio > 1 it also plans pre-copy with multifd zstd
 * (never post-copy: QEMU sends post-copy pages outside multifd), with
 * in->xbzrle_ratio > 1 pre-copy with xbzrle (QEMU does not use it with
 * multifd, nor once in post-copy), and takes the fastest of those that
 * meets the target and saves at least QMP_MODEL_COMPRESS_MIN_GAIN of the
 * plain plan's total time, or alone meets it.
 * in->downtime_limit_ms and in->throttle are ignored (the plan sets
 * them); in->return_path is forced on when post-copy is allowed, as
 * palm then enables postcopy-ram.  0 or -EINVAL.
 */
#define QMP_MODEL_COMPRESS_MIN_GAIN 0.1

int qmp_model_plan(const struct qmp_model_coef *c,
		   const struct qmp_model_input *in,
		   const struct qmp_model_target *t,
		   struct qmp_model_plan *out);

const char *qmp_model_mode_name(enum qmp_model_mode mode);

#endif /* PALM_QMP_MODEL_H */
