// SPDX-License-Identifier: GPL-2.0
/* The controllers' decisions; see qmp_ctl.h. */
#include "qmp/qmp_ctl.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* libvirt's "unlimited" migration speed (INT64_MAX >> 20 MiB/s). */
#define LIBVIRT_UNLIMITED_BPS ((INT64_MAX >> 20) << 20)
/*
 * Bandwidth windows shorter than this see socket buffers and tbf's
 * burst fill, not the link (100 ms polls swing by 40 %).
 */
#define BW_MIN_WINDOW_S 1.0
#define BW_SMOOTHING 0.5
/* avail-switchover-bandwidth follows the measured goodput past this share */
#define SWITCHOVER_BW_HYSTERESIS 0.1
/* Head-room on the remainder QEMU must fit: its bandwidth estimate is
 * a 100 ms window and jitters. */
#define REMAINDER_MARGIN 0.2
/* A new limit is sent only when it moves this much. */
#define LIMIT_HYSTERESIS_MS 5
#define LIMIT_HYSTERESIS_REL 0.1
/* Passes that must fail to shrink before palm escalates ... */
#define STUCK_PASSES 2
/* ... and before it gives up: a bursty guest may calm down meanwhile. */
#define STUCK_ABORT_PASSES 4
/* auto-converge as the dirty limit's fallback: steps, seconds per step */
#define AC_STEPS 2
#define AC_STEP_S 2.5
/* A pass that leaves more than this share of the last one is not shrinking. */
#define SHRINK_RATIO 0.9
/* Dirty limit: leave the link this share of head-room to drain. */
#define DIRTY_LIMIT_LINK_SHARE 0.5
/* The vCPUs that make this share of the guest's dirtying get the limit. */
#define DIRTY_LIMIT_COVER 0.9
/*
 * QEMU's dirty limit stops steering a vCPU once its rate is within 25 MB/s
 * of the limit (DIRTYLIMIT_TOLERANCE_RANGE, softmmu/dirtylimit.c, 7.1 on):
 * no limit holds a dirtying vCPU below about this.
 */
#define QEMU_DIRTY_LIMIT_REACH_BPS (26 * DIRTY_LIMIT_UNIT)
/* A limited vCPU this far above its aim gets a lower limit. */
#define DIRTY_LIMIT_TOLERANCE 0.15
/* Each escalation with limits in force halves the aim, to the allowance. */
#define DIRTY_LIMIT_STEP 0.5
/*
 * QEMU's dirty limit sleeps a vCPU each time its dirty ring fills, and
 * raises that sleep every second the vCPU stays above its limit, up to
 * 99 times the ring's fill time (dirtylimit_set_throttle, 7.1 on): a
 * 16 MiB ring under a 1 MiB/s limit stalled the test guest 3.4 s.  The
 * sleep that holds a limit q is ring / q - ring / rate; palm keeps it
 * within this share of the pause target, and so no limit below
 * ring / (share x pause + ring / rate).
 */
#define DIRTY_LIMIT_STALL_SHARE 0.5
/*
 * A ring of unknown size is taken as the largest QEMU allows: the
 * highest floor, so that no limit can stall a vCPU past the share.
 */
#define ASSUMED_DIRTY_RING_PAGES QMP_DIRTY_RING_MAX_PAGES
/* Per-vCPU observations older than this no longer describe the guest. */
#define VCPU_OBS_MAX_AGE_S 3.0
#define MB 1e6
/* QEMU's dirty-limit unit: (pages x page size) >> 20 per second. */
#define DIRTY_LIMIT_UNIT 1048576.0

void qmp_ctl_init(struct qmp_ctl *ctl, enum qmp_ctl_kind kind,
		  const struct qmp_model_coef *coef,
		  const struct qmp_model_target *target)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->kind = kind;
	ctl->coef = *coef;
	ctl->target = *target;
	ctl->downtime_ms = -1;
	ctl->nova_step = -1;
	ctl->caps.nvcpu = 1;
}

void qmp_ctl_log(struct qmp_ctl *ctl, double t_s, const char *action,
		 double value, const char *fmt, ...)
{
	struct qmp_ctl_decision *d;
	va_list ap;

	if (ctl->nlog >= QMP_CTL_LOG_MAX) {
		ctl->log_dropped++;
		return;
	}
	d = &ctl->log[ctl->nlog++];
	d->t_s = t_s;
	d->value = value;
	snprintf(d->action, sizeof(d->action), "%s", action);
	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
}

const char *qmp_ctl_kind_name(enum qmp_ctl_kind kind)
{
	switch (kind) {
	case QMP_CTL_PALM:
		return "palm";
	case QMP_CTL_QEMU:
		return "qemu";
	case QMP_CTL_NOVA:
		return "nova";
	case QMP_CTL_AUTOCONVERGE:
		return "autoconverge";
	}
	return "unknown";
}

