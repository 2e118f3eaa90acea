// SPDX-License-Identifier: GPL-2.0
/* Pre-copy model: the seed measurements' trends and basic sanity. */
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

	ASSERT_EQ(0, pol_mig_estimate(&in, &a));
	in.mem_bytes = 16 * GIB;
	ASSERT_EQ(0, pol_mig_estimate(&in, &b));
	EXPECT_TRUE(b.downtime_s > a.downtime_s);
	EXPECT_TRUE(b.total_s > a.total_s);
	in = base();
	in.src_load = 0.95;
	ASSERT_EQ(0, pol_mig_estimate(&in, &b));
	EXPECT_TRUE(b.downtime_s > a.downtime_s);
	in = base();
	in.used_frac = 0.9;
	ASSERT_EQ(0, pol_mig_estimate(&in, &b));
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
		ASSERT_EQ(0, pol_mig_estimate(&in, &c[i]));
	}
	/* equal steps in use give equal steps in downtime */
	EXPECT_TRUE(fabs((c[2].downtime_s - c[1].downtime_s) -
			 (c[1].downtime_s - c[0].downtime_s)) < 1e-9);
	EXPECT_TRUE(c[2].downtime_s > c[0].downtime_s);
}

TEST(precopy_rounds_and_bytes)
{
	struct pol_mig_input in = base();
	struct pol_mig_cost c;

	ASSERT_EQ(0, pol_mig_estimate(&in, &c));
	EXPECT_TRUE(c.converged);
	EXPECT_TRUE(c.bytes >= in.used_frac * in.mem_bytes);
	EXPECT_TRUE(c.total_s > c.downtime_s);
	EXPECT_TRUE(c.total_s >= in.used_frac * in.mem_bytes / in.bw_bps);
	EXPECT_TRUE(c.src_cpu_s > 0 && c.dst_cpu_s > 0);
	/* dirtying faster than the link: forced stop-and-copy, long pause */
	in.dirty_bps = 2 * in.bw_bps;
	ASSERT_EQ(0, pol_mig_estimate(&in, &c));
	EXPECT_FALSE(c.converged);
	EXPECT_TRUE(c.downtime_s > in.budget_s);
}

TEST(rejects_nonsense_input)
{
	struct pol_mig_input in = base();
	struct pol_mig_cost c;

	in.bw_bps = 0;
	EXPECT_EQ(-EINVAL, pol_mig_estimate(&in, &c));
	in = base();
	in.used_frac = 1.5;
	EXPECT_EQ(-EINVAL, pol_mig_estimate(&in, &c));
	in = base();
	in.mem_bytes = NAN;
	EXPECT_EQ(-EINVAL, pol_mig_estimate(&in, &c));
}
