// SPDX-License-Identifier: GPL-2.0
/* Policy dispatch: names, source selection and decisions by kind. */
#include "policy/pol_policy.h"
#include "policy/pol_dqn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[POL_P_COUNT] = {
	[POL_P_NONE] = "none",
	[POL_P_RANDOM] = "random",
	[POL_P_BESTFIT] = "bestfit",
	[POL_P_LRMMT] = "lrmmt",
	[POL_P_WATCHER] = "watcher",
	[POL_P_ORACLE] = "oracle",
	[POL_P_DQN] = "dqn",
};

void pol_policy_init(struct pol_policy *p, enum pol_policy_kind kind,
		     uint64_t seed)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	pol_rng_seed(&p->rng, seed ^ 0x5eed);
	p->target_util = 0.8;
	p->watcher_threshold = 0.8;
	p->lr_safety = 1.2;
}

void pol_policy_free(struct pol_policy *p)
{
	free(p->fut);
	p->fut = NULL;
	p->fut_hosts = 0;
}

const char *pol_policy_name(enum pol_policy_kind kind)
{
	return kind < POL_P_COUNT ? names[kind] : "?";
}

int pol_policy_by_name(const char *name)
{
	int k;

	for (k = 0; k < POL_P_COUNT; k++)
		if (!strcmp(name, names[k]))
			return k;
	return -EINVAL;
}

bool pol_policy_source(struct pol_policy *p, const struct pol_cluster *c,
		       unsigned int h)
{
	if (h >= c->n_hosts)
		return false;
	switch (p->kind) {
	case POL_P_RANDOM:
	case POL_P_BESTFIT:
	case POL_P_DQN:
		return pol_alarm_source(c, h);
	case POL_P_LRMMT:
		return pol_lrmmt_source(p, c, h);
	case POL_P_WATCHER:
		return pol_watcher_source(p, c, h);
	case POL_P_ORACLE:
		return pol_oracle_source(p, c, h);
	default:
		return false;
	}
}

int pol_policy_decide(struct pol_policy *p, const struct pol_cluster *c,
		      unsigned int h, struct pol_order *o)
{
	if (h >= c->n_hosts)
		return -EINVAL;
	switch (p->kind) {
	case POL_P_RANDOM:
		return pol_random_decide(p, c, h, o);
	case POL_P_BESTFIT:
		return pol_bestfit_decide(p, c, h, o);
	case POL_P_LRMMT:
		return pol_lrmmt_decide(p, c, h, o);
	case POL_P_WATCHER:
		return pol_watcher_decide(p, c, h, o);
	case POL_P_ORACLE:
		return pol_oracle_decide(p, c, h, o);
	case POL_P_DQN:
		if (!p->dqn)
			return -EINVAL;
		return pol_dqn_decide(p->dqn, c, h, p->eps, &p->rng, o, NULL);
	default:
		return 0;
	}
}