int qmp_ctl_kind_parse(const char *name, enum qmp_ctl_kind *kind)
{
	static const enum qmp_ctl_kind all[] = { QMP_CTL_PALM, QMP_CTL_QEMU,
						 QMP_CTL_NOVA,
						 QMP_CTL_AUTOCONVERGE };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (!strcmp(name, qmp_ctl_kind_name(all[i]))) {
			*kind = all[i];
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * QEMU's xbzrle cache keeps a power-of-two number of pages (it rounds
 * down) and is direct-mapped: the working set's pages, contiguous or
 * not, fit once it holds them all with room to spare.
 */
static int64_t xbzrle_cache_bytes(double ws_bytes, double ram_bytes)
{
	int64_t c = 1 << 20;

	while (c < 2 * ws_bytes && c < ram_bytes)
		c <<= 1;
	return c;
}

static void setup_none(struct qmp_ctl_setup *s)
{
	memset(s, 0, sizeof(*s));
	s->downtime_ms = -1;
	s->bandwidth_bps = -1;
	s->max_cpu_throttle_pct = -1;
	s->cpu_throttle_initial_pct = -1;
	s->switchover_bps = -1;
}

/* The allowance as QEMU's throttle ceiling, percent. */
static int64_t allowance_pct(const struct qmp_ctl *ctl)
{
	/* never above it: 0.07 x 100 is 7.000000000000001, not 8 */
	return (int64_t)floor(ctl->target.max_slowdown * 100 + 1e-6);
}

static double dirty_ring_bytes(const struct qmp_ctl *ctl)
{
	int pages = ctl->caps.dirty_ring_pages > 0 ? ctl->caps.dirty_ring_pages :
						     ASSUMED_DIRTY_RING_PAGES;

	return pages * 4096.0;
}

/* The lowest limit for a vCPU dirtying vcpu_bps that stalls it briefly. */
static double stall_floor_bps(const struct qmp_ctl *ctl, double vcpu_bps)
{
	double ring = dirty_ring_bytes(ctl);
	double stall_s = DIRTY_LIMIT_STALL_SHARE * ctl->target.max_pause_ms / 1000;

	if (!(vcpu_bps > 0))
		return ring / stall_s;
	return ring / (stall_s + ring / vcpu_bps);
}

/*
 * The least a guest dirtying dirty_bps can be held to by per-vCPU
 * limits: QEMU's tolerance, and the stall floor of a vCPU making all of
 * it (the floor is concave: any split over more vCPUs adds up to more).
 * Whether to try at all; each limit set keeps its own vCPU's floor.
 */
static double dl_reach_bps(const struct qmp_ctl *ctl, double dirty_bps)
{
	return fmax(QEMU_DIRTY_LIMIT_REACH_BPS,
		    stall_floor_bps(ctl, dirty_bps));
}

static bool dl_all_at_floor(const struct qmp_ctl *ctl)
{
	int i;

	for (i = 0; i < ctl->ndl; i++)
		if (ctl->dl[i].mbps > ctl->dl[i].floor_mbps)
			return false;
	return ctl->ndl > 0;
}

/*
 * A plan that throttles: per-vCPU dirty limits where QEMU has them and
 * they can reach the aim without stalling a vCPU (auto-converge armed
 * behind them), else whole-guest auto-converge up to the allowance.
 */
static void plan_throttle(struct qmp_ctl *ctl, struct qmp_ctl_setup *s)
{
	const struct qmp_model_target *t = &ctl->target;
	const struct qmp_model_plan *p = &ctl->plan;
	double need_bps = ctl->input.dirty_bps * (1 - p->throttle);
	double reach_bps = dl_reach_bps(ctl, ctl->input.dirty_bps);

	if (ctl->caps.vcpu_dirty_limit && ctl->caps.dirty_ring_pages < 0) {
		qmp_ctl_log(ctl, -1, "dirty-limit", 0,
			    "not used: the source QEMU runs without a KVM dirty ring (its command line sets no dirty-ring-size, or KVM does not run), and QEMU limits dirtying only through one");
		ctl->caps.vcpu_dirty_limit = false;
	} else if (ctl->caps.vcpu_dirty_limit && ctl->caps.dirty_ring_pages == 0) {
		qmp_ctl_log(ctl, -1, "note", ASSUMED_DIRTY_RING_PAGES,
			    "dirty ring size unknown (%s): assumed the largest QEMU takes, %d entries per vCPU, for the dirty limit's stall floor",
			    ctl->caps.dirty_ring_unknown[0] ?
				    ctl->caps.dirty_ring_unknown :
				    "this backend does not tell",
			    ASSUMED_DIRTY_RING_PAGES);
	}
	if (ctl->caps.vcpu_dirty_limit && need_bps < reach_bps &&
	    ctl->caps.auto_converge) {
		qmp_ctl_log(ctl, -1, "dirty-limit", 0,
			    "not used: the plan needs the guest at %.1f MiB/s; QEMU's dirty limit holds a vCPU only to within 25 MB/s of its limit, and below %.1f MiB/s a full dirty ring would stall it > %.0f ms",
			    need_bps / DIRTY_LIMIT_UNIT, reach_bps / DIRTY_LIMIT_UNIT,
			    DIRTY_LIMIT_STALL_SHARE * t->max_pause_ms);
		ctl->caps.vcpu_dirty_limit = false;
	}
	if (!ctl->caps.vcpu_dirty_limit) {
		/* QEMU throttles by itself; palm caps it at the allowance. */
		s->auto_converge = true;
		s->max_cpu_throttle_pct = allowance_pct(ctl);
		qmp_ctl_log(ctl, -1, "auto-converge", s->max_cpu_throttle_pct,
			    "no per-vCPU dirty limit here: whole-guest auto-converge, at most %lld%% throttle (the slowdown allowance)",
			    (long long)s->max_cpu_throttle_pct);
	} else if (ctl->caps.auto_converge && ctl->caps.live_cpu_throttle) {
		/*
		 * Behind the per-vCPU limit, in case QEMU cannot hold it:
		 * auto-converge at 1 % (QEMU wants it on before the start),
		 * raised to the allowance only if the limit fails.
		 */
		s->auto_converge = true;
		s->cpu_throttle_initial_pct = 1;
		s->max_cpu_throttle_pct = 1;
		ctl->ac_armed = true;
		qmp_ctl_log(ctl, -1, "auto-converge", 1,
			    "armed at 1%%: raised to the %.0f%% allowance only if QEMU's per-vCPU dirty limit does not hold",
			    t->max_slowdown * 100);
	}
}

static int plan_palm(struct qmp_ctl *ctl, struct qmp_ctl_setup *s)
{
	const struct qmp_model_target *t = &ctl->target;
	struct qmp_model_plan *p = &ctl->plan;
	double lim;
	int err;

	s->postcopy = t->allow_postcopy && ctl->caps.postcopy;
	/*
	 * A faulted page otherwise waits behind the background stream
	 * queued on the link: the guest's post-copy pause is that queue.
	 */
	s->postcopy_preempt = s->postcopy && ctl->caps.postcopy_preempt;
	if (!ctl->have_input) {
		/* Nothing measured: start within the pause target, learn. */
		lim = t->max_pause_ms - ctl->coef.downtime_fixed_ms -
		      ctl->coef.pause_fixed_ms;
		s->downtime_ms = lim >= 1 ? (int64_t)lim : 1;
		/*
		 * QEMU's own cap (32 MiB/s in 7.2) is nobody's choice and,
		 * with the link unknown, no better one exists: lift it as
		 * libvirt does.
		 */
		s->bandwidth_bps = LIBVIRT_UNLIMITED_BPS;
		qmp_ctl_log(ctl, -1, "plan", s->downtime_ms,
			    "no measurements: downtime limit %lld ms from the %.0f ms pause target, refined from the first pass; link rate unknown: max-bandwidth unlimited (not QEMU's default cap)",
			    (long long)s->downtime_ms, t->max_pause_ms);
		ctl->downtime_ms = s->downtime_ms;
		return 0;
	}

	err = qmp_model_plan(&ctl->coef, &ctl->input, t, p);
	if (err)
		return err;
	/* A mode this QEMU cannot do is no plan. */
	if (p->mode == QMP_MODEL_POSTCOPY && !ctl->caps.postcopy) {
		p->mode = QMP_MODEL_INFEASIBLE;
		snprintf(p->reason, sizeof(p->reason),
			 "only post-copy meets the target and this QEMU pair lacks postcopy-ram");
	}
	if (p->mode == QMP_MODEL_PRECOPY_THROTTLED &&
	    !ctl->caps.vcpu_dirty_limit && !ctl->caps.auto_converge) {
		p->mode = QMP_MODEL_INFEASIBLE;
		snprintf(p->reason, sizeof(p->reason),
			 "only throttling meets the target and this QEMU can neither limit dirty rates nor auto-converge");
	}
	qmp_ctl_log(ctl, -1, "predict", p->pred.total_s,
		    "%s: %d passes, %.2f s, %.1f MiB, downtime %.0f ms, pause %.0f ms at %.1f Mbit/s goodput",
		    qmp_model_mode_name(p->mode), p->pred.passes,
		    p->pred.total_s, p->pred.bytes / 1048576,
		    p->pred.downtime_ms, p->pred.pause_ms,
		    p->pred.goodput_bps * 8 / MB);
	if (p->mode == QMP_MODEL_INFEASIBLE) {
		qmp_ctl_log(ctl, -1, "infeasible", 0, "%s", p->reason);
		return -ECANCELED;
	}
	if (p->compress) {
		/* QEMU 7.2's destination asserts if post-copy meets multifd */
		s->compress_channels = ctl->caps.compress_threads;
		s->postcopy = false;
		s->postcopy_preempt = false;
		ctl->caps.postcopy = false;
		qmp_ctl_log(ctl, -1, "compress", ctl->input.compress_ratio,
			    "multifd zstd on %d channel%s: the RAM sample compresses %.2fx, %d thread%s at %.0f MB/s of pages; post-copy off (not with multifd)",
			    s->compress_channels,
			    s->compress_channels == 1 ? "" : "s",
			    ctl->input.compress_ratio, ctl->caps.compress_threads,
			    ctl->caps.compress_threads == 1 ? "" : "s",
			    ctl->input.compress_bps / 1e6);
	} else if (ctl->input.compress_ratio > 0) {
		qmp_ctl_log(ctl, -1, "compress", 0,
			    "not used: the RAM sample compresses %.2fx, %.0f MB/s of pages with %d thread%s; compressed pre-copy would miss the target or save less than %.0f%% of the time",
			    ctl->input.compress_ratio, ctl->input.compress_bps / 1e6,
			    ctl->caps.compress_threads,
			    ctl->caps.compress_threads == 1 ? "" : "s",
			    QMP_MODEL_COMPRESS_MIN_GAIN * 100);
	}
	if (p->xbzrle) {
		s->xbzrle_cache_bytes = xbzrle_cache_bytes(ctl->input.ws_bytes,
							   ctl->input.ram_bytes);
		qmp_ctl_log(ctl, -1, "xbzrle", ctl->input.xbzrle_ratio,
			    "xbzrle with a %.0f MiB cache on the source: pages the guest rewrote during the RAM sample differ from their earlier read in a way that sends them %.1fx smaller",
			    s->xbzrle_cache_bytes / 1048576.0,
			    ctl->input.xbzrle_ratio);
	} else if (ctl->input.xbzrle_ratio > 0) {
		qmp_ctl_log(ctl, -1, "xbzrle", 0,
			    "not used: rewritten pages would go %.1fx smaller, but pre-copy with xbzrle would miss the target or save less than %.0f%% of the time",
			    ctl->input.xbzrle_ratio,
			    QMP_MODEL_COMPRESS_MIN_GAIN * 100);
	}
	/*
	 * No more than the predicted last remainder needs: QEMU switches
	 * as soon as what is left fits, even in the first pass, and a
	 * generous limit would move the tail of that pass into the pause.
	 * The per-pass control raises it when the passes say so.
	 */
	lim = p->pred.steady_dirty_bytes / p->pred.goodput_bps * 1000 *
	      (1 + REMAINDER_MARGIN);
	lim = fmin(fmax(lim, ctl->coef.downtime_fixed_ms), p->downtime_limit_ms);
	s->downtime_ms = lim >= 1 ? (int64_t)ceil(lim) : 1;
	ctl->downtime_ms = s->downtime_ms;
	/*
	 * At the link's goodput, not above: a source that writes faster
	 * only fills socket and queue buffers, and everything buffered
	 * when the guest stops lengthens the pause it sees.
	 */
	s->bandwidth_bps = (int64_t)p->pred.goodput_bps;
	ctl->bandwidth_bps = s->bandwidth_bps;
	qmp_ctl_log(ctl, -1, "plan", s->downtime_ms,
		    "%s; downtime limit %lld ms for the predicted last remainder (at most %.0f ms = %.0f ms pause target - %.0f ms fixed - %.0f ms in flight); max-bandwidth %.1f Mbit/s (the link's goodput)",
		    p->reason, (long long)s->downtime_ms, p->downtime_limit_ms,
		    t->max_pause_ms,
		    ctl->coef.downtime_fixed_ms,
		    qmp_model_pause_reserve_ms(&ctl->coef, p->pred.wire_bps,
					       p->compress),
		    s->bandwidth_bps * 8 / MB);
	if (ctl->caps.switchover_bandwidth) {
		/*
		 * QEMU's own estimate counts what its socket took, ahead of
		 * the link at first and in wire bytes once multifd
		 * compresses; its pending pages are page bytes.
		 */
		s->switchover_bps = s->bandwidth_bps;
		ctl->switchover_bps = s->switchover_bps;
		qmp_ctl_log(ctl, -1, "switchover-bw", s->switchover_bps * 8 / MB,
			    "avail-switchover-bandwidth %.1f Mbit/s of pages: QEMU's switch-over rule weighs the remainder at the planned goodput, not at its own estimate",
			    s->switchover_bps * 8 / MB);
	}
	if (p->mode == QMP_MODEL_PRECOPY_THROTTLED)
		plan_throttle(ctl, s);
	return 0;
}

int qmp_ctl_plan(struct qmp_ctl *ctl, const struct qmp_model_input *in,
		 const struct qmp_ctl_caps *caps, struct qmp_ctl_setup *s)
{
	struct qmp_nova_opts nova;

	setup_none(s);
	ctl->caps = *caps;
	if (ctl->caps.nvcpu < 1)
		ctl->caps.nvcpu = 1;
	if (in) {
		ctl->input = *in;
		ctl->have_input = true;
		/* measured per thread; QEMU runs one per channel */
		if (ctl->caps.compress_threads > 0) {
			ctl->input.compress_bps *= ctl->caps.compress_threads;
		} else if (ctl->input.compress_ratio > 0) {
			qmp_ctl_log(ctl, -1, "compress", 0,
				    "not offered: the RAM sample compresses %.2fx, but %s",
				    ctl->input.compress_ratio,
				    ctl->caps.compress_why[0] ?
					    ctl->caps.compress_why :
					    "this pair lacks multifd zstd on both ends");
			ctl->input.compress_ratio = 0;
			ctl->input.compress_bps = 0;
		}
		if (!ctl->caps.xbzrle && ctl->input.xbzrle_ratio > 0) {
			qmp_ctl_log(ctl, -1, "xbzrle", 0,
				    "not offered: rewritten pages would go %.1fx smaller, but this source lacks the xbzrle capability",
				    ctl->input.xbzrle_ratio);
			ctl->input.xbzrle_ratio = 0;
		}
	}
	switch (ctl->kind) {
	case QMP_CTL_PALM:
		return plan_palm(ctl, s);
	case QMP_CTL_QEMU:
		qmp_ctl_log(ctl, -1, "plan", 0, "QEMU's defaults, nothing set");
		return 0;
	case QMP_CTL_AUTOCONVERGE:
		if (!caps->auto_converge)
			return -EOPNOTSUPP;
		s->auto_converge = true;
		qmp_ctl_log(ctl, -1, "auto-converge", 1,
			    "always on, QEMU's throttle defaults (as LXD and Incus do)");
		return 0;
	case QMP_CTL_NOVA:
		if (!ctl->nova.nsteps) {
			qmp_nova_opts_defaults(&nova);
			if (!in || qmp_nova_schedule(&nova, in->ram_bytes,
						     &ctl->nova))
				return -EINVAL;
		}
		s->bandwidth_bps = LIBVIRT_UNLIMITED_BPS;
		s->downtime_ms = ctl->nova.downtime_ms[0];
		ctl->nova_step = 0;
		ctl->downtime_ms = s->downtime_ms;
		qmp_ctl_log(ctl, -1, "plan", s->downtime_ms,
			    "Nova: %d downtime steps to %ld ms every %.2f s, abort after %.1f s; bandwidth unlimited (libvirt)",
			    ctl->nova.nsteps - 1,
			    ctl->nova.downtime_ms[ctl->nova.nsteps - 1],
			    ctl->nova.nsteps > 1 ? ctl->nova.at_s[1] : 0,
			    ctl->nova.completion_timeout_s);
		return 0;
	}
	return -EINVAL;
}

static void step_nova(struct qmp_ctl *ctl, double t, struct qmp_ctl_action *a)
{
	int i = qmp_nova_step_at(&ctl->nova, t);

	if (t > ctl->nova.completion_timeout_s) {
		a->cancel = true;
		ctl->cancelled = true;
		qmp_ctl_log(ctl, t, "abort", t,
			    "Nova: completion timeout %.1f s passed",
			    ctl->nova.completion_timeout_s);
		return;
	}
	if (i == ctl->nova_step)
		return;
	ctl->nova_step = i;
	a->set_downtime = true;
	a->downtime_ms = ctl->nova.downtime_ms[i];
	ctl->downtime_ms = a->downtime_ms;
	qmp_ctl_log(ctl, t, "downtime-limit", a->downtime_ms,
		    "Nova step %d at %.2f s", i, ctl->nova.at_s[i]);
}

/*
 * A QEMU that counts multifd bytes as sent rate-limits them too: palm's
 * cap, set in page bytes for a QEMU that counts pages, goes down to the
 * link's goodput on the wire.
 */
static void learn_sent_bytes(struct qmp_ctl *ctl, uint64_t sent,
			     uint64_t pages, double t, struct qmp_ctl_action *a)
{
	ctl->counts_sent_bytes = true;
	qmp_ctl_log(ctl, t, "counts-sent", (double)pages / (double)sent,
		    "this QEMU counts multifd bytes as sent: %.2f MiB of pages went as %.2f MiB; it rate-limits and estimates its bandwidth in those",
		    pages / 1048576.0, sent / 1048576.0);
	if (!ctl->have_input || ctl->bandwidth_bps <= 0 ||
	    !(ctl->plan.pred.wire_bps > 0) ||
	    ctl->plan.pred.wire_bps >= ctl->bandwidth_bps)
		return;
	a->set_bandwidth = true;
	a->bandwidth_bps = (int64_t)ctl->plan.pred.wire_bps;
	ctl->bandwidth_bps = a->bandwidth_bps;
	qmp_ctl_log(ctl, t, "max-bandwidth", a->bandwidth_bps * 8 / MB,
		    "%.1f Mbit/s: the link's goodput on the wire, where this QEMU applies its cap",
		    a->bandwidth_bps * 8 / MB);
}

/*
 * Goodput in page bytes, smoothed over windows: QEMU's transferred
 * bytes, or its normal pages where it counts fewer bytes than pages
 * (multifd compressing, counted as sent).
 */
static void measure_bandwidth(struct qmp_ctl *ctl,
			      const struct qmp_migrate_info *info, double t,
			      struct qmp_ctl_action *a)
{
	uint64_t page_bytes = qmp_migrate_page_bytes(info);
	double dt = t - ctl->last_t, inst, sent, pages;

	if (info->ram_transferred < ctl->last_transferred ||
	    page_bytes < ctl->last_page_bytes) {
		ctl->last_transferred = info->ram_transferred;
		ctl->last_page_bytes = page_bytes;
		ctl->last_t = t;
		return;
	}
	/* counted from the start, so a short migration tells too */
	if (!ctl->counts_sent_bytes &&
	    qmp_counts_sent_bytes(page_bytes, info->ram_transferred))
		learn_sent_bytes(ctl, info->ram_transferred, page_bytes, t, a);
	if (dt < BW_MIN_WINDOW_S)
		return;
	sent = (double)(info->ram_transferred - ctl->last_transferred);
	pages = (double)(page_bytes - ctl->last_page_bytes);
	inst = fmax(sent, pages) / dt;
	if (ctl->last_transferred > 0 && inst > 0)
		ctl->bw_bps = ctl->bw_bps > 0 ?
			BW_SMOOTHING * inst + (1 - BW_SMOOTHING) * ctl->bw_bps :
			inst;
	ctl->last_transferred = info->ram_transferred;
	ctl->last_page_bytes = page_bytes;
	ctl->last_t = t;
}

/*
 * Keeps QEMU's switch-over bandwidth at palm's measured goodput when it
 * moves away from what QEMU has by more than the hysteresis.
 */
static void follow_switchover_bandwidth(struct qmp_ctl *ctl, double bw,
					double t, struct qmp_ctl_action *a)
{
	if (!ctl->caps.switchover_bandwidth || ctl->switchover_bps <= 0 ||
	    fabs(bw - ctl->switchover_bps) <=
		    SWITCHOVER_BW_HYSTERESIS * ctl->switchover_bps)
		return;
	a->set_switchover = true;
	a->switchover_bps = (int64_t)bw;
	ctl->switchover_bps = a->switchover_bps;
	qmp_ctl_log(ctl, t, "switchover-bw", bw * 8 / MB,
		    "avail-switchover-bandwidth %.1f Mbit/s of pages, as measured over the last pass",
		    bw * 8 / MB);
}

void qmp_ctl_observe_vcpus(struct qmp_ctl *ctl, double t_s,
			   const struct qmp_ctl_vcpu_dirty *obs)
{
	int i;

	if (obs->nvcpu < 1 || obs->nvcpu > QMP_CTL_MAX_VCPUS ||
	    !(obs->window_s > 0))
		return;
	for (i = 0; i < obs->nvcpu; i++)
		if (obs->cpu_index[i] < 0 || !(obs->dirty_bps[i] >= 0) ||
		    !isfinite(obs->dirty_bps[i]))
			return;
	ctl->vcpus = *obs;
	ctl->have_vcpus = true;
	ctl->vcpus_t = t_s;
}

static bool vcpus_fresh(const struct qmp_ctl *ctl, double t)
{
	return ctl->have_vcpus && t - ctl->vcpus_t <= VCPU_OBS_MAX_AGE_S;
}

static double vcpus_total_bps(const struct qmp_ctl_vcpu_dirty *v)
{
	double sum = 0;
	int i;

	for (i = 0; i < v->nvcpu; i++)
		sum += v->dirty_bps[i];
	return sum;
}

/*
 * The fewest vCPUs that together make DIRTY_LIMIT_COVER of the dirtying,
 * fastest first, into order[]; returns how many (0: nobody dirties).
 */
static int dirtying_vcpus(const struct qmp_ctl_vcpu_dirty *v, int *order,
			  double *covered_bps)
{
	double total = vcpus_total_bps(v), sum = 0;
	int i, j, n = 0;

	*covered_bps = 0;
	if (!(total > 0))
		return 0;
	for (i = 0; i < v->nvcpu; i++) {
		for (j = i; j > 0 && v->dirty_bps[order[j - 1]] < v->dirty_bps[i]; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	while (n < v->nvcpu && sum < DIRTY_LIMIT_COVER * total)
		sum += v->dirty_bps[order[n++]];
	*covered_bps = sum;
	return n;
}

/* A limit in QEMU's unit, never below the vCPU's stall floor (>= 1). */
static uint64_t limit_unit(double bps, uint64_t floor_mbps)
{
	uint64_t mbps = (uint64_t)fmax(1, floor(bps / DIRTY_LIMIT_UNIT));

	return mbps < floor_mbps ? floor_mbps : mbps;
}

static double dl_gain(const struct qmp_ctl *ctl, int cpu_index)
{
	int i;

	for (i = 0; i < ctl->ndl; i++)
		if (ctl->dl[i].cpu_index == cpu_index)
			return ctl->dl[i].gain;
	return 1;
}

/* One limit into the action and into what palm keeps of it. */
static void put_limit(struct qmp_ctl_dl *dl, int ndl, int cpu_index,
		      double want_bps, double gain, double floor_bps,
		      struct qmp_ctl_action *a)
{
	dl[ndl].cpu_index = cpu_index;
	dl[ndl].want_bps = want_bps;
	dl[ndl].gain = gain;
	dl[ndl].floor_mbps = (uint64_t)ceil(floor_bps / DIRTY_LIMIT_UNIT);
	dl[ndl].mbps = limit_unit(want_bps * gain, dl[ndl].floor_mbps);
	a->dirty_limit[a->ndirty_limits].cpu_index = cpu_index;
	a->dirty_limit[a->ndirty_limits].mbps = dl[ndl].mbps;
	a->ndirty_limits++;
}

/*
 * Limits the guest's dirtying to want_bps.  With per-vCPU rates, only
 * the vCPUs that dirty are limited, each to its share of what the others
 * leave: splitting want_bps evenly over every vCPU would hold a lone
 * dirtying vCPU to 1/n of the rate the link can take.  Limits set before
 * keep the gain learned on them.
 */
static void set_dirty_limits(struct qmp_ctl *ctl, double t, double want_bps,
			     struct qmp_ctl_action *a, char *how, size_t len)
{
	const struct qmp_ctl_vcpu_dirty *v = &ctl->vcpus;
	struct qmp_ctl_dl dl[QMP_CTL_MAX_VCPUS];
	double covered, others, budget;
	int order[QMP_CTL_MAX_VCPUS], n, i, off;

	a->ndirty_limits = 0;
	n = vcpus_fresh(ctl, t) ? dirtying_vcpus(v, order, &covered) : 0;
	if (!n) {
		put_limit(dl, 0, -1, want_bps / ctl->caps.nvcpu,
			  dl_gain(ctl, -1),
			  stall_floor_bps(ctl, ctl->dl_base_bps / ctl->caps.nvcpu),
			  a);
		snprintf(how, len, "each of %d vCPUs to %llu MiB/s (no per-vCPU rates%s)",
			 ctl->caps.nvcpu, (unsigned long long)dl[0].mbps,
			 dl[0].mbps == dl[0].floor_mbps ? "; stall floor" : "");
		n = 1;
		goto keep;
	}
	others = vcpus_total_bps(v) - covered;
	budget = fmax(want_bps - others, 0.1 * want_bps);
	off = snprintf(how, len, "%d of %d vCPUs (%.0f%% of the dirtying, eBPF):",
		       n, v->nvcpu, covered / vcpus_total_bps(v) * 100);
	for (i = 0; i < n; i++) {
		int cpu = v->cpu_index[order[i]];

		put_limit(dl, i, cpu, budget * v->dirty_bps[order[i]] / covered,
			  dl_gain(ctl, cpu),
			  stall_floor_bps(ctl, v->dirty_bps[order[i]]), a);
		if (off >= 0 && (size_t)off < len)
			off += snprintf(how + off, len - off, " cpu %d %.1f->%llu",
					cpu, v->dirty_bps[order[i]] / DIRTY_LIMIT_UNIT,
					(unsigned long long)dl[i].mbps);
	}
	if (off >= 0 && (size_t)off < len)
		snprintf(how + off, len - off, " MiB/s");
keep:
	memcpy(ctl->dl, dl, n * sizeof(dl[0]));
	ctl->ndl = n;
	ctl->dl_want_bps = want_bps;
	ctl->dl_set_t = t;
}

/*
 * QEMU 7.2 steers each vCPU to its limit only roughly (its tolerance is
 * 25 MB/s): when a whole window measured after the last change shows a
 * limited vCPU above its aim, palm lowers that vCPU's limit in proportion
 * and remembers the ratio.  Only downwards: a vCPU below its aim may just
 * be writing less.  Returns true when it changed a limit.
 */
static bool adjust_dirty_limits(struct qmp_ctl *ctl, double t, bool new_pass,
				double qmp_dirty_bps, struct qmp_ctl_action *a)
{
	const struct qmp_ctl_vcpu_dirty *v = &ctl->vcpus;
	char how[120] = "";
	int i, k, off = 0;
	double m;

	a->ndirty_limits = 0;
	for (i = 0; i < ctl->ndl; i++) {
		struct qmp_ctl_dl *d = &ctl->dl[i];

		m = -1;
		if (d->cpu_index < 0) {
			/* a pass begun after the change: query-migrate's rate */
			if (new_pass && ctl->prev_pass_start_t >= ctl->dl_set_t)
				m = qmp_dirty_bps / ctl->caps.nvcpu;
		} else if (vcpus_fresh(ctl, t) && ctl->vcpus_t > ctl->dl_set_t &&
			   ctl->vcpus_t - v->window_s >= ctl->dl_set_t) {
			for (k = 0; k < v->nvcpu; k++)
				if (v->cpu_index[k] == d->cpu_index)
					m = v->dirty_bps[k];
		}
		if (m <= d->want_bps * (1 + DIRTY_LIMIT_TOLERANCE) ||
		    d->mbps <= d->floor_mbps)
			continue;
		d->gain *= d->want_bps / m;
		d->mbps = limit_unit(d->want_bps * d->gain, d->floor_mbps);
		a->dirty_limit[a->ndirty_limits].cpu_index = d->cpu_index;
		a->dirty_limit[a->ndirty_limits++].mbps = d->mbps;
		if (off >= 0 && (size_t)off < sizeof(how))
			off += snprintf(how + off, sizeof(how) - off,
					" cpu %d dirtied %.1f for %.1f: %llu",
					d->cpu_index, m / DIRTY_LIMIT_UNIT,
					d->want_bps / DIRTY_LIMIT_UNIT,
					(unsigned long long)d->mbps);
	}
	if (!a->ndirty_limits)
		return false;
	ctl->dl_set_t = t;
	ctl->stuck_passes = 0;
	qmp_ctl_log(ctl, t, "dirty-limit", ctl->dl_want_bps / DIRTY_LIMIT_UNIT,
		    "above the aim in a window after the last change (MiB/s):%s",
		    how);
	return true;
}

static const char *escalation_blocked(const struct qmp_ctl *ctl)
{
	if (!ctl->target.allow_postcopy)
		return "post-copy not allowed";
	if (!ctl->caps.postcopy)
		return "no postcopy-ram on this QEMU pair";
	return "post-copy already running";
}

/* The lowest guest-wide rate the slowdown allowance permits. */
static double dl_floor_bps(const struct qmp_ctl *ctl)
{
	return ctl->dl_base_bps * (1 - ctl->target.max_slowdown);
}

/* Limits the guest's dirtying to want_bps; why says what called for it. */
static void dirty_limit(struct qmp_ctl *ctl, double t, double want_bps,
			double dirty_bps, const char *why,
			struct qmp_ctl_action *a)
{
	char how[120];

	set_dirty_limits(ctl, t, want_bps, a, how, sizeof(how));
	ctl->dirty_limited = true;
	ctl->stuck_passes = 0;
	qmp_ctl_log(ctl, t, "dirty-limit", want_bps / DIRTY_LIMIT_UNIT,
		    "%s; guest dirties %.1f MiB/s (%s): limit to %.1f MiB/s, %s",
		    why, dirty_bps / DIRTY_LIMIT_UNIT,
		    vcpus_fresh(ctl, t) ? "eBPF" : "query-migrate",
		    want_bps / DIRTY_LIMIT_UNIT, how);
}

/*
 * Whether a dirty limit within the allowance can bring the guest under
 * the link, given how close QEMU gets to a limit; says so once if not.
 */
static bool dirty_limit_can_help(struct qmp_ctl *ctl, double t, double bw,
				 double dirty_bps)
{
	double reach = fmax(dirty_bps * (1 - ctl->target.max_slowdown),
			    dl_reach_bps(ctl, dirty_bps));

	if (reach < bw)
		return true;
	qmp_ctl_log(ctl, t, "dirty-limit", 0,
		    "not used: within the %.0f%% allowance, QEMU's 25 MB/s tolerance and stalls under %.0f ms per full dirty ring the guest would still dirty >= %.1f MiB/s, the link drains %.1f",
		    ctl->target.max_slowdown * 100,
		    DIRTY_LIMIT_STALL_SHARE * ctl->target.max_pause_ms,
		    reach / DIRTY_LIMIT_UNIT, bw / DIRTY_LIMIT_UNIT);
	ctl->caps.vcpu_dirty_limit = false;
	return false;
}

/*
 * The per-vCPU limit is at the allowance and the passes still do not
 * shrink: QEMU does not hold it (on some hosts a vCPU dirties several
 * times its limit).  Auto-converge, armed at 1 %, may now throttle the
 * whole guest up to the allowance, in AC_STEPS steps rather than QEMU's
 * 10 % ones.
 */
static void whole_guest_throttle(struct qmp_ctl *ctl, double t,
				 const char *why, double dirty_bps,
				 struct qmp_ctl_action *a)
{
	int64_t pct = allowance_pct(ctl);

	/*
	 * An unheld limit slows nothing, but QEMU's sleep per full ring
	 * keeps climbing: the next full ring would stall the guest.
	 */
	a->cancel_dirty_limits = true;
	ctl->ndl = 0;
	ctl->caps.vcpu_dirty_limit = false;
	a->set_cpu_throttle = true;
	a->max_cpu_throttle_pct = pct;
	a->cpu_throttle_increment_pct = pct > AC_STEPS ?
					(pct - 1 + AC_STEPS - 1) / AC_STEPS : 1;
	ctl->ac_raised = true;
	ctl->ac_raised_t = t;
	ctl->stuck_passes = 0;
	qmp_ctl_log(ctl, t, "auto-converge", (double)pct,
		    "%s with the dirty limit at its floor (guest dirties %.1f MiB/s, %.1f aimed): QEMU does not hold it; limits cancelled, whole-guest throttle up to %lld%% in steps of %lld%%",
		    why, dirty_bps / DIRTY_LIMIT_UNIT,
		    ctl->dl_want_bps / DIRTY_LIMIT_UNIT, (long long)pct,
		    (long long)a->cpu_throttle_increment_pct);
}

/*
 * QEMU looks at the dirtying once a second and steps its throttle up
 * after two looks that find too much: give it the time to reach the
 * ceiling before calling pre-copy stuck.
 */
static bool ac_ramping(const struct qmp_ctl *ctl, double t)
{
	return ctl->ac_raised &&
	       ctl->cpu_throttle_pct < allowance_pct(ctl) &&
	       t - ctl->ac_raised_t < AC_STEPS * AC_STEP_S + AC_STEP_S;
}

static void escalate(struct qmp_ctl *ctl, double t, double bw, double need_ms,
		     double cap_ms, double dirty_bps, struct qmp_ctl_action *a)
{
	const struct qmp_model_target *tg = &ctl->target;

	char why[96];

	snprintf(why, sizeof(why),
		 "remainder needs %.0f ms > %.0f ms allowed at %.1f Mbit/s",
		 need_ms, cap_ms, bw * 8 / MB);
	if (tg->max_slowdown > 0 && ctl->caps.vcpu_dirty_limit &&
	    !ctl->dirty_limited) {
		if (!(dirty_bps > 0))
			return;	/* no rate yet to aim at: the next pass has one */
		if (dirty_limit_can_help(ctl, t, bw, dirty_bps)) {
			ctl->dl_base_bps = dirty_bps;
			/* the rate that lets passes halve, within the allowance */
			dirty_limit(ctl, t, fmax(bw * DIRTY_LIMIT_LINK_SHARE,
						 dirty_bps * (1 - tg->max_slowdown)),
				    dirty_bps, why, a);
			return;
		}
	}
	if (ctl->dirty_limited && !ctl->postcopy_started && ctl->ndl > 0 &&
	    ctl->dl_want_bps > dl_floor_bps(ctl) * 1.01 && !dl_all_at_floor(ctl)) {
		/* limited and still stuck: tighten, down to the allowance */
		dirty_limit(ctl, t, fmax(ctl->dl_want_bps * DIRTY_LIMIT_STEP,
					 dl_floor_bps(ctl)),
			    dirty_bps, why, a);
		return;
	}
	if (ctl->dirty_limited && ctl->ac_armed && !ctl->ac_raised &&
	    !ctl->postcopy_started) {
		whole_guest_throttle(ctl, t, why, dirty_bps, a);
		return;
	}
	if (ac_ramping(ctl, t))
		return;
	if (tg->allow_postcopy && ctl->caps.postcopy && !ctl->postcopy_started) {
		a->start_postcopy = true;
		ctl->postcopy_started = true;
		qmp_ctl_log(ctl, t, "postcopy", 1,
			    "pre-copy does not converge: remainder needs %.0f ms > %.0f ms allowed at %.1f Mbit/s after %d passes",
			    need_ms, cap_ms, bw * 8 / MB, ctl->passes_seen);
		return;
	}
	if (ctl->stuck_passes < STUCK_ABORT_PASSES)
		return;
	a->cancel = true;
	ctl->cancelled = true;
	qmp_ctl_log(ctl, t, "abort", need_ms,
		    "pre-copy does not converge: %d passes left a remainder that needs %.0f ms > %.0f ms allowed at %.1f Mbit/s (dirtying %.1f MB/s); %s%s: cancelled, source keeps running",
		    ctl->stuck_passes, need_ms, cap_ms, bw * 8 / MB, dirty_bps / MB,
		    escalation_blocked(ctl),
		    tg->max_slowdown > 0 ?
			(ctl->ac_raised ? ", dirty limit and whole-guest throttle already applied" :
			 ctl->caps.vcpu_dirty_limit ? ", dirty limit already applied" :
						      ", throttling left to auto-converge") :
			", no slowdown allowed");
}

/*
 * Passes that shrink too slowly to finish in time are as stuck as passes
 * that do not shrink: at the last pass's ratio r the passes still to go
 * cost at most remainder / bw / (1 - r); post-copy then needs about one
 * remainder's time too, so escalate while that still fits.
 */
static bool too_slow(struct qmp_ctl *ctl, double t, double bw)
{
	double r, left_s;

	if (ctl->passes_seen < 2 || !(ctl->pass_dirty[0] > 0) ||
	    !(ctl->target.max_total_s > 0))
		return false;
	r = ctl->pass_dirty[1] / ctl->pass_dirty[0];
	if (r >= 1)
		return false;	/* not shrinking: the stuck count decides */
	left_s = ctl->pass_dirty[1] / bw / (1 - r);
	if (t + left_s + ctl->pass_dirty[1] / bw <= ctl->target.max_total_s)
		return false;
	if (ctl->too_slow_logged)
		return true;
	ctl->too_slow_logged = true;
	qmp_ctl_log(ctl, t, "too-slow", left_s,
		    "passes shrink to %.0f%% each: %.1f s more of pre-copy would end at %.1f s, the target is %.1f s",
		    r * 100, left_s, t + left_s, ctl->target.max_total_s);
	return true;
}

/*
 * The limit's xbzrle gain (qmp_model_xbzrle_limit_gain) for what is
 * pending now: as predicted from the plan's working set and rate, or as
 * QEMU measured it over its last period (hit share 1 - cache-miss-rate,
 * at its encoding rate) when that is lower.  A period without xbzrle
 * pages reads as no misses, so the measurement may only lower the gain.
 */
static double xbzrle_limit_gain(const struct qmp_ctl *ctl,
				const struct qmp_migrate_info *info)
{
	double gain = qmp_model_xbzrle_limit_gain(
		qmp_model_xbzrle_hit(&ctl->input, ctl->prev_pass_start_t),
		ctl->input.xbzrle_ratio);

	if (info->has_xbzrle && info->xbzrle_encoding_rate > 1)
		gain = fmin(gain, qmp_model_xbzrle_limit_gain(
				  1 - info->xbzrle_cache_miss_rate,
				  info->xbzrle_encoding_rate));
	return gain;
}

static void step_palm(struct qmp_ctl *ctl, const struct qmp_migrate_info *info,
		      double t, struct qmp_ctl_action *a)
{
	const struct qmp_model_target *tg = &ctl->target;
	double bw, cap_ms, need_ms, next, dirty_bps, trend, xbzrle_gain;
	bool new_pass = false;

	/* only pre-copy passes: the completion burst fills socket buffers */
	if (strcmp(info->status, "active") || ctl->postcopy_started ||
	    ctl->cancelled)
		return;
	measure_bandwidth(ctl, info, t, a);
	/* a throttle step is a change: judge the passes after it */
	if (ctl->ac_raised &&
	    info->cpu_throttle_percentage > ctl->cpu_throttle_pct)
		ctl->stuck_passes = 0;
	ctl->cpu_throttle_pct = info->cpu_throttle_percentage;
	/*
	 * A sync that finds nothing left is QEMU's own check before the
	 * switch-over, not a pass to learn from.
	 */
	if (info->ram_dirty_sync_count > ctl->sync_count &&
	    info->ram_remaining == 0)
		ctl->sync_count = info->ram_dirty_sync_count;
	if (info->ram_dirty_sync_count > ctl->sync_count) {
		/*
		 * What the last pass left, seen up to one poll after the
		 * sync: a little is sent already; the margin covers it.
		 */
		if (ctl->sync_count > 0) {
			ctl->pass_dirty[0] = ctl->pass_dirty[1];
			ctl->pass_dirty[1] = info->ram_remaining;
			ctl->passes_seen++;
			new_pass = true;
		}
		ctl->sync_count = info->ram_dirty_sync_count;
		ctl->prev_pass_start_t = ctl->pass_start_t;
		ctl->pass_start_t = t;
	}
	bw = ctl->bw_bps > 0 ? ctl->bw_bps :
	     ctl->have_input ? ctl->plan.pred.goodput_bps : 0;
	if (bw <= 0)
		return;
	dirty_bps = vcpus_fresh(ctl, t) ? vcpus_total_bps(&ctl->vcpus) :
		    (double)info->ram_dirty_pages_rate *
		    (info->ram_page_size ? info->ram_page_size : 4096);
	if (ctl->dirty_limited &&
	    adjust_dirty_limits(ctl, t, new_pass, dirty_bps, a))
		return;
	/*
	 * A plan that needs throttling throttles as soon as the rates are
	 * known (eBPF: after a second; query-migrate: after the first pass):
	 * passes that must fail first only cost time.
	 */
	if (ctl->have_input && ctl->plan.mode == QMP_MODEL_PRECOPY_THROTTLED &&
	    ctl->caps.vcpu_dirty_limit && !ctl->dirty_limited &&
	    (ctl->passes_seen >= 1 || vcpus_fresh(ctl, t)) && dirty_bps > 0) {
		char why[96];

		double want = fmin(dirty_bps * (1 - ctl->plan.throttle),
				   fmax(bw * DIRTY_LIMIT_LINK_SHARE,
					dirty_bps * (1 - tg->max_slowdown)));

		/* at least the plan's share; passes that halve if allowed */
		snprintf(why, sizeof(why),
			 "as planned (>= %.0f%% of the dirtying throttled)",
			 ctl->plan.throttle * 100);
		ctl->dl_base_bps = dirty_bps;
		dirty_limit(ctl, t, want, dirty_bps, why, a);
		return;
	}

	/* The first pass says nothing about the dirty set. */
	if (ctl->passes_seen < 1)
		return;
	if (ctl->have_input && ctl->plan.mode == QMP_MODEL_POSTCOPY &&
	    ctl->caps.postcopy) {
		/* waiting for pre-copy to fail first only costs time */
		a->start_postcopy = true;
		ctl->postcopy_started = true;
		qmp_ctl_log(ctl, t, "postcopy", 1,
			    "as planned, after the first pass (%.2f MiB left; pre-copy cannot meet %.0f ms at %.1f Mbit/s)",
			    ctl->pass_dirty[1] / 1048576, tg->max_pause_ms,
			    bw * 8 / MB);
		return;
	}

	/* QEMU counts pages; what is in flight is compressed */
	cap_ms = tg->max_pause_ms - ctl->coef.downtime_fixed_ms -
		 qmp_model_pause_reserve_ms(&ctl->coef,
					    ctl->plan.compress ?
					    bw / ctl->input.compress_ratio : bw,
					    ctl->plan.compress);
	/* from pass 2 QEMU's cache holds what is pending: it goes smaller */
	xbzrle_gain = ctl->plan.xbzrle && ctl->passes_seen >= 2 ?
		      xbzrle_limit_gain(ctl, info) : 1;
	cap_ms *= xbzrle_gain;
	/*
	 * QEMU switches over once what is pending fits bandwidth x limit;
	 * the pending data never exceeds what the last pass left (the
	 * trend of the last two says where the next one goes).
	 */
	next = ctl->pass_dirty[1];
	if (ctl->passes_seen >= 2 && ctl->pass_dirty[0] > 0) {
		trend = ctl->pass_dirty[1] / ctl->pass_dirty[0];
		if (trend > 1)
			next *= trend;
		/* one quiet pass is no promise: a bursty guest comes back */
		next = fmax(next, ctl->pass_dirty[0]);
	}
	need_ms = next / bw * 1000 * (1 + REMAINDER_MARGIN);

	if (new_pass) {
		if (ctl->bw_bps > 0)
			follow_switchover_bandwidth(ctl, ctl->bw_bps, t, a);
		/*
		 * Progress is a remainder below the best so far: against the
		 * last pass alone, a remainder that hovers (up one pass, down
		 * the next) looks like shrinking every other pass for ever.
		 */
		bool shrinking;

		if (ctl->passes_seen >= 2 &&
		    (ctl->pass_dirty_best <= 0 ||
		     ctl->pass_dirty[0] < ctl->pass_dirty_best))
			ctl->pass_dirty_best = ctl->pass_dirty[0];
		shrinking = ctl->passes_seen < 2 ||
			    ctl->pass_dirty[1] < SHRINK_RATIO * ctl->pass_dirty_best;

		if (need_ms > cap_ms && !shrinking)
			ctl->stuck_passes++;
		else
			ctl->stuck_passes = 0;
		if (ctl->stuck_passes >= STUCK_PASSES ||
		    (need_ms > cap_ms && too_slow(ctl, t, bw))) {
			escalate(ctl, t, bw, need_ms, cap_ms, dirty_bps, a);
			if (a->cancel || a->start_postcopy)
				return;
		}
	}

	if (cap_ms < 1)
		cap_ms = 1;
	need_ms = fmin(fmax(need_ms, 1), cap_ms);
	if (fabs(need_ms - ctl->downtime_ms) < fmax(LIMIT_HYSTERESIS_MS,
						    LIMIT_HYSTERESIS_REL * ctl->downtime_ms))
		return;
	a->set_downtime = true;
	a->downtime_ms = (int64_t)ceil(need_ms);
	ctl->downtime_ms = a->downtime_ms;
	qmp_ctl_log(ctl, t, "downtime-limit", a->downtime_ms,
		    "pass %d left %.2f MiB (next <= %.2f MiB) at %.1f Mbit/s measured = %.0f ms (+%.0f%% margin); allowed %.0f ms%s",
		    ctl->passes_seen, ctl->pass_dirty[1] / 1048576,
		    next / 1048576, bw * 8 / MB,
		    next / bw * 1000, REMAINDER_MARGIN * 100, cap_ms,
		    xbzrle_gain > 1 ? " (whole pages: xbzrle sends them smaller)" : "");
}

void qmp_ctl_step(struct qmp_ctl *ctl, const struct qmp_migrate_info *info,
		  double t_s, struct qmp_ctl_action *act)
{
	memset(act, 0, sizeof(*act));
	switch (ctl->kind) {
	case QMP_CTL_PALM:
		step_palm(ctl, info, t_s, act);
		break;
	case QMP_CTL_NOVA:
		if (!strcmp(info->status, "active") ||
		    !strcmp(info->status, "setup"))
			step_nova(ctl, t_s, act);
		break;
	case QMP_CTL_QEMU:
	case QMP_CTL_AUTOCONVERGE:
		break;
	}
}
