/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One decision interface for every policy, called by the simulator and
 * by palmd alike: for a source host, either a migration order or "wait".
 */
#ifndef PALM_POL_POLICY_H
#define PALM_POL_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/pol_cluster.h"
#include "policy/pol_rng.h"

enum pol_policy_kind {
	POL_P_NONE,	/* never migrates */
	POL_P_RANDOM,	/* random feasible destination on alarms */
	POL_P_BESTFIT,	/* least-loaded best fit on alarms */
	POL_P_LRMMT,	/* Beloglazov & Buyya LR-MMT */
	POL_P_WATCHER,	/* OpenStack Watcher workload_balance */
	POL_P_ORACLE,	/* knows the future (upper bound) */
	POL_P_DQN,	/* learned */
	POL_P_COUNT,
};

struct pol_dqn;
struct pol_sim;

struct pol_policy {
	enum pol_policy_kind kind;
	struct pol_rng rng;
	struct pol_dqn *dqn;		/* POL_P_DQN */
	double eps;			/* DQN exploration (training) */
	const struct pol_sim *truth;	/* POL_P_ORACLE only */
	double *fut;			/* oracle: future demand cache */
	unsigned int fut_step, fut_hosts;
	double target_util;		/* overload relief target (0.8) */
	double watcher_threshold;	/* 0.8 */
	double lr_safety;		/* 1.2, Beloglazov's s */
};

void pol_policy_init(struct pol_policy *p, enum pol_policy_kind kind,
		     uint64_t seed);
void pol_policy_free(struct pol_policy *p);
const char *pol_policy_name(enum pol_policy_kind kind);
int pol_policy_by_name(const char *name);	/* kind or -EINVAL */
/* Does the policy consider moving VMs off h this step? */
bool pol_policy_source(struct pol_policy *p, const struct pol_cluster *c,
		       unsigned int h);
/* 1: migrate (order filled), 0: wait, <0: errno. */
int pol_policy_decide(struct pol_policy *p, const struct pol_cluster *c,
		      unsigned int h, struct pol_order *o);

/* Baselines (pol_baselines.c, pol_watcher.c, pol_oracle.c). */
bool pol_alarm_source(const struct pol_cluster *c, unsigned int h);
int pol_random_decide(struct pol_policy *p, const struct pol_cluster *c,
		      unsigned int h, struct pol_order *o);
int pol_bestfit_decide(struct pol_policy *p, const struct pol_cluster *c,
		       unsigned int h, struct pol_order *o);
bool pol_lrmmt_source(const struct pol_policy *p, const struct pol_cluster *c,
		      unsigned int h);
int pol_lrmmt_decide(struct pol_policy *p, const struct pol_cluster *c,
		     unsigned int h, struct pol_order *o);
bool pol_watcher_source(const struct pol_policy *p,
			const struct pol_cluster *c, unsigned int h);
int pol_watcher_decide(struct pol_policy *p, const struct pol_cluster *c,
		       unsigned int h, struct pol_order *o);
bool pol_oracle_source(struct pol_policy *p, const struct pol_cluster *c,
		       unsigned int h);
int pol_oracle_decide(struct pol_policy *p, const struct pol_cluster *c,
		      unsigned int h, struct pol_order *o);
/*
 * A memory alarm is due once the predicted exhaustion is no further than
 * an hour plus a step per VM still on the host: evacuating at once
 * spends migrations on leaks that stop on their own, and a leak is a
 * steady line whose time to exhaustion the predictor knows.
 */
#define POL_MEMORY_SLACK_S 3600.0
bool pol_memory_due(const struct pol_cluster *c, unsigned int h);
/* Must every VM leave h now (fault alarm, or memory alarm due)? */
bool pol_must_evacuate(const struct pol_cluster *c, unsigned int h);
/* Should VMs still leave h (alarm kind and relief target)? */
bool pol_needs_relief(const struct pol_cluster *c, unsigned int h,
		      double target_util);
/* Utilisation to relieve an overloaded host from (see pol_baselines.c). */
double pol_relief_util(const struct pol_host *h);

#endif
