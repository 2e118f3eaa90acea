// SPDX-License-Identifier: GPL-2.0
/*
 * Oracle: reads the simulator's ground truth (failure times, future
 * demand).  It evacuates a host 30 min before a fault or memory
 * exhaustion, relieves hosts whose *true* demand will exceed capacity,
 * and places VMs where the next hour's true demand fits.  A strong
 * clairvoyant heuristic, i.e. an upper bound for the others, not a proof
 * of optimality.
 */
#include "policy/pol_policy.h"
#include "policy/pol_sim.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ORC_K 13		/* now .. 12 steps ahead */
#define ORC_SOON 6		/* evacuate this many steps before a strike */
#define ORC_OVER 3		/* relieve overloads this many steps ahead */

static int refresh(struct pol_policy *p)
{
	const struct pol_sim *s = p->truth;
	const struct pol_cluster *c = &s->c;
	unsigned int v, k, at;

	if (p->fut && p->fut_step == s->step && p->fut_hosts == c->n_hosts)
		return 0;
	if (p->fut_hosts != c->n_hosts) {
		free(p->fut);
		p->fut = calloc((size_t)c->n_hosts * ORC_K, sizeof(*p->fut));
		if (!p->fut)
			return -ENOMEM;
		p->fut_hosts = c->n_hosts;
	}
	memset(p->fut, 0, (size_t)c->n_hosts * ORC_K * sizeof(*p->fut));
	for (v = 0; v < c->n_vms; v++) {
		at = c->vms[v].dest != POL_NO_HOST ? c->vms[v].dest :
						     c->vms[v].host;
		for (k = 0; k < ORC_K; k++)
			p->fut[(size_t)at * ORC_K + k] += pol_sim_future_cpu(s, v, k);
	}
	for (at = 0; at < c->n_hosts; at++)
		for (k = 0; k < ORC_K; k++)
			p->fut[(size_t)at * ORC_K + k] += pol_sim_future_bg(s, at, k);
	p->fut_step = s->step;
	return 0;
}

static double fut_max(const struct pol_policy *p, const struct pol_cluster *c,
		      unsigned int h, unsigned int upto)
{
	double m = 0;
	unsigned int k;

	for (k = 0; k <= upto && k < ORC_K; k++)
		if (p->fut[(size_t)h * ORC_K + k] > m)
			m = p->fut[(size_t)h * ORC_K + k];
	return m / c->hosts[h].cores;
}

static bool doomed(const struct pol_policy *p, unsigned int h)
{
	const struct pol_sim *s = p->truth;

	return pol_sim_next_strike(s, h, false) <=
	       s->c.now_s + ORC_SOON * s->c.step_s;
}

bool pol_oracle_source(struct pol_policy *p, const struct pol_cluster *c,
		       unsigned int h)
{
	if (!p->truth || c->hosts[h].failed || refresh(p))
		return false;
	return doomed(p, h) || fut_max(p, c, h, ORC_OVER) > 1.0;
}

int pol_oracle_decide(struct pol_policy *p, const struct pol_cluster *c,
		      unsigned int h, struct pol_order *o)
{
	const struct pol_sim *s = p->truth;
	bool evac;
	double excess, key, best = INFINITY, u;
	unsigned int v, k, d, pick = POL_NO_HOST, dst = POL_NO_HOST;

	if (!s || refresh(p))
		return -EINVAL;
	evac = doomed(p, h);
	excess = (fut_max(p, c, h, ORC_K - 1) - 0.9) * c->hosts[h].cores;
	if (!evac && (excess <= 0 || fut_max(p, c, h, ORC_OVER) <= 1.0))
		return 0;
	for (v = 0; v < c->n_vms; v++) {
		const struct pol_vm *vm = &c->vms[v];
		double fc = 0;

		if (vm->host != h || vm->dest != POL_NO_HOST)
			continue;
		for (k = 0; k < ORC_K; k++)
			fc = fmax(fc, pol_sim_future_cpu(s, v, k));
		key = evac ? vm->mem_bytes * vm->used_frac :
			(fc >= excess ? fc : 1e6 - fc);
		if (key < best) {
			best = key;
			pick = v;
		}
	}
	if (pick == POL_NO_HOST)
		return 0;
	best = INFINITY;
	for (d = 0; d < c->n_hosts; d++) {
		double need = 0;

		if (!pol_cluster_feasible(c, pick, d))
			continue;
		if (pol_sim_next_strike(s, d, false) < c->now_s + 6 * 3600)
			continue;
		for (k = 0; k < ORC_K; k++)
			need = fmax(need, pol_sim_future_cpu(s, pick, k));
		u = fut_max(p, c, d, ORC_K - 1) + need / c->hosts[d].cores;
		if (u > 0.9)
			u += 10;
		if (u < best) {
			best = u;
			dst = d;
		}
	}
	if (dst == POL_NO_HOST)
		return 0;
	/* assume the order is carried out: move its future demand */
	for (k = 0; k < ORC_K; k++) {
		double f = pol_sim_future_cpu(s, pick, k);

		p->fut[(size_t)h * ORC_K + k] -= f;
		p->fut[(size_t)dst * ORC_K + k] += f;
	}
	o->vm = pick;
	o->dst = dst;
	return 1;
}
