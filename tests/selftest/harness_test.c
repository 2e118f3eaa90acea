// SPDX-License-Identifier: GPL-2.0
/* The harness tested by itself: results come from forked children. */
#include "tests/lib/harness.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

TEST(assert_passes)
{
	ASSERT_EQ(2, 1 + 1);
	ASSERT_STREQ("palm", "palm");
}

TEST(skip_reports_reason)
{
	SKIP(return, "skipping on purpose");
	ASSERT_TRUE(0);
}

FIXTURE(counter) {
	int value;
};

FIXTURE_VARIANT(counter) {
	int start;
};

FIXTURE_VARIANT_ADD(counter, zero) { .start = 0 };
FIXTURE_VARIANT_ADD(counter, ten) { .start = 10 };

FIXTURE_SETUP(counter)
{
	self->value = variant->start;
}

FIXTURE_TEARDOWN(counter)
{
}

TEST_F(counter, increments)
{
	self->value++;
	ASSERT_EQ(variant->start + 1, self->value);
}

/*
 * The cases below must fail; they run only when the test that checks
 * them re-executes this binary with PALM_HARNESS_SELFTEST=1.
 */
static bool in_selftest(void)
{
	return getenv("PALM_HARNESS_SELFTEST") != NULL;
}

TEST(must_fail_assert)
{
	if (!in_selftest())
		SKIP(return, "only run by failures_are_reported");
	ASSERT_EQ(1, 2);
}

TEST(must_fail_expect_then_continue)
{
	if (!in_selftest())
		SKIP(return, "only run by failures_are_reported");
	EXPECT_STREQ("a", "b");
	TH_LOG("still running after a failed EXPECT");
}

TEST_TIMEOUT(must_time_out, 1)
{
	if (!in_selftest())
		SKIP(return, "only run by failures_are_reported");
	pause();
}

/* Its cleanup must run although its teardown cannot; marker: a path */
TEST_TIMEOUT(must_time_out_and_clean_up, 1)
{
	const char *marker = getenv("PALM_HARNESS_MARKER");

	if (!in_selftest() || !marker)
		SKIP(return, "only run by killed_tests_get_their_cleanup");
	ASSERT_EQ(0, th_cleanup_on_kill("touch %s.killed", marker));
	pause();
}

/* A test that ends by itself has its teardown: no cleanup runs. */
TEST(must_pass_without_cleanup)
{
	const char *marker = getenv("PALM_HARNESS_MARKER");

	if (!in_selftest() || !marker)
		SKIP(return, "only run by killed_tests_get_their_cleanup");
	ASSERT_EQ(0, th_cleanup_on_kill("touch %s.passed", marker));
}

TEST(must_crash)
{
	if (!in_selftest())
		SKIP(return, "only run by failures_are_reported");
	raise(SIGSEGV);
}

/* Run one case of this binary in a child and return its TAP output. */
static int run_self(const char *name, char *out, size_t len)
{
	char cmd[512];
	size_t n;
	FILE *p;

	/* its failures are expected: keep them out of make check's report */
	snprintf(cmd, sizeof(cmd),
		 "PALM_HARNESS_SELFTEST=1 PALM_TEST_FAILLOG= /proc/%d/exe -t %s 2>&1",
		 getpid(), name);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	return pclose(p);
}

/* Runs case of this binary with PALM_HARNESS_MARKER=marker; its status. */
static int run_marked(const char *name, const char *marker)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "PALM_HARNESS_SELFTEST=1 PALM_HARNESS_MARKER=%s PALM_TEST_FAILLOG= "
		 "/proc/%d/exe -t %s >/dev/null 2>&1", marker, getpid(), name);
	return system(cmd);
}

TEST(killed_tests_get_their_cleanup)
{
	char dir[] = "/tmp/palm-th-XXXXXX", marker[64], path[80];
	int status;

	ASSERT_NE_NULL(mkdtemp(dir));
	snprintf(marker, sizeof(marker), "%s/m", dir);
	status = run_marked("must_time_out_and_clean_up", marker);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	snprintf(path, sizeof(path), "%s.killed", marker);
	EXPECT_EQ(0, access(path, F_OK));
	unlink(path);

	status = run_marked("must_pass_without_cleanup", marker);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	snprintf(path, sizeof(path), "%s.passed", marker);
	EXPECT_NE(0, access(path, F_OK));
	unlink(path);
	rmdir(dir);
}

TEST(failures_are_reported)
{
	static const char *const cases[] = {
		"must_fail_assert",
		"must_fail_expect_then_continue",
		"must_time_out",
		"must_crash",
	};
	char out[4096];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status = run_self(cases[i], out, sizeof(out));

		TH_LOG("%s exit status %d", cases[i], status);
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
		ASSERT_NE_NULL(strstr(out, "not ok 1 "));
		ASSERT_NE_NULL(strstr(out, "# Totals: pass:0 fail:1 skip:0"));
	}
	run_self("must_fail_expect_then_continue", out, sizeof(out));
	ASSERT_NE_NULL(strstr(out, "still running after a failed EXPECT"));
	run_self("must_time_out", out, sizeof(out));
	ASSERT_NE_NULL(strstr(out, "timed out"));
}

TEST(list_and_select)
{
	char out[4096];
	int status = run_self("counter.ten.increments", out, sizeof(out));

	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_NE_NULL(strstr(out, "1..1"));
	ASSERT_NE_NULL(strstr(out, "ok 1 counter.ten.increments"));
	ASSERT_NE(0, WEXITSTATUS(run_self("no_such_test", out, sizeof(out))));
}

TEST(comparisons_by_value)
{
	uint64_t big = UINT64_MAX;
	int minus_one = -1;
	uint8_t small = 200;

	/* -1 is below UINT64_MAX, though the bits of the two are the same */
	ASSERT_LT(minus_one, big);
	ASSERT_NE(minus_one, big);
	ASSERT_EQ(200, small);
	ASSERT_LT(0.5, 1);
	ASSERT_GT(2.5, 2);
	ASSERT_EQ(-3, (int8_t)-3);
}
