/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Double-DQN training in the simulator: experience replay, a target
 * network synced every target_every updates, epsilon-greedy exploration.
 *
 * A transition is one decision for one source host; its next state is
 * the host's next decision (same or a later step).  Between decisions
 * the host's outcome keeps accruing to it (discounted per step), for at
 * most CHAIN_MAX steps, so a strike after the alarm faded still counts.
 * Reward (in VM-steps, scaled by reward_scale):
 *   - per migration: mig_cost + downtime / QoS pause budget x 0.05
 *   - per step, to the host's latest decision: - VM-steps in SLA
 *     violation on the host - caught_w x VMs on it when it died
 *   - per migration whose destination ends the step overloaded: -1.
 * The discount applies per simulation step (decisions within one step
 * are not discounted), so a fault's penalty reaches the earlier waits.
 *
 * Demonstrations (DQfD-style): the first demo_episodes are driven by the
 * bestfit heuristic; its transitions stay in a separate buffer, the
 * network is pre-trained on them (TD + large-margin loss), and later
 * batches keep mixing them in with the margin loss.  Exploration picks
 * among wait and the top-scored moves, not among all candidates.
 *
 * Checkpoints: every val_every episodes the greedy policy is run on the
 * training days with fixed validation seeds (never the evaluation days);
 * the best checkpoint is what pol_dqn_train() leaves in q.
 */
#ifndef PALM_POL_TRAIN_H
#define PALM_POL_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "policy/pol_dqn.h"
#include "policy/pol_run.h"
#include "policy/pol_scenario.h"
#include "policy/pol_trace.h"

struct pol_train_cfg {
	unsigned int episodes;
	uint64_t seed;
	double gamma, lr, eps_start, eps_end;
	unsigned int batch, replay, warmup, target_every;
	double mig_cost, caught_w, reward_scale;
	unsigned int demo_episodes, pretrain_updates, demo_share_pct;
	double margin, margin_w;
	unsigned int val_every, val_seeds;	/* checkpoint selection */
};

struct pol_train_log {
	unsigned int episode;
	double reward;		/* sum of rewards, unscaled */
	double sla_share;
	unsigned int migrations, transitions;
	double eps;
	double val_reward;	/* greedy, training days, fixed seeds; NAN if not run */
	double val_sla;
	int best;		/* this checkpoint is the best so far */
	int stage;		/* 0 untrained, 1 after demos, 2 RL episode */
};

void pol_train_defaults(struct pol_train_cfg *cfg);
typedef void pol_train_cb(const struct pol_train_log *log, void *arg);
int pol_dqn_train(struct pol_dqn *q, const struct pol_scenario *scn,
		  const struct pol_trace *const *days, unsigned int n_days,
		  const struct pol_train_cfg *cfg, pol_train_cb *cb, void *arg,
		  char *err, size_t errlen);
/*
 * Evaluation reward of a finished run, in the training's units:
 * -(VM-steps of avoidable SLA violation) - 0.05 per migration.  Time on
 * hosts killed by unannounced faults is left out: no policy but the
 * oracle can act on it, and it would drown the learning signal.
 */
double pol_run_reward(const struct pol_run_result *r,
		      const struct pol_scenario *scn);

#endif
