// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's migration cost: the controller's model (qmp_model.c),
 * plus the seed measurements' trends in memory size and host load.
 */
#include "tests/lib/harness.h"

#include <errno.h>
#include <math.h>

#include "policy/pol_migration_model.h"

#define GIB (1024.0 * 1024 * 1024)

static struct pol_mig_input base(void)
{
	struct pol_mig_input in = {
		.mem_bytes = 4 * GIB, .used_frac = 0.5, .dirty_bps = 50e6,
		.bw_bps = 1.25e9, .latency_s = 1e-4, .budget_s = 0.3,
		.src_load = 0.3, .dst_load = 0.3,
	};
	return in;
}

TEST(downtime_grows_with_memory_load_and_use)
{
	struct pol_mig_input in = base();
	struct pol_mig_cost a, b;

	ASSERT_EQ(0, pol_mig_estimate(NULL, &in, &a));
	in.mem_bytes = 16 * GIB;
	ASSERT_EQ(0, pol_mig_estimate(NULL, &in, &b));
	EXPECT_TRUE(b.downtime_s > a.downtime_s);
	EXPECT_TRUE(b.total_s > a.total_s);
	in = base();
	in.src_load = 0.95;
	ASSERT_EQ(0, pol_mig_estimate(NULL, &in, &b));
	EXPECT_TRUE(b.downtime_s > a.downtime_s);
	EXPECT_TRUE(b.total_s > a.total_s);	/* a busy source sends slower */
	in = base();
	in.used_frac = 0.9;
	ASSERT_EQ(0, pol_mig_estimate(NULL, &in, &b));
	EXPECT_TRUE(b.downtime_s > a.downtime_s);
}

TEST(downtime_linear_in_used_memory_when_idle)
{
	struct pol_mig_input in = base();
	struct pol_mig_cost c[3];
	int i;

	in.dirty_bps = 0;
	for (i = 0; i < 3; i++) {
		in.used_frac = 0.2 + 0.3 * i;
		ASSERT_EQ(0, pol_mig_estimate(NULL, &in, &c[i]));
	}
	/* equal steps in use give equal steps in downtime */
	EXPECT_TRUE(fabs((c[2].downtime_s - c[1].downtime_s) -
			 (c[1].downtime_s - c[0].downtime_s)) < 1e-9);
	EXPECT_TRUE(c[2].downtime_s > c[0].downtime_s);
}

TEST(precopy_when_it_fits_postcopy_when_not)
{
	struct pol_mig_input in = base();
	struct pol_mig_cost c;

	ASSERT_EQ(0, pol_mig_estimate(NULL, &in, &c));
	EXPECT_TRUE(c.converged);
	EXPECT_FALSE(c.postcopy);
	EXPECT_GE(c.rounds, 1u);
	EXPECT_TRUE(c.bytes >= in.used_frac * in.mem_bytes);
	EXPECT_TRUE(c.total_s > c.downtime_s);
	EXPECT_TRUE(c.total_s >= in.used_frac * in.mem_bytes / in.bw_bps);
	EXPECT_TRUE(c.src_cpu_s > 0 && c.dst_cpu_s > 0);
	/* dirtying faster than the link: the controller goes post-copy */
	in.dirty_bps = 2 * in.bw_bps;
	ASSERT_EQ(0, pol_mig_estimate(NULL, &in, &c));
	EXPECT_FALSE(c.converged);
	EXPECT_TRUE(c.postcopy);
	EXPECT_TRUE(c.total_s > 0 && isfinite(c.total_s));
}

/* On an idle host, exactly what the controller's plan predicts. */
TEST(matches_the_controllers_plan)
{
	static const double dirty[] = { 0, 2e6, 20e6, 5e9 };
	struct qmp_model_target t = {
		.max_pause_ms = 300, .max_total_s = 1e6, .max_slowdown = 0,
		.allow_postcopy = true,
	};
	struct pol_mig_input in = base();
	struct qmp_model_input q = { 0 };
	struct qmp_model_plan plan;
	struct qmp_model_coef coef;
	struct pol_mig_cost c;
	unsigned int i, n_post = 0;

	qmp_model_coef_defaults(&coef);
	coef.downtime_fixed_ms = 20;
	coef.postcopy_pause_ms = 150;
	in.src_load = in.dst_load = 0;
	in.latency_s = 0;
	in.mem_bytes = 128 << 20;	/* the calibration guests' size */
	in.used_frac = 1.0;
	in.bw_bps = 12.5e6;		/* 100 Mbit/s, as in the grid */
	for (i = 0; i < sizeof(dirty) / sizeof(dirty[0]); i++) {
		in.dirty_bps = dirty[i];
		ASSERT_EQ(0, pol_mig_estimate(&coef, &in, &c));
		q.ram_bytes = in.mem_bytes;
		q.used_bytes = in.mem_bytes;
		q.ws_bytes = in.mem_bytes / 2;	/* WSS_SHARE */
		q.dirty_bps = in.dirty_bps;
		q.link_bps = in.bw_bps;
		q.max_passes = 30;
		ASSERT_EQ(0, qmp_model_plan(&coef, &q, &t, &plan));
		TH_LOG("%.0f MB/s: %s, %.3f s, pause %.0f ms; plan %s, %.3f s, pause %.0f ms",
		       dirty[i] / 1e6, c.postcopy ? "post-copy" : "pre-copy",
		       c.total_s, c.downtime_s * 1000,
		       qmp_model_mode_name(plan.mode), plan.pred.total_s,
		       plan.pred.pause_ms);
		EXPECT_EQ(plan.mode == QMP_MODEL_POSTCOPY, c.postcopy);
		/* at 128 MiB the per-GiB term adds 2.5 ms */
		EXPECT_TRUE(fabs(c.downtime_s * 1000 - plan.pred.pause_ms -
				 0.02 * 1000 / 8) < 1e-6);
		EXPECT_TRUE(fabs(c.total_s - plan.pred.total_s - 0.02 / 8) <
			    1e-6);
		EXPECT_TRUE(fabs(c.bytes - plan.pred.bytes) < 1);
		n_post += c.postcopy;
	}
	EXPECT_GE(n_post, 1u);
	EXPECT_LT(n_post, (unsigned int)(sizeof(dirty) / sizeof(dirty[0])));
}

TEST(rejects_nonsense_input)
{
	struct pol_mig_input in = base();
	struct pol_mig_cost c;

	in.bw_bps = 0;
	EXPECT_EQ(-EINVAL, pol_mig_estimate(NULL, &in, &c));
	in = base();
	in.used_frac = 1.5;
	EXPECT_EQ(-EINVAL, pol_mig_estimate(NULL, &in, &c));
	in = base();
	in.mem_bytes = NAN;
	EXPECT_EQ(-EINVAL, pol_mig_estimate(NULL, &in, &c));
	in = base();
	in.budget_s = 0;
	EXPECT_EQ(-EINVAL, pol_mig_estimate(NULL, &in, &c));
}
