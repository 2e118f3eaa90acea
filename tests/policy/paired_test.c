// SPDX-License-Identifier: GPL-2.0
/* Paired bootstrap comparison of two policies' per-run figures. */
#include "tests/lib/harness.h"

#include <errno.h>
#include <math.h>

#include "policy/pol_paired.h"
#include "policy/pol_rng.h"

#define RUNS 30
#define RESAMPLES 2000

/* Every run halved: the change is -50 % whatever runs are drawn. */
TEST(a_uniform_change_has_a_zero_width_interval)
{
	double base[RUNS], other[RUNS];
	struct pol_paired p;
	unsigned int i;

	for (i = 0; i < RUNS; i++) {
		base[i] = 1 + i;
		other[i] = 0.5 * base[i];
	}
	ASSERT_EQ(0, pol_paired_compare(base, other, RUNS, RESAMPLES, 1, &p));
	EXPECT_EQ(RUNS, p.better);
	EXPECT_EQ(0, p.worse);
	EXPECT_TRUE(fabs(p.rel + 0.5) < 1e-12);
	EXPECT_TRUE(fabs(p.rel_lo + 0.5) < 1e-12 && fabs(p.rel_hi + 0.5) < 1e-12);
	EXPECT_TRUE(fabs(p.mean_base - 15.5) < 1e-12);
	EXPECT_TRUE(p.diff_lo < p.diff && p.diff < p.diff_hi);

	ASSERT_EQ(0, pol_paired_compare(base, base, RUNS, RESAMPLES, 1, &p));
	EXPECT_EQ(RUNS, p.ties);
	EXPECT_TRUE(p.rel == 0 && p.rel_lo == 0 && p.rel_hi == 0);
}

/* A real effect is told from noise; no effect is not claimed. */
TEST(the_interval_separates_an_effect_from_noise)
{
	double base[RUNS], shifted[RUNS], same[RUNS];
	struct pol_paired p, q;
	struct pol_rng rng;
	unsigned int i;

	pol_rng_seed(&rng, 42);
	for (i = 0; i < RUNS; i++) {
		base[i] = 10 + 3 * pol_rng_normal(&rng);
		shifted[i] = base[i] - 2 + 0.5 * pol_rng_normal(&rng);
		same[i] = base[i] + 0.5 * pol_rng_normal(&rng);
	}
	ASSERT_EQ(0, pol_paired_compare(base, shifted, RUNS, RESAMPLES, 7, &p));
	TH_LOG("shift -2: diff %.3f [%.3f, %.3f]", p.diff, p.diff_lo, p.diff_hi);
	EXPECT_TRUE(p.diff_lo < -2 && -2 < p.diff_hi);
	EXPECT_TRUE(p.diff_hi < 0);
	EXPECT_TRUE(p.rel_hi < 0);
	ASSERT_EQ(0, pol_paired_compare(base, same, RUNS, RESAMPLES, 7, &q));
	TH_LOG("no shift: diff %.3f [%.3f, %.3f]", q.diff, q.diff_lo, q.diff_hi);
	EXPECT_TRUE(q.diff_lo < 0 && 0 < q.diff_hi);
	/* the same seed draws the same resamples */
	ASSERT_EQ(0, pol_paired_compare(base, shifted, RUNS, RESAMPLES, 7, &q));
	EXPECT_TRUE(q.diff_lo == p.diff_lo && q.rel_hi == p.rel_hi);
}

/*
 * One bad run in thirty carries the baseline: resamples that miss it
 * have nothing to compare against, so no relative interval is claimed.
 */
TEST(a_baseline_carried_by_one_run_has_no_relative_interval)
{
	double base[RUNS] = { 0 }, other[RUNS] = { 0 };
	struct pol_paired p;

	base[3] = 1e-4;
	ASSERT_EQ(0, pol_paired_compare(base, other, RUNS, RESAMPLES, 3, &p));
	EXPECT_TRUE(p.rel == -1);
	EXPECT_TRUE(isnan(p.rel_lo) && isnan(p.rel_hi));
	EXPECT_EQ(1, p.better);
	EXPECT_EQ(RUNS - 1, p.ties);
	EXPECT_TRUE(p.diff_lo < 0 && p.diff_hi == 0);

	base[3] = 0;
	ASSERT_EQ(0, pol_paired_compare(base, other, RUNS, RESAMPLES, 3, &p));
	EXPECT_TRUE(isnan(p.rel) && p.diff == 0);
}

TEST(bad_arguments_are_refused)
{
	double base[2] = { 1, 2 }, other[2] = { 1, NAN };
	struct pol_paired p;

	EXPECT_EQ(-EINVAL, pol_paired_compare(base, base, 0, RESAMPLES, 1, &p));
	EXPECT_EQ(-EINVAL, pol_paired_compare(base, base, 2, 50, 1, &p));
	EXPECT_EQ(-EINVAL, pol_paired_compare(base, other, 2, RESAMPLES, 1, &p));
	other[1] = INFINITY;
	EXPECT_EQ(-EINVAL, pol_paired_compare(base, other, 2, RESAMPLES, 1, &p));
}
