// SPDX-License-Identifier: GPL-2.0
/* Cluster view helpers: the action mask and the sample history. */
#include "policy/pol_cluster.h"

#include <errno.h>
#include <string.h>

bool pol_cluster_feasible(const struct pol_cluster *c, unsigned int vm,
			  unsigned int dst)
{
	const struct pol_vm *v;
	const struct pol_host *d;
	int k;

	if (vm >= c->n_vms || dst >= c->n_hosts)
		return false;
	v = &c->vms[vm];
	d = &c->hosts[dst];
	if (v->dest != POL_NO_HOST || v->host == dst || d->failed)
		return false;
	for (k = 0; k < POL_FK_COUNT; k++)
		if (d->fc.alarm[k])
			return false;
	if (d->mem_alloc + v->mem_bytes > d->mem_bytes)
		return false;
	if (d->vcpus_alloc + v->vcpus > d->cores * c->cpu_overcommit)
		return false;
	return true;
}

void pol_hist_push(double *hist, unsigned int n, double v)
{
	if (n < POL_HIST) {
		hist[n] = v;
		return;
	}
	memmove(hist, hist + 1, (POL_HIST - 1) * sizeof(*hist));
	hist[POL_HIST - 1] = v;
}

double pol_host_util(const struct pol_host *h)
{
	return h->cores > 0 ? h->cpu_demand / h->cores : 0;
}

double pol_host_util_after_out(const struct pol_host *h)
{
	return h->cores > 0 ? (h->cpu_demand - h->cpu_out) / h->cores : 0;
}

int pol_cluster_mig_cost(const struct pol_cluster *c, unsigned int vm,
			 unsigned int dst, struct pol_mig_cost *cost)
{
	const struct pol_vm *v;
	struct pol_mig_input in;

	if (vm >= c->n_vms || dst >= c->n_hosts)
		return -EINVAL;
	v = &c->vms[vm];
	in.mem_bytes = v->mem_bytes;
	in.used_frac = v->used_frac;
	in.dirty_bps = v->dirty_bps;
	in.bw_bps = pol_topo_path_bw(&c->topo, v->host, dst);
	in.latency_s = pol_topo_latency(&c->topo, v->host, dst);
	in.budget_s = v->max_pause_s;
	in.src_load = pol_host_util(&c->hosts[v->host]);
	in.dst_load = pol_host_util(&c->hosts[dst]);
	return pol_mig_estimate(&in, cost);
}
