// SPDX-License-Identifier: GPL-2.0
/* CLI argument validation: bad input is an error exit, never a crash. */
#include "tests/lib/harness.h"

#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "policy/pol_cli.h"
#include "policy/pol_file.h"
#include "tests/policy/pol_test_util.h"

static int run(int argc, const char **argv)
{
	return pol_cli_main(argc, (char **)argv);
}

TEST(rejects_bad_arguments)
{
	const char *a1[] = { "policy" };
	const char *a2[] = { "policy", "frobnicate" };
	const char *a3[] = { "policy", "eval", "--seeds" };
	const char *a4[] = { "policy", "eval", "--seeds", "-3", "--days", "x" };
	const char *a5[] = { "policy", "eval", "--days", "x", "--policies", "magic" };
	const char *a6[] = { "policy", "train", "--episodes", "10" };
	const char *a7[] = { "policy", "eval", "--bogus", "1" };
	const char *a8[] = { "policy", "eval", "--days", "nonexistent-day",
			     "--traces", "/nonexistent-palm" };
	const char *a9[] = { "policy", "explain", "--days", "a,b", "--policy", "p" };
	const char *a10[] = { "policy", "train", "--train-days", "x", "--out", "o",
			      "--val-seeds", "0" };
	const char *a11[] = { "policy", "train", "--train-days", "x", "--out", "o",
			      "--val-seeds", "101" };
	/* known and in range: it gets as far as the (missing) traces */
	const char *a12[] = { "policy", "train", "--train-days", "nonexistent-day",
			      "--out", "/nonexistent-palm/o", "--val-seeds", "3",
			      "--traces", "/nonexistent-palm" };

	EXPECT_EQ(2, run(1, a1));
	EXPECT_EQ(2, run(2, a2));
	EXPECT_EQ(2, run(3, a3));
	EXPECT_EQ(2, run(6, a4));
	EXPECT_EQ(2, run(6, a5));
	EXPECT_EQ(2, run(4, a6));
	EXPECT_EQ(2, run(4, a7));
	EXPECT_EQ(1, run(6, a8));
	EXPECT_EQ(2, run(6, a9));
	EXPECT_EQ(2, run(8, a10));
	EXPECT_EQ(2, run(8, a11));
	EXPECT_EQ(1, run(10, a12));
}

