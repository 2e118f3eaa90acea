/* SPDX-License-Identifier: GPL-2.0 */
/* Drive one policy through simulated days and collect the metrics. */
#ifndef PALM_POL_RUN_H
#define PALM_POL_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "policy/pol_policy.h"
#include "policy/pol_sim.h"

struct pol_run_result {
	struct pol_sim_stats st;
	double sla_share;	/* SLA-violation share of VM-time */
	double avoidable_share;	/* same, minus unannounced faults */
	double lat_mean_us, lat_max_us;
	double wall_s;
};

/* All decisions of the current step (sources, up to max per host). */
void pol_run_step(struct pol_policy *p, struct pol_sim *s);
int pol_run_day(struct pol_policy *p, const struct pol_scenario *scn,
		const struct pol_trace *tr, uint64_t seed,
		struct pol_run_result *res, char *err, size_t errlen);

#endif
