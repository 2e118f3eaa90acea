// SPDX-License-Identifier: GPL-2.0
/*
 * Heuristic baselines on the predictor's alarms (random, least-loaded
 * best fit) and Beloglazov & Buyya's LR-MMT with power-aware best-fit
 * decreasing placement (its overload part; underload consolidation,
 * which only saves power, is left out).
 */
#include "policy/pol_policy.h"
#include "policy/pol_predict.h"

#include <math.h>

bool pol_alarm_source(const struct pol_cluster *c, unsigned int h)
{
	const struct pol_host *hh = &c->hosts[h];

	return !hh->failed && (hh->fc.kind >= 0 || pol_host_util(hh) > 1.0);
}

bool pol_memory_due(const struct pol_cluster *c, unsigned int h)
{
	const struct pol_host *hh = &c->hosts[h];

	return hh->fc.alarm[POL_FK_MEMORY] &&
	       hh->fc.ttf_s[POL_FK_MEMORY] <=
	       POL_MEMORY_SLACK_S + pol_host_staying(c, h) * c->step_s;
}

bool pol_must_evacuate(const struct pol_cluster *c, unsigned int h)
{
	return c->hosts[h].fc.alarm[POL_FK_FAULT] || pol_memory_due(c, h);
}

/* Overloaded (or alarmed so) above the relief target. */
static bool overload_needs_relief(const struct pol_host *hh,
				  double target_util)
{
	return pol_relief_util(hh) > target_util &&
	       (hh->fc.alarm[POL_FK_OVERLOAD] || pol_host_util(hh) > 1.0);
}

bool pol_needs_relief(const struct pol_cluster *c, unsigned int h,
		      double target_util)
{
	const struct pol_host *hh = &c->hosts[h];

	if (hh->failed)
		return false;
	/* a failing host is evacuated; an overloaded one only relieved */
	return pol_must_evacuate(c, h) || overload_needs_relief(hh, target_util);
}

/*
 * What an overloaded host must be relieved from: the load it will have
 * once the VMs leaving it are gone, now or at the forecast horizon,
 * whichever is higher.  Relief to the load of now alone leaves a ramp
 * that is still rising to strike a few steps later.
 */
double pol_relief_util(const struct pol_host *h)
{
	return fmax(pol_host_util_after_out(h),
		    h->fc.util_1h - h->cpu_out / h->cores);
}

static bool movable(const struct pol_cluster *c, unsigned int v,
		    unsigned int h)
{
	return c->vms[v].host == h && c->vms[v].dest == POL_NO_HOST;
}

static double util_with(const struct pol_cluster *c, unsigned int d,
			double cpu)
{
	const struct pol_host *hh = &c->hosts[d];

	return (hh->cpu_demand + cpu) / hh->cores;
}

/* Least-loaded feasible destination, preferring ones that stay <= cap. */
static int least_loaded(const struct pol_cluster *c, unsigned int v,
			double cap, unsigned int *out)
{
	double best = INFINITY, u;
	unsigned int d;
	int found = 0;

	for (d = 0; d < c->n_hosts; d++) {
		if (!pol_cluster_feasible(c, v, d))
			continue;
		u = util_with(c, d, c->vms[v].cpu);
		if (u > cap)
			u += 10;	/* only if nothing fits under cap */
		if (u < best) {
			best = u;
			*out = d;
			found = 1;
		}
	}
	return found;
}

int pol_random_decide(struct pol_policy *p, const struct pol_cluster *c,
		      unsigned int h, struct pol_order *o)
{
	unsigned int v = 0, n = 0, pick, d, tries, k;

	if (!pol_needs_relief(c, h, p->target_util))
		return 0;
	for (k = c->vm_start[h]; k < c->vm_start[h + 1]; k++)
		n += movable(c, c->vm_list[k], h);
	if (!n)
		return 0;
	pick = pol_rng_below(&p->rng, n);
	for (k = c->vm_start[h]; k < c->vm_start[h + 1]; k++) {
		v = c->vm_list[k];
		if (movable(c, v, h) && pick-- == 0)
			break;
	}
	for (tries = 0; tries < 64; tries++) {
		d = pol_rng_below(&p->rng, c->n_hosts);
		if (pol_cluster_feasible(c, v, d))
			goto found;
	}
	/* rare: scan from a random start so the choice stays random-ish */
	pick = pol_rng_below(&p->rng, c->n_hosts);
	for (tries = 0; tries < c->n_hosts; tries++) {
		d = (pick + tries) % c->n_hosts;
		if (pol_cluster_feasible(c, v, d))
			goto found;
	}
	return 0;
found:
	o->vm = v;
	o->dst = d;
	return 1;
}

