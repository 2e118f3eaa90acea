/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Discrete-time cluster simulator (one step per trace sample).  Hidden
 * truth (failure schedule, leak, background load, error rates) lives
 * here; policies only see s->c, the same view palmd builds.
 *
 * Per step:  pol_sim_observe() done -> policy decides -> pol_sim_migrate()
 * for each order -> pol_sim_advance() (accounting, completions,
 * failures, next observation).
 */
#ifndef PALM_POL_SIM_H
#define PALM_POL_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/pol_cluster.h"
#include "policy/pol_migration_model.h"
#include "policy/pol_predict.h"
#include "policy/pol_rng.h"
#include "policy/pol_scenario.h"
#include "policy/pol_trace.h"

struct pol_event {
	int kind;		/* enum pol_fail_kind */
	bool false_alarm;	/* precursor without a failure */
	bool precursor;		/* announced (predictable) */
	unsigned int host;
	double start_s;		/* precursor / ramp / leak begins */
	double fault_s;		/* hardware fault time (faults only) */
	double end_s;		/* overload hold ends; storm ends */
	double peak;		/* overload: extra cores; leak: bytes/s */
	bool struck;
	double struck_s;
	unsigned int caught;
};

struct pol_sim_stats {
	double vm_time_s;	/* VM-seconds simulated */
	double sla_viol_s;	/* unmet demand, on a failed host, or paused */
	double viol_down_s;	/* ... of which on a failed host */
	double viol_unpred_s;	/* ... on a host killed by an unannounced fault */
	unsigned int caught;	/* VMs on a host when a failure struck */
	/*
	 * VMs caught by announced hardware faults, by why: no fault alarm
	 * before the strike; more than max_mig_per_host per decision step
	 * since the alarm first rose (within the predictor's window) could
	 * have moved (too late for any policy, given the VMs the host held
	 * then); the rest, which the policy could have moved and did not.
	 */
	unsigned int fault_caught_unalarmed;
	unsigned int fault_caught_rate_bound;
	unsigned int fault_caught_after_alarm;
	double downtime_s, pkt_lost;
	unsigned int migrations, aborted, rejected;
	/* migrations by what was (in truth) going on at the source */
	unsigned int mig_true[POL_FK_COUNT];	/* a failure on its way */
	unsigned int mig_false[POL_FK_COUNT];	/* only a precursor that stops */
	unsigned int mig_quiet;	/* nothing */
	double bytes, mig_cpu_s;
	unsigned int predictable, evacuated;	/* see pol_sim_finish */
	unsigned int struck[POL_FK_COUNT];
	unsigned int pred_k[POL_FK_COUNT], evac_k[POL_FK_COUNT];
	unsigned int decisions;
	double decide_ns, decide_ns_max;
};

struct pol_sim {
	struct pol_scenario scn;
	struct pol_cluster c;
	const struct pol_trace *trace;
	struct pol_predict_cfg pcfg;
	struct pol_rng rng;
	unsigned int step, n_steps;
	/* per VM */
	unsigned int *row;		/* trace row */
	double *dirty_max;		/* bytes/s at 100% CPU */
	double *util_avg;		/* smoothed utilisation -> memory use */
	double *mig_end;		/* completion time if migrating */
	struct pol_mig_cost *mig;
	/* per host */
	double *bg;			/* background (non-VM) cores */
	double *leak;			/* leaked bytes */
	double *ce_base;		/* baseline corrected errors / step */
	double *down_until;
	double *power_idle, *power_max;	/* W, for power-aware placement */
	double *step_viol;		/* last step: VM-seconds violated */
	unsigned int *step_caught;	/* last step: VMs on a host that died */
	double *dem_end, *t_last;	/* scratch for accounting */
	double *bg_hist, *leak_hist;	/* per host x POL_HIST */
	bool *down_unpred;		/* down by an unannounced fault */
	double *fault_alarm_s;		/* when the fault alarm rose, or -1 */
	unsigned int *fault_alarm_vms;	/* VMs staying on the host then */
	struct pol_event *ev;
	unsigned int n_ev;
	struct pol_sim_stats st;
};

int pol_sim_init(struct pol_sim *s, const struct pol_scenario *scn,
		 const struct pol_trace *tr, uint64_t seed, char *err,
		 size_t errlen);
void pol_sim_free(struct pol_sim *s);
bool pol_sim_done(const struct pol_sim *s);
/* Start migrating vm to dst; -EINVAL if the mask forbids it. */
int pol_sim_migrate(struct pol_sim *s, unsigned int vm, unsigned int dst,
		    struct pol_mig_cost *cost);
void pol_sim_advance(struct pol_sim *s);
/* Ground truth for the oracle: host utilisation k steps ahead. */
double pol_sim_future_util(const struct pol_sim *s, unsigned int h,
			   unsigned int k);
/* Ground truth: next failure striking h (INFINITY if none). */
double pol_sim_next_strike(const struct pol_sim *s, unsigned int h,
			   bool with_overload);
/* Ground truth: background (non-VM) cores on h k steps ahead. */
double pol_sim_future_bg(const struct pol_sim *s, unsigned int h,
			 unsigned int k);
/* Ground truth: vm's CPU demand (cores) k steps ahead. */
double pol_sim_future_cpu(const struct pol_sim *s, unsigned int vm,
			  unsigned int k);
/* Final event tallies (predictable events evacuated or averted). */
void pol_sim_finish(struct pol_sim *s);
/* Share of VM-time in SLA violation so far. */
double pol_sim_sla_share(const struct pol_sim *s);
/* The same without unannounced faults, which no predictor can see. */
double pol_sim_avoidable_share(const struct pol_sim *s);

#endif
