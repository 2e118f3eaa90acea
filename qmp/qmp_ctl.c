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
/* A pass that leaves more than this share of the last one is not shrinking. */
#define SHRINK_RATIO 0.9
/* Dirty limit: leave the link this share of head-room to drain. */
#define DIRTY_LIMIT_LINK_SHARE 0.5
#define MB 1e6

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

static void setup_none(struct qmp_ctl_setup *s)
{
	memset(s, 0, sizeof(*s));
	s->downtime_ms = -1;
	s->bandwidth_bps = -1;
	s->max_cpu_throttle_pct = -1;
}

static int plan_palm(struct qmp_ctl *ctl, struct qmp_ctl_setup *s)
{
	const struct qmp_model_target *t = &ctl->target;
	struct qmp_model_plan *p = &ctl->plan;
	double lim;
	int err;

	s->postcopy = t->allow_postcopy && ctl->caps.postcopy;
	if (!ctl->have_input) {
		/* Nothing measured: start within the pause target, learn. */
		lim = t->max_pause_ms - ctl->coef.downtime_fixed_ms -
		      ctl->coef.pause_fixed_ms;
		s->downtime_ms = lim >= 1 ? (int64_t)lim : 1;
		qmp_ctl_log(ctl, -1, "plan", s->downtime_ms,
			    "no measurements: downtime limit %lld ms from the %.0f ms pause target, refined from the first pass",
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
	qmp_ctl_log(ctl, -1, "plan", s->downtime_ms,
		    "%s; downtime limit %lld ms for the predicted last remainder (at most %.0f ms = %.0f ms pause target - %.0f ms fixed - %.0f ms in flight); max-bandwidth %.1f Mbit/s (the link's goodput)",
		    p->reason, (long long)s->downtime_ms, p->downtime_limit_ms,
		    t->max_pause_ms,
		    ctl->coef.downtime_fixed_ms,
		    qmp_model_pause_overhead_ms(&ctl->coef, p->pred.goodput_bps),
		    s->bandwidth_bps * 8 / MB);
	if (p->mode == QMP_MODEL_PRECOPY_THROTTLED && !ctl->caps.vcpu_dirty_limit) {
		/* QEMU throttles by itself; palm caps it at the allowance. */
		s->auto_converge = true;
		s->max_cpu_throttle_pct = (int64_t)ceil(t->max_slowdown * 100);
		qmp_ctl_log(ctl, -1, "auto-converge", s->max_cpu_throttle_pct,
			    "no per-vCPU dirty limit here: whole-guest auto-converge, at most %lld%% throttle (the slowdown allowance)",
			    (long long)s->max_cpu_throttle_pct);
	}
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

/* Goodput from the bytes QEMU reports sent, smoothed over windows. */
static void measure_bandwidth(struct qmp_ctl *ctl,
			      const struct qmp_migrate_info *info, double t)
{
	double dt = t - ctl->last_t, inst;

	if (info->ram_transferred < ctl->last_transferred) {
		ctl->last_transferred = info->ram_transferred;
		ctl->last_t = t;
		return;
	}
	if (dt < BW_MIN_WINDOW_S)
		return;
	inst = (info->ram_transferred - ctl->last_transferred) / dt;
	if (ctl->last_transferred > 0 && inst > 0)
		ctl->bw_bps = ctl->bw_bps > 0 ?
			BW_SMOOTHING * inst + (1 - BW_SMOOTHING) * ctl->bw_bps :
			inst;
	ctl->last_transferred = info->ram_transferred;
	ctl->last_t = t;
}

static const char *escalation_blocked(const struct qmp_ctl *ctl)
{
	if (!ctl->target.allow_postcopy)
		return "post-copy not allowed";
	if (!ctl->caps.postcopy)
		return "no postcopy-ram on this QEMU pair";
	return "post-copy already running";
}

static void escalate(struct qmp_ctl *ctl, double t, double bw, double need_ms,
		     double cap_ms, double dirty_bps, struct qmp_ctl_action *a)
{
	const struct qmp_model_target *tg = &ctl->target;

	if (tg->max_slowdown > 0 && ctl->caps.vcpu_dirty_limit &&
	    !ctl->dirty_limited) {
		/* the rate that lets passes halve, within the allowance */
		double want = fmax(bw * DIRTY_LIMIT_LINK_SHARE,
				   dirty_bps * (1 - tg->max_slowdown));

		a->set_dirty_limit = true;
		a->dirty_limit_mbps = (uint64_t)fmax(1, want / MB / ctl->caps.nvcpu);
		ctl->dirty_limited = true;
		ctl->stuck_passes = 0;
		qmp_ctl_log(ctl, t, "dirty-limit", a->dirty_limit_mbps,
			    "remainder needs %.0f ms > %.0f ms allowed at %.1f Mbit/s; guest dirties %.1f MB/s: limit each of %d vCPUs to %llu MB/s",
			    need_ms, cap_ms, bw * 8 / MB, dirty_bps / MB,
			    ctl->caps.nvcpu,
			    (unsigned long long)a->dirty_limit_mbps);
		return;
	}
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
		    tg->max_slowdown > 0 ? (ctl->caps.vcpu_dirty_limit ?
					    ", dirty limit already applied" :
					    ", throttling left to auto-converge") :
					   ", no slowdown allowed");
}

static void step_palm(struct qmp_ctl *ctl, const struct qmp_migrate_info *info,
		      double t, struct qmp_ctl_action *a)
{
	const struct qmp_model_target *tg = &ctl->target;
	double bw, cap_ms, need_ms, next, dirty_bps, trend;
	bool new_pass = false;

	/* only pre-copy passes: the completion burst fills socket buffers */
	if (strcmp(info->status, "active") || ctl->postcopy_started ||
	    ctl->cancelled)
		return;
	measure_bandwidth(ctl, info, t);
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
		ctl->pass_start_t = t;
	}
	bw = ctl->bw_bps > 0 ? ctl->bw_bps :
	     ctl->have_input ? ctl->plan.pred.goodput_bps : 0;
	if (bw <= 0)
		return;
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

	cap_ms = tg->max_pause_ms - ctl->coef.downtime_fixed_ms -
		 qmp_model_pause_overhead_ms(&ctl->coef, bw);
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
	dirty_bps = (double)info->ram_dirty_pages_rate *
		    (info->ram_page_size ? info->ram_page_size : 4096);

	if (new_pass) {
		bool shrinking = ctl->passes_seen < 2 ||
				 ctl->pass_dirty[1] < SHRINK_RATIO * ctl->pass_dirty[0];

		if (need_ms > cap_ms && !shrinking)
			ctl->stuck_passes++;
		else
			ctl->stuck_passes = 0;
		if (ctl->stuck_passes >= STUCK_PASSES) {
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
		    "pass %d left %.2f MiB (next <= %.2f MiB) at %.1f Mbit/s measured = %.0f ms (+%.0f%% margin); allowed %.0f ms",
		    ctl->passes_seen, ctl->pass_dirty[1] / 1048576,
		    next / 1048576, bw * 8 / MB,
		    next / bw * 1000, REMAINDER_MARGIN * 100, cap_ms);
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
