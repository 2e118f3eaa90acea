// SPDX-License-Identifier: GPL-2.0
/*
 * Cluster simulator.  Assumptions (see README): VM CPU demand = vCPUs x
 * trace utilisation; resident memory follows smoothed CPU activity
 * (used = 30% + 60% x EWMA(util)); dirty rate = dirty_max x (0.1 + 0.9
 * util), i.e. a busy guest writes more.  A host whose demand exceeds its
 * cores violates the SLA of all its VMs for that step; a failed host
 * (hardware fault or memory exhaustion) is down for repair_h.
 */
#include "policy/pol_sim.h"
#include "policy/pol_eval.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GIB (1024.0 * 1024 * 1024)

static double uni(struct pol_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * pol_rng_uniform(r);
}

static int place_initial(struct pol_sim *s)
{
	struct pol_cluster *c = &s->c;
	unsigned int *order, i, j, t, h;
	int ret = 0;

	order = malloc(c->n_vms * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (i = 0; i < c->n_vms; i++)
		order[i] = i;
	for (i = c->n_vms; i > 1; i--) {
		j = pol_rng_below(&s->rng, i);
		t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	for (i = 0; i < c->n_vms; i++) {
		struct pol_vm *vm = &c->vms[order[i]];
		bool ok = false;

		/* random tries spread the load, then first fit */
		for (j = 0; j < 64 + c->n_hosts && !ok; j++) {
			struct pol_host *hh;

			h = j < 64 ? pol_rng_below(&s->rng, c->n_hosts) : j - 64;
			hh = &c->hosts[h];
			if (hh->mem_alloc + vm->mem_bytes <= 0.85 * hh->mem_bytes &&
			    hh->vcpus_alloc + vm->vcpus <=
			    0.9 * hh->cores * c->cpu_overcommit) {
				vm->host = h;
				hh->mem_alloc += vm->mem_bytes;
				hh->vcpus_alloc += vm->vcpus;
				ok = true;
			}
		}
		if (!ok) {
			ret = -ENOSPC;
			break;
		}
	}
	free(order);
	return ret;
}

static void add_event(struct pol_sim *s, int kind, bool false_alarm,
		      double day)
{
	struct pol_event *e = &s->ev[s->n_ev];
	const struct pol_scenario *p = &s->scn;
	unsigned int tries, i;
	bool busy;

	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->false_alarm = false_alarm;
	e->precursor = true;
	e->peak = -1;		/* overload/leak sizes are set when they start */
	/* one event per host keeps outcomes attributable */
	for (tries = 0; tries < 50; tries++) {
		e->host = pol_rng_below(&s->rng, s->c.n_hosts);
		busy = false;
		for (i = 0; i < s->n_ev; i++)
			busy |= s->ev[i].host == e->host;
		if (!busy)
			break;
	}
	switch (kind) {
	case POL_FK_OVERLOAD:
		e->start_s = uni(&s->rng, 3600, day - 3 * 3600);
		e->fault_s = e->start_s + 60 * uni(&s->rng, p->ramp_min_min,
						   p->ramp_max_min);
		e->end_s = e->fault_s + uni(&s->rng, 3600, 3 * 3600);
		break;
	case POL_FK_MEMORY:
		e->start_s = uni(&s->rng, 1800, day - p->leak_min_h * 3600);
		e->fault_s = e->start_s + 3600 * uni(&s->rng, p->leak_min_h,
						     p->leak_max_h);
		/* a false leak stops growing half way */
		e->end_s = false_alarm ? (e->start_s + e->fault_s) / 2 : INFINITY;
		break;
	default:
		e->fault_s = uni(&s->rng, 2.5 * 3600, day - 1800);
		e->precursor = false_alarm ||
			       pol_rng_uniform(&s->rng) < p->fault_precursor_prob;
		e->start_s = e->fault_s - (e->precursor ?
			60 * uni(&s->rng, p->storm_min_min, p->storm_max_min) : 0);
		e->end_s = e->fault_s;
		break;
	}
	s->n_ev++;
}

static int schedule_events(struct pol_sim *s)
{
	const struct pol_scenario *p = &s->scn;
	double day = s->n_steps * p->step_s, f = day / 86400;
	unsigned int n[4], i, k, total;

	n[0] = pol_rng_poisson(&s->rng, p->overload_per_day * f);
	n[1] = pol_rng_poisson(&s->rng, p->leak_per_day * f);
	n[2] = pol_rng_poisson(&s->rng, p->fault_per_day * f);
	n[3] = pol_rng_poisson(&s->rng, p->false_alarm_per_day * f);
	total = n[0] + n[1] + n[2] + n[3];
	if (total > s->c.n_hosts)
		total = s->c.n_hosts;
	s->ev = calloc(total ? total : 1, sizeof(*s->ev));
	if (!s->ev)
		return -ENOMEM;
	if (day < 4 * 3600)
		return 0;	/* too short a run for the event windows */
	for (k = 0; k < 4; k++)
		for (i = 0; i < n[k] && s->n_ev < total; i++)
			add_event(s, k < 3 ? (int)k :
				  (int)pol_rng_below(&s->rng, POL_FK_COUNT),
				  k == 3, day);
	return 0;
}

static double storm_rate(const struct pol_event *e, double t)
{
	double x;

	if (e->kind != POL_FK_FAULT || !e->precursor || t < e->start_s ||
	    t >= e->end_s || e->end_s <= e->start_s)
		return 0;
	x = (t - e->start_s) / (e->end_s - e->start_s);
	return 1 + 2 * exp(3 * x);
}

static double ramp(const struct pol_event *e, double t)
{
	if (e->kind != POL_FK_OVERLOAD || e->peak < 0 || t < e->start_s ||
	    t >= e->end_s)
		return 0;
	if (t < e->fault_s)
		return e->peak * (t - e->start_s) / (e->fault_s - e->start_s);
	return e->peak;
}

/*
 * Split the VMs an announced fault caught: a policy may start
 * max_mig_per_host migrations per decision step, and decides once per
 * step from the alarm on, so at most that many per step can have left
 * (a bound that assumes a migration lands within its step, as it does
 * in seconds on the scenarios' links).
 */
static void attribute_fault_caught(struct pol_sim *s,
				   const struct pol_event *e)
{
	const struct pol_cluster *c = &s->c;
	double alarm_s = s->fault_alarm_s[e->host], rounds, left;
	unsigned int bound;

	if (alarm_s < 0) {
		s->st.fault_caught_unalarmed += e->caught;
		return;
	}
	rounds = floor((c->now_s - alarm_s) / c->step_s + 1e-9);
	left = (double)s->fault_alarm_vms[e->host] -
	       rounds * s->scn.max_mig_per_host;
	bound = left > 0 ? (unsigned int)fmin(left, e->caught) : 0;
	s->st.fault_caught_rate_bound += bound;
	s->st.fault_caught_after_alarm += e->caught - bound;
}

/*
 * Remember when each host's fault alarm first rose, and what it held
 * then.  An alarm that cleared and rose again still counts from its
 * first rise within pol_pred_window_s(), as the predictor's evaluation
 * counts lead time: a policy could have moved VMs from then on.
 */
static void note_fault_alarms(struct pol_sim *s)
{
	const struct pol_cluster *c = &s->c;
	double window_s = pol_pred_window_s(POL_FK_FAULT);
	unsigned int h;

	for (h = 0; h < c->n_hosts; h++) {
		if (!c->hosts[h].fc.alarm[POL_FK_FAULT]) {
			if (!c->hosts[h].failed &&
			    c->now_s - s->fault_alarm_s[h] > window_s)
				s->fault_alarm_s[h] = -1;
		} else if (s->fault_alarm_s[h] < 0) {
			s->fault_alarm_s[h] = c->now_s;
			s->fault_alarm_vms[h] = pol_host_staying(c, h);
		}
	}
}

static void strike(struct pol_sim *s, struct pol_event *e)
{
	struct pol_cluster *c = &s->c;
	struct pol_host *h = &c->hosts[e->host];
	unsigned int v, n = 0;

	e->struck = true;
	e->struck_s = c->now_s;
	for (v = 0; v < c->n_vms; v++) {
		struct pol_vm *vm = &c->vms[v];

		if (vm->host == e->host)
			n++;
		if (e->kind == POL_FK_OVERLOAD || vm->dest == POL_NO_HOST)
			continue;
		/* a migration touching a dead host is lost */
		if (vm->host == e->host || vm->dest == e->host) {
			pol_topo_flow(&c->topo, vm->host, vm->dest, -1, 0);
			vm->dest = POL_NO_HOST;
			s->st.aborted++;
		}
	}
	e->caught = n;
	s->st.caught += n;
	if (e->kind == POL_FK_FAULT && e->precursor)
		attribute_fault_caught(s, e);
	/* an overload's cost is its violation time; a dead host's is repair */
	if (e->kind != POL_FK_OVERLOAD)
		s->step_caught[e->host] += n;
	if (e->kind != POL_FK_OVERLOAD) {
		h->failed = true;
		s->down_unpred[e->host] = !e->precursor;
		s->down_until[e->host] = c->now_s + s->scn.repair_h * 3600;
		s->leak[e->host] = 0;
	}
	s->st.struck[e->kind]++;
}

/*
 * Host series = own load + the series of the VMs resident now (what
 * palmd can compute from per-VM samples), so arrivals and departures
 * do not read as trends.  Migration CPU overhead is left out.
 */
static void rebuild_host_hist(struct pol_sim *s)
{
	struct pol_cluster *c = &s->c;
	unsigned int h, v, k, n = c->n_hist;

	for (h = 0; h < c->n_hosts; h++) {
		memcpy(c->hosts[h].cpu_hist, s->bg_hist + (size_t)h * POL_HIST,
		       n * sizeof(double));
		memcpy(c->hosts[h].mem_hist, s->leak_hist + (size_t)h * POL_HIST,
		       n * sizeof(double));
	}
	for (v = 0; v < c->n_vms; v++) {
		struct pol_host *hh = &c->hosts[c->vms[v].host];

		for (k = 0; k < n; k++) {
			hh->cpu_hist[k] += c->vms[v].cpu_hist[k];
			hh->mem_hist[k] += c->vms[v].mem_hist[k];
		}
	}
	for (h = 0; h < c->n_hosts; h++)
		for (k = 0; k < n; k++)
			c->hosts[h].cpu_hist[k] /= c->hosts[h].cores;
}

/* Rebuild demand, memory, allocations and histories for this step. */
static void observe(struct pol_sim *s)
{
	struct pol_cluster *c = &s->c;
	unsigned int k = s->step < s->n_steps ? s->step : s->n_steps - 1;
	unsigned int v, h, i, n = c->n_hist;
	double t = c->now_s, u, ce;

	for (h = 0; h < c->n_hosts; h++) {
		struct pol_host *hh = &c->hosts[h];

		hh->cpu_demand = 0;
		hh->mem_used = s->leak[h];
		hh->vcpus_alloc = hh->mem_alloc = 0;
		hh->cpu_out = hh->mem_out = 0;
		hh->n_vms = 0;
		s->bg[h] = 0;
	}
	for (i = 0; i < s->n_ev; i++)
		s->bg[s->ev[i].host] += ramp(&s->ev[i], t);
	for (v = 0; v < c->n_vms; v++) {
		struct pol_vm *vm = &c->vms[v];
		struct pol_host *hh = &c->hosts[vm->host];

		u = pol_trace_at(s->trace, s->row[v], k);
		vm->cpu = vm->vcpus * u;
		s->util_avg[v] = 0.8 * s->util_avg[v] + 0.2 * u;
		vm->used_frac = 0.3 + 0.6 * s->util_avg[v];
		vm->dirty_bps = s->dirty_max[v] * (0.1 + 0.9 * u);
		pol_hist_push(vm->cpu_hist, n, vm->cpu);
		pol_hist_push(vm->mem_hist, n, vm->used_frac * vm->mem_bytes);
		hh->cpu_demand += vm->cpu;
		hh->mem_used += vm->used_frac * vm->mem_bytes;
		hh->mem_alloc += vm->mem_bytes;
		hh->vcpus_alloc += vm->vcpus;
		hh->n_vms++;
		if (vm->dest != POL_NO_HOST) {
			struct pol_host *d = &c->hosts[vm->dest];
			const struct pol_mig_cost *m = &s->mig[v];
			double span = m->total_s > 0 ? m->total_s : 1;

			d->mem_alloc += vm->mem_bytes;
			d->vcpus_alloc += vm->vcpus;
			hh->cpu_out += vm->cpu;
			hh->mem_out += vm->mem_bytes;
			/* migration threads cost CPU on both ends */
			hh->cpu_demand += m->src_cpu_s / span;
			d->cpu_demand += m->dst_cpu_s / span;
		}
	}
	for (h = 0; h < c->n_hosts; h++) {
		struct pol_host *hh = &c->hosts[h];
		double rate = s->ce_base[h];

		hh->cpu_demand += s->bg[h];
		for (i = 0; i < s->n_ev; i++)
			if (s->ev[i].host == h)
				rate += storm_rate(&s->ev[i], t);
		ce = pol_rng_poisson(&s->rng, rate);
		pol_hist_push(s->bg_hist + (size_t)h * POL_HIST, n,
			      s->bg[h]);
		pol_hist_push(s->leak_hist + (size_t)h * POL_HIST, n, s->leak[h]);
		pol_hist_push(hh->ce_hist, n, ce);
	}
	if (c->n_hist < POL_HIST)
		c->n_hist++;
	rebuild_host_hist(s);
	pol_cluster_index(c);	/* allocated at init: cannot fail here */
}

/* Events that depend on the observed state: starts, overload, memory. */
static void dynamic_events(struct pol_sim *s)
{
	struct pol_cluster *c = &s->c;
	double t = c->now_s, dt = c->step_s;
	unsigned int i;

	for (i = 0; i < s->n_ev; i++) {
		struct pol_event *e = &s->ev[i];
		struct pol_host *h = &c->hosts[e->host];

		if (e->struck || t < e->start_s || h->failed)
			continue;
		if (e->kind == POL_FK_OVERLOAD) {
			if (e->peak < 0) {
				double vmd = h->cpu_demand - s->bg[e->host];

				e->peak = e->false_alarm ?
					fmax(0.1 * h->cores, 0.8 * h->cores - vmd) :
					fmax(0.3 * h->cores, 1.3 * h->cores - vmd);
			}
			if (!e->false_alarm && t < e->end_s &&
			    h->cpu_demand > h->cores)
				strike(s, e);
		} else if (e->kind == POL_FK_MEMORY) {
			if (e->peak < 0)
				e->peak = fmax(h->mem_bytes - h->mem_used, 0.1 * h->mem_bytes) /
					  (e->fault_s - e->start_s);
			if (t < e->end_s)
				s->leak[e->host] += e->peak * dt;
			if (h->mem_used > h->mem_bytes)
				strike(s, e);
		}
	}
}

int pol_sim_init(struct pol_sim *s, const struct pol_scenario *scn,
		 const struct pol_trace *tr, uint64_t seed, char *err,
		 size_t errlen)
{
	struct pol_cluster *c = &s->c;
	unsigned int h, v, i, p2;
	double w, x, tw = 0;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = pol_scenario_check(scn, err, errlen);
	if (ret)
		return ret;
	if (!tr || !tr->n_vms || tr->n_samples < 2) {
		snprintf(err, errlen, "empty trace");
		return -EINVAL;
	}
	s->scn = *scn;
	s->trace = tr;
	s->n_steps = tr->n_samples;
	pol_predict_defaults(&s->pcfg);
	pol_rng_seed(&s->rng, seed);
	c->n_hosts = scn->n_hosts;
	c->n_vms = scn->n_vms;
	c->step_s = scn->step_s;
	c->cpu_overcommit = scn->cpu_overcommit;
	c->mig_coef = &s->scn.mig_coef;
	c->hosts = calloc(c->n_hosts, sizeof(*c->hosts));
	c->vms = calloc(c->n_vms, sizeof(*c->vms));
	s->row = calloc(c->n_vms, sizeof(*s->row));
	s->dirty_max = calloc(c->n_vms, sizeof(double));
	s->util_avg = calloc(c->n_vms, sizeof(double));
	s->mig_end = calloc(c->n_vms, sizeof(double));
	s->mig = calloc(c->n_vms, sizeof(*s->mig));
	s->bg = calloc(c->n_hosts, sizeof(double));
	s->leak = calloc(c->n_hosts, sizeof(double));
	s->ce_base = calloc(c->n_hosts, sizeof(double));
	s->down_until = calloc(c->n_hosts, sizeof(double));
	s->power_idle = calloc(c->n_hosts, sizeof(double));
	s->power_max = calloc(c->n_hosts, sizeof(double));
	s->step_viol = calloc(c->n_hosts, sizeof(double));
	s->step_caught = calloc(c->n_hosts, sizeof(unsigned int));
	s->dem_end = calloc(c->n_hosts, sizeof(double));
	s->t_last = calloc(c->n_hosts, sizeof(double));
	s->bg_hist = calloc((size_t)c->n_hosts * POL_HIST, sizeof(double));
	s->leak_hist = calloc((size_t)c->n_hosts * POL_HIST, sizeof(double));
	s->down_unpred = calloc(c->n_hosts, sizeof(bool));
	s->fault_alarm_s = malloc(c->n_hosts * sizeof(double));
	s->fault_alarm_vms = calloc(c->n_hosts, sizeof(unsigned int));
	if (!c->hosts || !c->vms || !s->row || !s->dirty_max ||
	    !s->util_avg || !s->mig_end || !s->mig || !s->bg || !s->leak ||
	    !s->ce_base || !s->down_until || !s->power_idle ||
	    !s->power_max || !s->step_viol || !s->step_caught ||
	    !s->dem_end || !s->t_last || !s->bg_hist || !s->leak_hist ||
	    !s->down_unpred || !s->fault_alarm_s || !s->fault_alarm_vms) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	ret = pol_topo_init(&c->topo, c->n_hosts, scn->n_racks,
			    scn->host_link_gbps, scn->uplink_gbps,
			    scn->lat_rack_us, scn->lat_core_us);
	if (ret) {
		snprintf(err, errlen, "bad topology");
		goto fail;
	}
	for (i = 0; i < scn->n_host_types; i++)
		tw += scn->host_types[i].weight;
	for (h = 0; h < c->n_hosts; h++) {
		x = pol_rng_uniform(&s->rng) * tw;
		for (i = 0, w = 0; i + 1 < scn->n_host_types; i++) {
			w += scn->host_types[i].weight;
			if (x < w)
				break;
		}
		c->hosts[h].cores = scn->host_types[i].cores;
		c->hosts[h].mem_bytes = scn->host_types[i].mem_gib * GIB;
		/* bigger hosts draw less power per core (linear model) */
		s->power_idle[h] = 50 + 2.5 * c->hosts[h].cores;
		s->power_max[h] = s->power_idle[h] + 20 + 4 * c->hosts[h].cores;
		c->hosts[h].power_idle = s->power_idle[h];
		c->hosts[h].power_max = s->power_max[h];
		s->ce_base[h] = uni(&s->rng, 0.05, 0.4);
	}
	for (p2 = 0; (1u << (p2 + 1)) <= scn->vm_vcpus_max; p2++)
		;
	for (v = 0; v < c->n_vms; v++) {
		struct pol_vm *vm = &c->vms[v];

		vm->dest = POL_NO_HOST;
		vm->vcpus = 1u << pol_rng_below(&s->rng, p2 + 1);
		vm->mem_bytes = round(4 * uni(&s->rng, scn->vm_mem_min_gib,
					      scn->vm_mem_max_gib)) / 4 * GIB;
		if (vm->mem_bytes < 0.125 * GIB)
			vm->mem_bytes = 0.125 * GIB;
		s->dirty_max[v] = 1e6 * uni(&s->rng, scn->vm_dirty_min_mbps,
					    scn->vm_dirty_max_mbps);
		vm->pkt_rate = uni(&s->rng, scn->vm_pkt_min, scn->vm_pkt_max);
		vm->max_pause_s = scn->vm_max_pause_ms / 1000;
		s->row[v] = pol_rng_below(&s->rng, tr->n_vms);
		s->util_avg[v] = pol_trace_at(tr, s->row[v], 0);
	}
	ret = place_initial(s);
	if (ret) {
		snprintf(err, errlen, "cannot place %u VMs on %u hosts",
			 c->n_vms, c->n_hosts);
		goto fail;
	}
	ret = schedule_events(s);
	if (ret)
		goto fail;
	ret = pol_cluster_index(c);
	if (ret)
		goto fail;
	for (h = 0; h < c->n_hosts; h++)
		s->fault_alarm_s[h] = -1;
	observe(s);
	dynamic_events(s);
	pol_predict_cluster(&s->pcfg, c);
	note_fault_alarms(s);
	return 0;
fail:
	pol_sim_free(s);
	return ret;
}

void pol_sim_free(struct pol_sim *s)
{
	pol_topo_free(&s->c.topo);
	pol_cluster_index_free(&s->c);
	free(s->c.hosts);
	free(s->c.vms);
	free(s->row);
	free(s->dirty_max);
	free(s->util_avg);
	free(s->mig_end);
	free(s->mig);
	free(s->bg);
	free(s->leak);
	free(s->ce_base);
	free(s->down_until);
	free(s->power_idle);
	free(s->power_max);
	free(s->step_viol);
	free(s->step_caught);
	free(s->dem_end);
	free(s->t_last);
	free(s->bg_hist);
	free(s->leak_hist);
	free(s->down_unpred);
	free(s->fault_alarm_s);
	free(s->fault_alarm_vms);
	free(s->ev);
	memset(s, 0, sizeof(*s));
}

bool pol_sim_done(const struct pol_sim *s)
{
	return s->step + 1 >= s->n_steps;
}

/* Tally a migration by the truth at its source (for the report only). */
static void count_by_cause(struct pol_sim *s, unsigned int h)
{
	int false_kind = -1;
	unsigned int i;

	for (i = 0; i < s->n_ev; i++) {
		const struct pol_event *e = &s->ev[i];

		if (e->host != h || e->struck || s->c.now_s < e->start_s)
			continue;
		if (!e->false_alarm) {
			s->st.mig_true[e->kind]++;
			return;
		}
		false_kind = e->kind;
	}
	if (false_kind >= 0)
		s->st.mig_false[false_kind]++;
	else
		s->st.mig_quiet++;
}

int pol_sim_migrate(struct pol_sim *s, unsigned int vm, unsigned int dst,
		    struct pol_mig_cost *cost)
{
	struct pol_cluster *c = &s->c;
	struct pol_mig_cost m;
	struct pol_vm *v;
	int ret;

	if (!pol_cluster_feasible(c, vm, dst)) {
		s->st.rejected++;
		return -EINVAL;
	}
	v = &c->vms[vm];
	if (c->hosts[v->host].failed)
		return -EHOSTDOWN;
	ret = pol_cluster_mig_cost(c, vm, dst, &m);
	if (ret)
		return ret;
	pol_topo_flow(&c->topo, v->host, dst, +1, m.bytes);
	s->mig[vm] = m;
	s->mig_end[vm] = c->now_s + m.total_s;
	v->dest = dst;
	c->hosts[dst].mem_alloc += v->mem_bytes;
	c->hosts[dst].vcpus_alloc += v->vcpus;
	c->hosts[v->host].cpu_out += v->cpu;
	c->hosts[v->host].mem_out += v->mem_bytes;
	count_by_cause(s, v->host);
	s->st.migrations++;
	s->st.bytes += m.bytes;
	s->st.mig_cpu_s += m.src_cpu_s + m.dst_cpu_s;
	if (cost)
		*cost = m;
	return 0;
}

void pol_sim_advance(struct pol_sim *s)
{
	struct pol_cluster *c = &s->c;
	double dt = c->step_s;
	unsigned int v, h, i;

	memset(s->step_viol, 0, c->n_hosts * sizeof(*s->step_viol));
	memset(s->step_caught, 0, c->n_hosts * sizeof(*s->step_caught));
	/* 1: demand once this step's migrations have landed */
	for (h = 0; h < c->n_hosts; h++) {
		s->dem_end[h] = c->hosts[h].cpu_demand;
		s->t_last[h] = c->now_s;
	}
	for (v = 0; v < c->n_vms; v++) {
		const struct pol_vm *vm = &c->vms[v];

		if (vm->dest == POL_NO_HOST || s->mig_end[v] > c->now_s + dt)
			continue;
		s->dem_end[vm->host] -= vm->cpu;
		s->dem_end[vm->dest] += vm->cpu;
		if (s->mig_end[v] > s->t_last[vm->host])
			s->t_last[vm->host] = s->mig_end[v];
	}
	/*
	 * 2: SLA accounting over [now, now + dt): a host is bad at its
	 * observed demand until its last departure lands, then at the
	 * demand after; a migrated VM pays its pause and its destination's
	 * state after arrival.
	 */
	for (v = 0; v < c->n_vms; v++) {
		struct pol_vm *vm = &c->vms[v];
		unsigned int src = vm->host;
		const struct pol_host *hs = &c->hosts[src];
		bool bad0 = hs->failed || hs->cpu_demand > hs->cores ||
			    hs->mem_used > hs->mem_bytes;
		bool bad1 = hs->failed || s->dem_end[src] > hs->cores ||
			    hs->mem_used > hs->mem_bytes;
		double viol, ts;

		s->st.vm_time_s += dt;
		if (vm->dest != POL_NO_HOST && s->mig_end[v] <= c->now_s + dt) {
			const struct pol_host *hd = &c->hosts[vm->dest];
			const struct pol_mig_cost *m = &s->mig[v];
			bool badd = hd->failed || s->dem_end[vm->dest] > hd->cores;

			ts = fmax(0, s->mig_end[v] - c->now_s);
			viol = (bad0 ? ts : 0) + (badd ? dt - ts : 0) +
			       m->downtime_s;
			pol_topo_flow(&c->topo, src, vm->dest, -1, 0);
			s->st.downtime_s += m->downtime_s;
			s->st.pkt_lost += m->downtime_s * vm->pkt_rate;
			vm->host = vm->dest;
			vm->dest = POL_NO_HOST;
		} else {
			ts = s->t_last[src] - c->now_s;
			viol = (bad0 ? ts : 0) + (bad1 ? dt - ts : 0);
		}
		s->st.sla_viol_s += viol;
		if (hs->failed)
			s->st.viol_down_s += viol;
		if (hs->failed && s->down_unpred[src])
			s->st.viol_unpred_s += viol;
		s->step_viol[src] += viol;
	}
	c->now_s += dt;
	s->step++;
	/* 3: scheduled hardware faults, repairs */
	for (i = 0; i < s->n_ev; i++) {
		struct pol_event *e = &s->ev[i];

		if (e->kind == POL_FK_FAULT && !e->false_alarm && !e->struck &&
		    c->now_s >= e->fault_s && !c->hosts[e->host].failed)
			strike(s, e);
	}
	for (h = 0; h < c->n_hosts; h++)
		if (c->hosts[h].failed && c->now_s >= s->down_until[h])
			c->hosts[h].failed = false;
	/* 4: observe, state-driven failures, forecast */
	observe(s);
	dynamic_events(s);
	pol_predict_cluster(&s->pcfg, c);
	note_fault_alarms(s);
}

static unsigned int sample_at(const struct pol_sim *s, unsigned int k)
{
	unsigned int t = s->step + k;

	return t < s->n_steps ? t : s->n_steps - 1;
}

double pol_sim_future_bg(const struct pol_sim *s, unsigned int h,
			 unsigned int k)
{
	const struct pol_cluster *c = &s->c;
	double d = 0, t = c->now_s + k * c->step_s;
	unsigned int i;

	for (i = 0; i < s->n_ev; i++) {
		const struct pol_event *e = &s->ev[i];
		double peak = e->peak;

		if (e->host != h || e->kind != POL_FK_OVERLOAD)
			continue;
		if (peak < 0)	/* not started yet: its minimum size */
			peak = e->false_alarm ? 0.1 * c->hosts[h].cores :
						 0.3 * c->hosts[h].cores;
		if (t >= e->start_s && t < e->end_s)
			d += t < e->fault_s ? peak * (t - e->start_s) /
				(e->fault_s - e->start_s) : peak;
	}
	return d;
}

double pol_sim_future_util(const struct pol_sim *s, unsigned int h,
			   unsigned int k)
{
	const struct pol_cluster *c = &s->c;
	double d = pol_sim_future_bg(s, h, k);
	unsigned int v, kk = sample_at(s, k);

	for (v = 0; v < c->n_vms; v++) {
		const struct pol_vm *vm = &c->vms[v];
		unsigned int at = vm->dest != POL_NO_HOST ? vm->dest : vm->host;

		if (at == h)
			d += vm->vcpus * pol_trace_at(s->trace, s->row[v], kk);
	}
	return d / c->hosts[h].cores;
}

double pol_sim_future_cpu(const struct pol_sim *s, unsigned int vm,
			  unsigned int k)
{
	return s->c.vms[vm].vcpus * pol_trace_at(s->trace, s->row[vm],
						 sample_at(s, k));
}

double pol_sim_next_strike(const struct pol_sim *s, unsigned int h,
			   bool with_overload)
{
	const struct pol_cluster *c = &s->c;
	const struct pol_host *hh = &c->hosts[h];
	double best = INFINITY, t;
	unsigned int i, k;

	for (i = 0; i < s->n_ev; i++) {
		const struct pol_event *e = &s->ev[i];

		if (e->host != h || e->false_alarm || e->struck)
			continue;
		if (e->kind == POL_FK_FAULT) {
			t = e->fault_s;
		} else if (e->kind == POL_FK_MEMORY) {
			double rate = e->peak > 0 ? e->peak :
				(hh->mem_bytes - hh->mem_used) /
				(e->fault_s - e->start_s);

			t = fmax(c->now_s, e->start_s) +
			    fmax(hh->mem_bytes - hh->mem_used, 0) / rate;
		} else {
			t = INFINITY;
			for (k = 0; with_overload && k <= 12; k++)
				if (pol_sim_future_util(s, h, k) > 1.0) {
					t = c->now_s + k * c->step_s;
					break;
				}
		}
		if (t < best)
			best = t;
	}
	return best;
}

void pol_sim_finish(struct pol_sim *s)
{
	unsigned int i;

	s->st.predictable = s->st.evacuated = 0;
	memset(s->st.pred_k, 0, sizeof(s->st.pred_k));
	memset(s->st.evac_k, 0, sizeof(s->st.evac_k));
	for (i = 0; i < s->n_ev; i++) {
		const struct pol_event *e = &s->ev[i];

		if (e->false_alarm || !e->precursor || e->fault_s > s->c.now_s)
			continue;
		s->st.predictable++;
		s->st.pred_k[e->kind]++;
		/* averted (never struck) or struck an empty host */
		if (!e->struck || e->caught == 0) {
			s->st.evacuated++;
			s->st.evac_k[e->kind]++;
		}
	}
}

double pol_sim_avoidable_share(const struct pol_sim *s)
{
	return s->st.vm_time_s > 0 ?
	       (s->st.sla_viol_s - s->st.viol_unpred_s) / s->st.vm_time_s : 0;
}

double pol_sim_sla_share(const struct pol_sim *s)
{
	return s->st.vm_time_s > 0 ? s->st.sla_viol_s / s->st.vm_time_s : 0;
}
