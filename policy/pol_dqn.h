/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Double-DQN agent.  One shared network scores every (VM, destination)
 * candidate of a source host from per-candidate features, plus a "wait"
 * candidate; the highest score wins.  The same weights therefore work
 * for any cluster size.
 *
 * Masking: moves only where pol_cluster_feasible() allows; and "wait"
 * is masked while the host stays above capacity even after the VMs
 * already leaving it (a host in violation must act if it can).
 */
#ifndef PALM_POL_DQN_H
#define PALM_POL_DQN_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/pol_cluster.h"
#include "policy/pol_nn.h"
#include "policy/pol_rng.h"

#define POL_DQN_F 18		/* features per candidate */
#define POL_DQN_H1 24
#define POL_DQN_H2 12
#define POL_DQN_TOPK 16		/* destinations screened per decision */
#define POL_DQN_MAX_VMS 64	/* VMs of one host considered */
#define POL_DQN_MAX_CAND (2 + POL_DQN_MAX_VMS * POL_DQN_TOPK)

extern const char *const pol_dqn_feature_names[POL_DQN_F];

struct pol_dqn {
	struct pol_nn online, target;
	/* candidates of the last pol_dqn_candidates() call; [0] is wait */
	unsigned int n_cand;
	float *feat;			/* n_cand x POL_DQN_F */
	struct pol_order *cand;
	float *q;
	unsigned int *dsts;		/* screened destinations */
	float base[POL_DQN_F];		/* host part of the features */
	bool wait_ok;			/* false: wait is masked out */
};

int pol_dqn_init(struct pol_dqn *q, uint64_t seed);
void pol_dqn_free(struct pol_dqn *q);
/* FNV-1a of the feature names: a policy file must match it. */
uint32_t pol_dqn_layout_hash(void);
int pol_dqn_candidates(struct pol_dqn *q, const struct pol_cluster *c,
		       unsigned int h);
/* Index of move o among the candidates, appended if not screened in. */
int pol_dqn_find_or_add(struct pol_dqn *q, const struct pol_cluster *c,
			unsigned int h, const struct pol_order *o);
/* Score the candidates with the online network; returns the best index. */
unsigned int pol_dqn_score(struct pol_dqn *q);
/* eps-greedy pick (eps 0: greedy); *idx = chosen candidate. */
int pol_dqn_decide(struct pol_dqn *q, const struct pol_cluster *c,
		   unsigned int h, double eps, struct pol_rng *r,
		   struct pol_order *o, unsigned int *idx);

#endif
