// SPDX-License-Identifier: GPL-2.0
/* Cluster view helpers: the action mask and the sample history. */
#include "policy/pol_cluster.h"

#include <errno.h>
#include <stdlib.h>
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

unsigned int pol_host_staying(const struct pol_cluster *c, unsigned int h)
{
	unsigned int k, n = 0;

	for (k = c->vm_start[h]; k < c->vm_start[h + 1]; k++)
		n += c->vms[c->vm_list[k]].host == h &&
		     c->vms[c->vm_list[k]].dest == POL_NO_HOST;
	return n;
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
	return pol_mig_estimate(c->mig_coef, &in, cost);
}

int pol_cluster_index(struct pol_cluster *c)
{
	unsigned int h, v;

	if (!c->vm_start) {
		c->vm_start = calloc(c->n_hosts + 1, sizeof(*c->vm_start));
		c->vm_list = calloc(c->n_vms ? c->n_vms : 1, sizeof(*c->vm_list));
		if (!c->vm_start || !c->vm_list) {
			pol_cluster_index_free(c);
			return -ENOMEM;
		}
	}
	memset(c->vm_start, 0, (c->n_hosts + 1) * sizeof(*c->vm_start));
	for (v = 0; v < c->n_vms; v++)
		c->vm_start[c->vms[v].host + 1]++;
	for (h = 0; h < c->n_hosts; h++)
		c->vm_start[h + 1] += c->vm_start[h];
	/* fill using vm_start[h] as a cursor, then shift back */
	for (v = 0; v < c->n_vms; v++)
		c->vm_list[c->vm_start[c->vms[v].host]++] = v;
	for (h = c->n_hosts; h > 0; h--)
		c->vm_start[h] = c->vm_start[h - 1];
	c->vm_start[0] = 0;
	return 0;
}

void pol_cluster_index_free(struct pol_cluster *c)
{
	free(c->vm_start);
	free(c->vm_list);
	c->vm_start = NULL;
	c->vm_list = NULL;
}
