// SPDX-License-Identifier: GPL-2.0
/*
 * A migration's cost as palm's controller would run it (qmp_model.c):
 * pre-copy with the downtime limit that fits the VM's pause budget, and
 * post-copy after the first pass when pre-copy cannot meet it (the
 * controller's plan with post-copy allowed and no throttling).
 *
 * The controller's coefficients come from 128 MiB guests on an idle
 * host.  Two terms extrapolate to the simulated fleet, after the seed
 * OpenStack measurements (downtime grows with memory size, host CPU load
 * and linearly with guest memory use): the stop-and-copy's fixed work
 * grows with the busier host's load, plus 20 ms per GiB in use; and a
 * source above 70 % CPU sends up to 30 % slower.
 */
#include "policy/pol_migration_model.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* passes before the controller's plan gives pre-copy up */
#define POL_MIG_MAX_PASSES 30
#define GIB (1024.0 * 1024 * 1024)
/* hot (writable) working set as a share of used memory */
#define WSS_SHARE 0.5
#define PAUSE_PER_GIB_S 0.02
/* core-seconds per GiB sent / received (copy + checksum + TCP) */
#define CPU_SRC_PER_GIB 0.9
#define CPU_DST_PER_GIB 0.6

static double clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

int pol_mig_estimate(const struct qmp_model_coef *c,
		     const struct pol_mig_input *in, struct pol_mig_cost *out)
{
	struct qmp_model_coef defaults;
	struct qmp_model_input q;
	struct qmp_model_pred p;
	double src_load, load, used, budget_ms, lim;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!(in->mem_bytes > 0) || !(in->bw_bps > 0) || in->used_frac < 0 ||
	    in->used_frac > 1 || in->dirty_bps < 0 || !(in->budget_s > 0) ||
	    !isfinite(in->mem_bytes) || !isfinite(in->dirty_bps) ||
	    !isfinite(in->bw_bps) || !(in->latency_s >= 0))
		return -EINVAL;
	if (!c) {
		qmp_model_coef_defaults(&defaults);
		c = &defaults;
	}
	src_load = clamp(in->src_load, 0, 2);
	load = fmax(src_load, clamp(in->dst_load, 0, 2));
	used = in->used_frac * in->mem_bytes;
	memset(&q, 0, sizeof(q));
	q.ram_bytes = in->mem_bytes;
	q.used_bytes = used;
	q.ws_bytes = WSS_SHARE * used;
	q.dirty_bps = in->dirty_bps;
	/* the sender competes with the guests for CPU above 70% load */
	q.link_bps = in->bw_bps *
		     (1.0 - 0.3 * clamp((src_load - 0.7) / 0.3, 0, 1));
	q.max_passes = POL_MIG_MAX_PASSES;
	q.return_path = true;	/* palm enables postcopy-ram when allowed */
	budget_ms = in->budget_s * 1000;
	lim = qmp_model_limit_for_pause(c, &q, budget_ms);
	q.downtime_limit_ms = fmax(lim, 1);
	ret = qmp_model_precopy(c, &q, &p);
	if (ret)
		return ret;
	out->converged = lim >= 1 && p.converges && p.pause_ms <= budget_ms;
	if (!out->converged) {
		ret = qmp_model_postcopy(c, &q, &p);
		if (ret)
			return ret;
		out->postcopy = true;
	}
	out->rounds = (unsigned int)p.passes;
	out->downtime_s = p.pause_ms / 1000 +
			  c->downtime_fixed_ms / 1000 * load +
			  PAUSE_PER_GIB_S * used / GIB * (1.0 + load);
	out->total_s = p.total_s + (out->downtime_s - p.pause_ms / 1000) +
		       in->latency_s * out->rounds;
	out->bytes = p.bytes;
	out->src_cpu_s = CPU_SRC_PER_GIB * out->bytes / GIB;
	out->dst_cpu_s = CPU_DST_PER_GIB * out->bytes / GIB;
	return 0;
}
