// SPDX-License-Identifier: GPL-2.0
/* The QMP backend of the control loop; see qmp_ctl_backend.h. */
#include "qmp/qmp_ctl_backend.h"

#include <errno.h>
#include <stdio.h>

#include "qmp/qmp_commands.h"
#include "qmp/qmp_ctl_commands.h"

static struct qmp_ctl_qmp *qp(struct qmp_ctl_backend *b)
{
	return b->priv;
}

static int fail(struct qmp_ctl_qmp *q, struct qmp_client *c, const char *what,
		int err)
{
	if (err)
		snprintf(q->error, sizeof(q->error), "%s: %.250s", what,
			 qmp_last_error(c));
	return err;
}

static int set_param(struct qmp_ctl_qmp *q, const char *name, int64_t v)
{
	json_t *p = json_pack("{s:I}", name, (json_int_t)v);

	if (!p) {
		snprintf(q->error, sizeof(q->error), "%s: out of memory", name);
		return -ENOMEM;
	}
	return fail(q, q->src, name, qmp_migrate_set_parameters(q->src, p));
}

static int q_set_downtime(struct qmp_ctl_backend *b, int64_t ms)
{
	return set_param(qp(b), "downtime-limit", ms);
}

static int q_set_bandwidth(struct qmp_ctl_backend *b, int64_t bps)
{
	return set_param(qp(b), "max-bandwidth", bps);
}

static int q_set_switchover(struct qmp_ctl_backend *b, int64_t bps)
{
	return set_param(qp(b), "avail-switchover-bandwidth", bps);
}

static int q_set_dirty_limit(struct qmp_ctl_backend *b, int cpu_index,
			     uint64_t mbps)
{
	struct qmp_ctl_qmp *q = qp(b);

	return fail(q, q->src, "set-vcpu-dirty-limit",
		    qmp_set_vcpu_dirty_limit(q->src, cpu_index, mbps));
}

static int q_cancel_dirty_limit(struct qmp_ctl_backend *b)
{
	struct qmp_ctl_qmp *q = qp(b);

	return fail(q, q->src, "cancel-vcpu-dirty-limit",
		    qmp_cancel_vcpu_dirty_limit(q->src, -1));
}

static int q_set_cpu_throttle(struct qmp_ctl_backend *b, int64_t max_pct,
			      int64_t increment_pct)
{
	int err = set_param(qp(b), "cpu-throttle-increment", increment_pct);

	return err ? err : set_param(qp(b), "max-cpu-throttle", max_pct);
}

static int q_start_postcopy(struct qmp_ctl_backend *b)
{
	struct qmp_ctl_qmp *q = qp(b);

	return fail(q, q->src, "migrate-start-postcopy",
		    qmp_migrate_start_postcopy(q->src));
}

/* multifd and its compression are negotiated: both ends must agree. */
static int setup_compress(struct qmp_ctl_qmp *q, struct qmp_client *c,
			  const char *end, int channels)
{
	json_t *p = json_pack("{s:s, s:i}", "multifd-compression", "zstd",
			      "multifd-channels", channels);
	char what[64];
	int err;

	if (!p) {
		snprintf(q->error, sizeof(q->error), "multifd: out of memory");
		return -ENOMEM;
	}
	snprintf(what, sizeof(what), "%s: multifd", end);
	err = fail(q, c, what, qmp_migrate_set_capability(c, "multifd", true));
	if (err) {
		json_decref(p);
		return err;
	}
	snprintf(what, sizeof(what), "%s: multifd zstd", end);
	return fail(q, c, what, qmp_migrate_set_parameters(c, p));
}

