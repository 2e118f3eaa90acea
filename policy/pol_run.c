// SPDX-License-Identifier: GPL-2.0
/* The loop palmd runs, against the simulator: observe, decide, migrate. */
#include "policy/pol_run.h"

#include <string.h>
#include <time.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

void pol_run_step(struct pol_policy *p, struct pol_sim *s)
{
	struct pol_cluster *c = &s->c;
	struct pol_order o;
	unsigned int h, k;
	double t0, dt;
	int r;

	for (h = 0; h < c->n_hosts; h++) {
		if (!pol_policy_source(p, c, h))
			continue;
		for (k = 0; k < s->scn.max_mig_per_host; k++) {
			t0 = now_ns();
			r = pol_policy_decide(p, c, h, &o);
			dt = now_ns() - t0;
			s->st.decisions++;
			s->st.decide_ns += dt;
			if (dt > s->st.decide_ns_max)
				s->st.decide_ns_max = dt;
			if (r <= 0 || pol_sim_migrate(s, o.vm, o.dst, NULL))
				break;
		}
	}
}

int pol_run_day(struct pol_policy *p, const struct pol_scenario *scn,
		const struct pol_trace *tr, uint64_t seed,
		struct pol_run_result *res, char *err, size_t errlen)
{
	struct pol_sim s;
	double t0 = now_ns();
	int ret;

	memset(res, 0, sizeof(*res));
	ret = pol_sim_init(&s, scn, tr, seed, err, errlen);
	if (ret)
		return ret;
	p->truth = &s;
	p->fut_step = ~0u;
	while (!pol_sim_done(&s)) {
		pol_run_step(p, &s);
		pol_sim_advance(&s);
	}
	p->truth = NULL;
	pol_sim_finish(&s);
	res->st = s.st;
	res->sla_share = pol_sim_sla_share(&s);
	res->avoidable_share = pol_sim_avoidable_share(&s);
	if (s.st.decisions) {
		res->lat_mean_us = s.st.decide_ns / s.st.decisions / 1e3;
		res->lat_max_us = s.st.decide_ns_max / 1e3;
	}
	res->wall_s = (now_ns() - t0) / 1e9;
	pol_sim_free(&s);
	return 0;
}
