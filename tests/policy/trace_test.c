// SPDX-License-Identifier: GPL-2.0
/* Trace loader: real days when present, and rejection of bad input. */
#include "tests/lib/harness.h"
#include "tests/policy/pol_test_util.h"

#include <errno.h>
#include <string.h>

static int parse(const char *text, struct pol_trace *t, char *err)
{
	return pol_trace_parse(t, text, strlen(text), err, 256);
}

TEST(parses_small_csv)
{
	struct pol_trace t;
	char err[256];

	ASSERT_EQ(0, parse("# comment\nvm,t0,t1,t2\na,0,50,100\nb,10,20,30\n",
			   &t, err));
	ASSERT_EQ(2u, t.n_vms);
	ASSERT_EQ(3u, t.n_samples);
	ASSERT_TRUE(pol_trace_at(&t, 0, 1) > 0.49f && pol_trace_at(&t, 0, 1) < 0.51f);
	ASSERT_TRUE(pol_trace_at(&t, 1, 2) > 0.29f && pol_trace_at(&t, 1, 2) < 0.31f);
	pol_trace_free(&t);
}

TEST(rejects_bad_csv)
{
	static const char *const bad[] = {
		"",
		"# only a comment\n",
		"name,t0\nx,1\n",			/* bad header */
		"vm,t0,t1\na,1\n",			/* too few samples */
		"vm,t0,t1\na,1,2,3\n",			/* too many */
		"vm,t0,t1\na,1,abc\n",			/* not a number */
		"vm,t0,t1\na,1,101\n",			/* above 100% */
		"vm,t0,t1\na,-1,5\n",			/* negative */
		"vm,t0,t1\na,1,\n",			/* empty field */
		"vm,t0,t1\n,1,2\n",			/* no name */
		"vm,t0,t1\na,nan,2\n",
		"vm,t0\n",				/* no rows */
	};
	struct pol_trace t;
	char err[256];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		EXPECT_EQ(-EINVAL, parse(bad[i], &t, err));
		EXPECT_TRUE(err[0] != '\0');
		EXPECT_NULL(t.util);
	}
}

TEST(rejects_path_escape_and_missing_file)
{
	struct pol_trace t;
	char err[256];

	EXPECT_EQ(-EINVAL, pol_trace_load_day(&t, "/tmp", "../etc/passwd", err,
					      sizeof(err)));
	EXPECT_EQ(-ENOENT, pol_trace_load_day(&t, "/nonexistent-palm", "x", err,
					      sizeof(err)));
	EXPECT_NE_NULL(strstr(err, "nonexistent-palm"));
}

TEST(loads_every_real_day)
{
	static const char *const days[] = { "20110303", "20110306", "20110309",
					    "20110322", "20110325", "20110409" };
	char path[4096], err[256];
	struct pol_trace t;
	unsigned int i;

	if (!trace_day_path(days[0], path, sizeof(path)))
		SKIP(return, "PlanetLab traces not found under %s (set PALM_TRACES)",
		     pol_trace_dir(NULL));
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(0, pol_trace_load_day(&t, NULL, days[i], err, sizeof(err)));
		EXPECT_EQ(288u, t.n_samples);
		EXPECT_GT(t.n_vms, 500u);
		pol_trace_free(&t);
	}
}

TEST(synthetic_trace_is_bounded)
{
	struct pol_trace t;
	unsigned int v, k;

	ASSERT_EQ(0, pol_trace_synthetic(&t, 20, 50, 3));
	for (v = 0; v < 20; v++)
		for (k = 0; k < 50; k++) {
			ASSERT_TRUE(pol_trace_at(&t, v, k) >= 0);
			ASSERT_TRUE(pol_trace_at(&t, v, k) <= 1);
		}
	pol_trace_free(&t);
	EXPECT_EQ(-EINVAL, pol_trace_synthetic(&t, 0, 50, 3));
}
