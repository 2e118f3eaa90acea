// SPDX-License-Identifier: GPL-2.0
/* CLI argument validation: bad input is an error exit, never a crash. */
#include "tests/lib/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "policy/pol_cli.h"

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

	EXPECT_EQ(2, run(1, a1));
	EXPECT_EQ(2, run(2, a2));
	EXPECT_EQ(2, run(3, a3));
	EXPECT_EQ(2, run(6, a4));
	EXPECT_EQ(2, run(6, a5));
	EXPECT_EQ(2, run(4, a6));
	EXPECT_EQ(2, run(4, a7));
	EXPECT_EQ(1, run(6, a8));
	EXPECT_EQ(2, run(6, a9));
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