/* A missing or malformed migration model is an error, not the defaults. */
TEST(bad_migration_model_is_rejected)
{
	char path[] = "/tmp/palm-cli-coef-XXXXXX";
	const char *missing[] = { "policy", "latency", "--model",
				  "/nonexistent-palm.coef", "--hosts", "8",
				  "--reps", "3" };
	const char *bad[] = { "policy", "latency", "--model", path, "--hosts",
			      "8", "--reps", "3" };
	const char *good[] = { "policy", "latency", "--model", path, "--hosts",
			       "8", "--reps", "3" };
	static const char junk[] = "link_efficiency = 7\n";
	static const char fine[] = "link_efficiency = 0.9\n";
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	ASSERT_EQ((int)sizeof(junk) - 1, (int)write(fd, junk, sizeof(junk) - 1));
	close(fd);
	EXPECT_EQ(1, run(8, missing));
	EXPECT_EQ(1, run(8, bad));
	fd = open(path, O_WRONLY | O_TRUNC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ((int)sizeof(fine) - 1, (int)write(fd, fine, sizeof(fine) - 1));
	close(fd);
	EXPECT_EQ(0, run(8, good));
	unlink(path);
}

TEST(help_succeeds)
{
	const char *a[] = { "policy", "help" };

	EXPECT_EQ(0, run(2, a));
}

TEST(corrupt_policy_file_is_rejected)
{
	char path[] = "/tmp/palm-cli-XXXXXX";
	const char *a[] = { "policy", "latency", "--policy", path, "--hosts", "8",
			    "--reps", "3" };
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(9, (int)write(fd, "PALMPOLxx", 9));
	close(fd);
	EXPECT_EQ(1, run(8, a));
	unlink(path);
}

/* An untrained network saved as a valid policy file at a new temp path. */
static int save_untrained_policy(char *path_template)
{
	char err[256];
	struct pol_dqn q;
	int fd = mkstemp(path_template), ret;

	if (fd < 0)
		return -1;
	close(fd);
	if (pol_dqn_init(&q, 1))
		return -1;
	ret = pol_file_save(&q, 0, path_template, err, sizeof(err));
	pol_dqn_free(&q);
	return ret;
}

/* explain and eval on a real day; a corrupt policy falls back to bestfit. */
TEST(explain_and_eval_on_a_real_day)
{
	char good[] = "/tmp/palm-cli-good-XXXXXX", bad[] = "/tmp/palm-cli-bad-XXXXXX";
	char path[4096];
	const char *ex[] = { "policy", "explain", "--policy", good, "--days",
			     "20110303", "--seed", "2" };
	const char *ev[] = { "policy", "eval", "--policy", bad, "--days",
			     "20110303", "--seeds", "1", "--policies", "bestfit,dqn" };
	int fd;

	if (!trace_day_path("20110303", path, sizeof(path)))
		SKIP(return, "PlanetLab traces not found under %s (set PALM_TRACES)",
		     pol_trace_dir(NULL));
	ASSERT_EQ(0, save_untrained_policy(good));
	fd = mkstemp(bad);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(4, (int)write(fd, "junk", 4));
	close(fd);
	EXPECT_EQ(0, run(8, ex));
	EXPECT_EQ(0, run(10, ev));
	unlink(good);
	unlink(bad);
}

/*
 * eval pairs the learned policy's runs with each heuristic's on the same
 * days and seeds: the JSON carries one comparison per metric, over the
 * runs both made, against the heuristic's own mean.  It names the policy
 * file as given (a long name with a quote in it: once cut at 40 bytes).
 */
TEST(eval_pairs_the_learned_policy_with_each_heuristic)
{
	char pol[] = "/tmp/palm-cli-a-policy-file-with-a-long-\"quoted\"-name-XXXXXX";
	char out[] = "/tmp/palm-cli-json-XXXXXX";
	char path[4096];
	const char *ev[] = { "policy", "eval", "--policy", pol, "--days",
			     "20110303", "--seeds", "2", "--policies",
			     "bestfit,oracle,dqn", "--json", out };
	json_t *root, *paired, *e;
	json_error_t jerr;
	size_t i;
	int fd;

	if (!trace_day_path("20110303", path, sizeof(path)))
		SKIP(return, "PlanetLab traces not found under %s (set PALM_TRACES)",
		     pol_trace_dir(NULL));
	ASSERT_EQ(0, save_untrained_policy(pol));
	fd = mkstemp(out);
	ASSERT_GE(fd, 0);
	close(fd);
	EXPECT_EQ(0, run(12, ev));
	root = json_load_file(out, 0, &jerr);
	ASSERT_TRUE(root != NULL);
	EXPECT_STREQ(pol, json_string_value(json_object_get(json_object_get(
		json_object_get(root, "policies"), "dqn#1"), "file")));
	paired = json_object_get(root, "paired");
	ASSERT_TRUE(json_is_array(paired));
	/* three metrics against bestfit; none against the oracle */
	EXPECT_EQ(3, (int)json_array_size(paired));
	json_array_foreach(paired, i, e) {
		const char *metric = json_string_value(json_object_get(e, "metric"));
		json_t *base = json_object_get(json_object_get(
			json_object_get(root, "policies"), "bestfit"), metric);
		double against = json_number_value(json_object_get(e, "mean_against"));

		EXPECT_STREQ("bestfit", json_string_value(json_object_get(e, "against")));
		EXPECT_EQ(2, (int)json_integer_value(json_object_get(e, "runs")));
		EXPECT_EQ(2, (int)(json_integer_value(json_object_get(e, "better")) +
				   json_integer_value(json_object_get(e, "worse")) +
				   json_integer_value(json_object_get(e, "ties"))));
		ASSERT_TRUE(base != NULL);
		EXPECT_TRUE(fabs(json_number_value(json_object_get(base, "mean")) -
				 against) <= 1e-6 * fabs(against) + 1e-12);
	}
	json_decref(root);
	unlink(pol);
	unlink(out);
}