int pol_bestfit_decide(struct pol_policy *p, const struct pol_cluster *c,
		       unsigned int h, struct pol_order *o)
{
	const struct pol_host *hh = &c->hosts[h];
	double excess, key, best = INFINITY;
	unsigned int v, pick = POL_NO_HOST, d, k;
	bool evacuate;

	/* pol_needs_relief, with the evacuation test (a VM count) once */
	if (hh->failed)
		return 0;
	evacuate = pol_must_evacuate(c, h);
	if (!evacuate && !overload_needs_relief(hh, p->target_util))
		return 0;
	excess = (pol_relief_util(hh) - p->target_util) * hh->cores;
	for (k = c->vm_start[h]; k < c->vm_start[h + 1]; k++) {
		v = c->vm_list[k];
		if (!movable(c, v, h))
			continue;
		if (evacuate) {
			/* shortest migration first: most VMs out soonest */
			key = c->vms[v].mem_bytes * c->vms[v].used_frac;
		} else {
			/* best fit: smallest VM covering the excess */
			key = c->vms[v].cpu >= excess ? c->vms[v].cpu :
				1e6 - c->vms[v].cpu;
		}
		if (key < best) {
			best = key;
			pick = v;
		}
	}
	if (pick == POL_NO_HOST || !least_loaded(c, pick, p->target_util, &d))
		return 0;
	o->vm = pick;
	o->dst = d;
	return 1;
}

static double lr_predict(const struct pol_cluster *c, unsigned int h)
{
	const struct pol_host *hh = &c->hosts[h];
	double next;

	if (c->n_hist < 10 || pol_loess_next(hh->cpu_hist + c->n_hist - 10,
					     10, &next))
		return pol_host_util(hh);
	return next;
}

bool pol_lrmmt_source(const struct pol_policy *p, const struct pol_cluster *c,
		      unsigned int h)
{
	const struct pol_host *hh = &c->hosts[h];

	if (hh->failed)
		return false;
	/* Beloglazov: overloaded if s * predicted utilisation >= 1 */
	return p->lr_safety * lr_predict(c, h) >= 1.0 ||
	       pol_host_util(hh) > 1.0;
}

int pol_lrmmt_decide(struct pol_policy *p, const struct pol_cluster *c,
		     unsigned int h, struct pol_order *o)
{
	const struct pol_host *hh = &c->hosts[h];
	double pred, best = INFINITY, inc, u, bw;
	unsigned int v, pick = POL_NO_HOST, d, dst = POL_NO_HOST, k;

	if (hh->failed)
		return 0;
	/* predicted utilisation minus what is already leaving */
	pred = fmax(lr_predict(c, h), pol_host_util(hh)) - hh->cpu_out / hh->cores;
	if (p->lr_safety * pred < 1.0)
		return 0;
	/* MMT: minimum migration time = RAM / bandwidth */
	for (k = c->vm_start[h]; k < c->vm_start[h + 1]; k++) {
		v = c->vm_list[k];
		if (!movable(c, v, h))
			continue;
		if (c->vms[v].mem_bytes < best) {
			best = c->vms[v].mem_bytes;
			pick = v;
		}
	}
	if (pick == POL_NO_HOST)
		return 0;
	/* PABFD: least power increase among hosts not overloaded after */
	best = INFINITY;
	for (d = 0; d < c->n_hosts; d++) {
		if (!pol_cluster_feasible(c, pick, d))
			continue;
		u = util_with(c, d, c->vms[pick].cpu);
		if (p->lr_safety * u >= 1.0)
			continue;
		inc = (c->hosts[d].power_max - c->hosts[d].power_idle) *
		      c->vms[pick].cpu / c->hosts[d].cores;
		bw = inc + 1e-9 * u;	/* tie-break towards lower load */
		if (bw < best) {
			best = bw;
			dst = d;
		}
	}
	if (dst == POL_NO_HOST)
		return 0;
	o->vm = pick;
	o->dst = dst;
	return 1;
}
