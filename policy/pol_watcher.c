// SPDX-License-Identifier: GPL-2.0
/*
 * OpenStack Watcher's workload_balance strategy, re-expressed: hosts
 * whose CPU utilisation exceeds the threshold are sources; the instance
 * moved is the smallest whose load covers the host's excess over the
 * cluster average (else the largest); the destination is the least
 * loaded host that stays under the threshold.  One action per source
 * host per audit period (= one simulation step).
 */
#include "policy/pol_policy.h"

#include <math.h>

bool pol_watcher_source(const struct pol_policy *p,
			const struct pol_cluster *c, unsigned int h)
{
	const struct pol_host *hh = &c->hosts[h];

	return !hh->failed && pol_host_util(hh) > p->watcher_threshold;
}

int pol_watcher_decide(struct pol_policy *p, const struct pol_cluster *c,
		       unsigned int h, struct pol_order *o)
{
	const struct pol_host *hh = &c->hosts[h];
	double avg = 0, delta, best = INFINITY, key, u;
	unsigned int v, d, pick = POL_NO_HOST, dst = POL_NO_HOST, n = 0;

	if (hh->failed || hh->cpu_out > 0)	/* one action per period */
		return 0;
	for (d = 0; d < c->n_hosts; d++)
		if (!c->hosts[d].failed) {
			avg += pol_host_util(&c->hosts[d]);
			n++;
		}
	avg /= n ? n : 1;
	delta = (pol_host_util(hh) - avg) * hh->cores;
	for (v = 0; v < c->n_vms; v++) {
		const struct pol_vm *vm = &c->vms[v];

		if (vm->host != h || vm->dest != POL_NO_HOST)
			continue;
		key = vm->cpu >= delta ? vm->cpu : 1e6 - vm->cpu;
		if (key < best) {
			best = key;
			pick = v;
		}
	}
	if (pick == POL_NO_HOST)
		return 0;
	best = INFINITY;
	for (d = 0; d < c->n_hosts; d++) {
		if (!pol_cluster_feasible(c, pick, d))
			continue;
		u = (c->hosts[d].cpu_demand + c->vms[pick].cpu) / c->hosts[d].cores;
		if (u >= p->watcher_threshold)
			continue;
		if (u < best) {
			best = u;
			dst = d;
		}
	}
	if (dst == POL_NO_HOST)
		return 0;
	o->vm = pick;
	o->dst = dst;
	return 1;
}
