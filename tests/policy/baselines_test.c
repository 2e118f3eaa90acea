// SPDX-License-Identifier: GPL-2.0
/* Baselines: orders are always feasible, and they do better than nothing. */
#include "tests/lib/harness.h"
#include "tests/policy/pol_test_util.h"

#include "policy/pol_run.h"
#include "policy/pol_sim.h"

static void run_checked(struct th_run *_run, enum pol_policy_kind kind,
			const struct pol_scenario *scn,
			const struct pol_trace *tr, struct pol_sim_stats *out)
{
	struct pol_policy p;
	struct pol_order o;
	struct pol_sim s;
	char err[256];
	unsigned int h, k;
	int r;

	ASSERT_EQ(0, pol_sim_init(&s, scn, tr, 77, err, sizeof(err)));
	pol_policy_init(&p, kind, 1);
	p.truth = &s;
	p.fut_step = ~0u;
	while (!pol_sim_done(&s)) {
		for (h = 0; h < s.c.n_hosts; h++) {
			if (!pol_policy_source(&p, &s.c, h))
				continue;
			for (k = 0; k < s.scn.max_mig_per_host; k++) {
				r = pol_policy_decide(&p, &s.c, h, &o);
				ASSERT_GE(r, 0);
				if (!r)
					break;
				ASSERT_TRUE(pol_cluster_feasible(&s.c, o.vm, o.dst));
				ASSERT_EQ(0, pol_sim_migrate(&s, o.vm, o.dst, NULL));
			}
		}
		pol_sim_advance(&s);
	}
	pol_sim_finish(&s);
	*out = s.st;
	pol_policy_free(&p);
	pol_sim_free(&s);
}

TEST(baselines_feasible_and_better_than_nothing)
{
	struct pol_sim_stats st[POL_P_DQN];
	struct pol_scenario scn;
	struct pol_trace tr;
	int k;

	tiny_scenario(&scn);
	scn.n_hosts = 16;
	scn.n_racks = 4;
	scn.n_vms = 100;
	ASSERT_EQ(0, pol_trace_synthetic(&tr, 300, 288, 6));
	for (k = 0; k < POL_P_DQN; k++) {
		run_checked(_run, (enum pol_policy_kind)k, &scn, &tr, &st[k]);
		TH_LOG("%-8s sla %.0f VM-s caught %u migrations %u", pol_policy_name(k),
		       st[k].sla_viol_s, st[k].caught, st[k].migrations);
	}
	EXPECT_EQ(0u, st[POL_P_NONE].migrations);
	EXPECT_GT(st[POL_P_BESTFIT].migrations, 0u);
	EXPECT_TRUE(st[POL_P_BESTFIT].sla_viol_s < st[POL_P_NONE].sla_viol_s);
	EXPECT_TRUE(st[POL_P_ORACLE].sla_viol_s < st[POL_P_NONE].sla_viol_s);
	EXPECT_TRUE(st[POL_P_ORACLE].caught <= st[POL_P_BESTFIT].caught);
	pol_trace_free(&tr);
}

TEST(names_round_trip)
{
	int k;

	for (k = 0; k < POL_P_COUNT; k++)
		EXPECT_EQ(k, pol_policy_by_name(pol_policy_name(k)));
	EXPECT_LT(pol_policy_by_name("nope"), 0);
}