static int q_setup(struct qmp_ctl_backend *b, const struct qmp_ctl_setup *s)
{
	struct qmp_ctl_qmp *q = qp(b);
	int err;

	/* only the source encodes; the destination decodes without it */
	if (s->xbzrle_cache_bytes > 0) {
		err = fail(q, q->src, "source: xbzrle",
			   qmp_migrate_set_capability(q->src, "xbzrle", true));
		if (!err)
			err = set_param(q, "xbzrle-cache-size", s->xbzrle_cache_bytes);
		if (err)
			return err;
	}

	if (s->compress_channels > 0) {
		if (!q->dst) {
			snprintf(q->error, sizeof(q->error),
				 "multifd needs the destination's monitor (--dst)");
			return -EINVAL;
		}
		err = setup_compress(q, q->src, "source", s->compress_channels);
		if (!err)
			err = setup_compress(q, q->dst, "destination",
					     s->compress_channels);
		if (err)
			return err;
	}

	if (s->postcopy) {
		/* QEMU refuses the switch unless both ends have it. */
		if (!q->dst) {
			snprintf(q->error, sizeof(q->error),
				 "post-copy needs the destination's monitor (--dst)");
			return -EINVAL;
		}
		err = fail(q, q->src, "source: postcopy-ram",
			   qmp_migrate_set_capability(q->src, "postcopy-ram", true));
		if (!err)
			err = fail(q, q->dst, "destination: postcopy-ram",
				   qmp_migrate_set_capability(q->dst, "postcopy-ram", true));
		if (!err && s->postcopy_preempt)
			err = fail(q, q->src, "source: postcopy-preempt",
				   qmp_migrate_set_capability(q->src, "postcopy-preempt", true));
		if (!err && s->postcopy_preempt)
			err = fail(q, q->dst, "destination: postcopy-preempt",
				   qmp_migrate_set_capability(q->dst, "postcopy-preempt", true));
		if (err)
			return err;
	}
	if (s->auto_converge) {
		err = fail(q, q->src, "auto-converge",
			   qmp_migrate_set_capability(q->src, "auto-converge", true));
		if (err)
			return err;
	}
	/* QEMU wants initial <= max at every step: initial first */
	if (s->cpu_throttle_initial_pct >= 0) {
		err = set_param(q, "cpu-throttle-initial",
				s->cpu_throttle_initial_pct);
		if (err)
			return err;
	}
	if (s->max_cpu_throttle_pct >= 0) {
		err = set_param(q, "max-cpu-throttle", s->max_cpu_throttle_pct);
		if (err)
			return err;
	}
	if (s->downtime_ms >= 0) {
		err = set_param(q, "downtime-limit", s->downtime_ms);
		if (err)
			return err;
	}
	if (s->switchover_bps >= 0) {
		err = set_param(q, "avail-switchover-bandwidth", s->switchover_bps);
		if (err)
			return err;
	}
	if (s->bandwidth_bps >= 0)
		return set_param(q, "max-bandwidth", s->bandwidth_bps);
	return 0;
}

static const char *q_error(struct qmp_ctl_backend *b)
{
	return qp(b)->error;
}

void qmp_ctl_backend_qmp(struct qmp_ctl_backend *b, struct qmp_ctl_qmp *q,
			 struct qmp_client *src, struct qmp_client *dst)
{
	q->src = src;
	q->dst = dst;
	q->error[0] = '\0';
	b->set_downtime_ms = q_set_downtime;
	b->set_bandwidth_bps = q_set_bandwidth;
	b->set_switchover_bps = q_set_switchover;
	b->set_dirty_limit = q_set_dirty_limit;
	b->cancel_dirty_limit = q_cancel_dirty_limit;
	b->start_postcopy = q_start_postcopy;
	b->set_cpu_throttle = q_set_cpu_throttle;
	b->setup = q_setup;
	b->error = q_error;
	b->priv = q;
}

/* Logs a failed op where its context is; keeps the first error. */
static void note(struct qmp_ctl *ctl, struct qmp_ctl_backend *b,
		 const char *what, int err, double t, int *first)
{
	if (!err)
		return;
	qmp_ctl_log(ctl, t, "error", err, "%s failed: %s", what,
		    err == -EOPNOTSUPP ? "not supported by this backend" :
					 b->error(b));
	if (!*first)
		*first = err;
}

int qmp_ctl_apply(struct qmp_ctl *ctl, struct qmp_ctl_backend *b,
		  const struct qmp_ctl_action *a, double t_s)
{
	int first = 0, i;

	if (a->set_downtime)
		note(ctl, b, "downtime-limit",
		     b->set_downtime_ms ? b->set_downtime_ms(b, a->downtime_ms) :
					  -EOPNOTSUPP, t_s, &first);
	if (a->set_bandwidth)
		note(ctl, b, "max-bandwidth",
		     b->set_bandwidth_bps ? b->set_bandwidth_bps(b, a->bandwidth_bps) :
					    -EOPNOTSUPP, t_s, &first);
	if (a->set_switchover)
		note(ctl, b, "avail-switchover-bandwidth",
		     b->set_switchover_bps ?
			b->set_switchover_bps(b, a->switchover_bps) : -EOPNOTSUPP,
		     t_s, &first);
	for (i = 0; i < a->ndirty_limits; i++)
		note(ctl, b, "set-vcpu-dirty-limit",
		     b->set_dirty_limit ?
			b->set_dirty_limit(b, a->dirty_limit[i].cpu_index,
					   a->dirty_limit[i].mbps) :
			-EOPNOTSUPP, t_s, &first);
	if (a->cancel_dirty_limits)
		note(ctl, b, "cancel-vcpu-dirty-limit",
		     b->cancel_dirty_limit ? b->cancel_dirty_limit(b) :
					     -EOPNOTSUPP, t_s, &first);
	if (a->set_cpu_throttle)
		note(ctl, b, "max-cpu-throttle",
		     b->set_cpu_throttle ?
			b->set_cpu_throttle(b, a->max_cpu_throttle_pct,
					    a->cpu_throttle_increment_pct) :
			-EOPNOTSUPP, t_s, &first);
	if (a->start_postcopy)
		note(ctl, b, "migrate-start-postcopy",
		     b->start_postcopy ? b->start_postcopy(b) : -EOPNOTSUPP,
		     t_s, &first);
	return first;
}
