// SPDX-License-Identifier: GPL-2.0
/*
 * libvirt's job statistics read as query-migrate: every field palm's
 * controller uses lands where QMP would put it, post-copy is recognised
 * from the source's pause reason, and statistics of the wrong type or
 * out of range are refused with the field named.  Typed parameters are
 * built with libvirt's own functions, as virDomainGetJobStats returns them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "generated/palm_config.h"
#include "tests/lib/harness.h"

#if CONFIG_PALM_LIBVIRT
#include <libvirt/libvirt.h>

#include "qmp/lv/qmp_lv.h"

struct params {
	virTypedParameterPtr p;
	int n, max;
};

static void add_ull(struct params *ps, const char *name, unsigned long long v)
{
	/* libvirt's typed-parameter helpers need it; its API calls do it */
	if (virInitialize() < 0)
		abort();
	if (virTypedParamsAddULLong(&ps->p, &ps->n, &ps->max, name, v) < 0)
		abort();
}

/* What libvirt 9.0 reports mid-migration (from a run in the libvirt pair). */
static void running_job(struct params *ps)
{
	memset(ps, 0, sizeof(*ps));
	add_ull(ps, VIR_DOMAIN_JOB_TIME_ELAPSED, 1520);
	add_ull(ps, VIR_DOMAIN_JOB_MEMORY_TOTAL, 134750208);
	add_ull(ps, VIR_DOMAIN_JOB_MEMORY_PROCESSED, 14680064);
	add_ull(ps, VIR_DOMAIN_JOB_MEMORY_REMAINING, 5242880);
	add_ull(ps, VIR_DOMAIN_JOB_MEMORY_CONSTANT, 28000);
	add_ull(ps, VIR_DOMAIN_JOB_MEMORY_NORMAL, 3500);
	add_ull(ps, VIR_DOMAIN_JOB_MEMORY_BPS, 12500000);
	add_ull(ps, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE, 1000);
	add_ull(ps, VIR_DOMAIN_JOB_MEMORY_ITERATION, 3);
	add_ull(ps, VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE, 4096);
}

TEST(a_running_job_reads_as_query_migrate)
{
	struct qmp_migrate_info i;
	struct params ps;
	char err[160];

	running_job(&ps);
	ASSERT_EQ(0, qmp_lv_job_decode(VIR_DOMAIN_JOB_UNBOUNDED, ps.p, ps.n,
				       false, &i, err, sizeof(err)));
	EXPECT_STREQ("active", i.status);
	EXPECT_TRUE(i.has_ram);
	EXPECT_EQ(1520, i.total_time_ms);
	EXPECT_EQ(134750208ull, i.ram_total);
	EXPECT_EQ(14680064ull, i.ram_transferred);
	EXPECT_EQ(5242880ull, i.ram_remaining);
	EXPECT_EQ(28000ull, i.ram_duplicate);
	EXPECT_EQ(3500ull, i.ram_normal);
	EXPECT_EQ(1000ull, i.ram_dirty_pages_rate);
	EXPECT_EQ(3ull, i.ram_dirty_sync_count);
	EXPECT_EQ(4096ull, i.ram_page_size);
	/* libvirt's bytes/s as QMP's Mbit/s */
	EXPECT_EQ(100, (int)(i.ram_mbps + 0.5));
	virTypedParamsFree(ps.p, ps.n);
}

TEST(a_source_paused_for_postcopy_is_postcopy_active)
{
	struct qmp_migrate_info i;
	struct params ps;
	char err[160];

	running_job(&ps);
	add_ull(&ps, VIR_DOMAIN_JOB_MEMORY_POSTCOPY_REQS, 17);
	ASSERT_EQ(0, qmp_lv_job_decode(VIR_DOMAIN_JOB_UNBOUNDED, ps.p, ps.n,
				       true, &i, err, sizeof(err)));
	EXPECT_STREQ("postcopy-active", i.status);
	EXPECT_EQ(17ull, i.ram_postcopy_requests);
	virTypedParamsFree(ps.p, ps.n);
}

TEST(a_job_before_its_first_pass_has_no_ram_figures)
{
	struct qmp_migrate_info i;
	struct params ps = { 0 };
	char err[160];

	add_ull(&ps, VIR_DOMAIN_JOB_TIME_ELAPSED, 12);
	ASSERT_EQ(0, qmp_lv_job_decode(VIR_DOMAIN_JOB_UNBOUNDED, ps.p, ps.n,
				       false, &i, err, sizeof(err)));
	EXPECT_STREQ("active", i.status);
	EXPECT_FALSE(i.has_ram);
	virTypedParamsFree(ps.p, ps.n);
}

TEST(every_job_type_has_its_status)
{
	static const struct { int type; const char *status; } cases[] = {
		{ VIR_DOMAIN_JOB_NONE, "none" },
		{ VIR_DOMAIN_JOB_BOUNDED, "active" },
		{ VIR_DOMAIN_JOB_COMPLETED, "completed" },
		{ VIR_DOMAIN_JOB_FAILED, "failed" },
		{ VIR_DOMAIN_JOB_CANCELLED, "cancelled" },
	};
	struct qmp_migrate_info i;
	char err[160];
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		ASSERT_EQ(0, qmp_lv_job_decode(cases[k].type, NULL, 0, false,
					       &i, err, sizeof(err)));
		EXPECT_STREQ(cases[k].status, i.status);
	}
	EXPECT_EQ(-EINVAL, qmp_lv_job_decode(99, NULL, 0, false, &i, err,
					     sizeof(err)));
	EXPECT_TRUE(strstr(err, "unknown job type 99") != NULL);
	EXPECT_EQ(-EINVAL, qmp_lv_job_decode(VIR_DOMAIN_JOB_NONE, NULL, 3,
					     false, &i, err, sizeof(err)));
}

TEST(statistics_of_the_wrong_type_or_range_are_refused)
{
	struct qmp_migrate_info i;
	struct params ps = { 0 };
	char err[160];

	if (virInitialize() < 0 ||
	    virTypedParamsAddString(&ps.p, &ps.n, &ps.max,
				    VIR_DOMAIN_JOB_MEMORY_REMAINING, "lots") < 0)
		abort();
	EXPECT_EQ(-EINVAL, qmp_lv_job_decode(VIR_DOMAIN_JOB_UNBOUNDED, ps.p,
					     ps.n, false, &i, err, sizeof(err)));
	EXPECT_TRUE(strstr(err, "memory_remaining") != NULL);
	virTypedParamsFree(ps.p, ps.n);

	memset(&ps, 0, sizeof(ps));
	add_ull(&ps, VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE, 3000);
	EXPECT_EQ(-EINVAL, qmp_lv_job_decode(VIR_DOMAIN_JOB_UNBOUNDED, ps.p,
					     ps.n, false, &i, err, sizeof(err)));
	EXPECT_TRUE(strstr(err, "page size 3000") != NULL);
	virTypedParamsFree(ps.p, ps.n);

	memset(&ps, 0, sizeof(ps));
	add_ull(&ps, VIR_DOMAIN_JOB_DOWNTIME, 1ull << 63);
	EXPECT_EQ(-EINVAL, qmp_lv_job_decode(VIR_DOMAIN_JOB_COMPLETED, ps.p,
					     ps.n, false, &i, err, sizeof(err)));
	EXPECT_TRUE(strstr(err, "downtime") != NULL);
	virTypedParamsFree(ps.p, ps.n);

	memset(&ps, 0, sizeof(ps));
	if (virTypedParamsAddInt(&ps.p, &ps.n, &ps.max,
				 VIR_DOMAIN_JOB_AUTO_CONVERGE_THROTTLE, 150) < 0)
		abort();
	EXPECT_EQ(-EINVAL, qmp_lv_job_decode(VIR_DOMAIN_JOB_UNBOUNDED, ps.p,
					     ps.n, false, &i, err, sizeof(err)));
	virTypedParamsFree(ps.p, ps.n);
}

TEST(libvirts_error_message_is_kept)
{
	struct qmp_migrate_info i;
	struct params ps = { 0 };
	char err[160], longmsg[600];

	memset(longmsg, 'x', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	if (virInitialize() < 0 ||
	    virTypedParamsAddString(&ps.p, &ps.n, &ps.max,
				    VIR_DOMAIN_JOB_ERRMSG, longmsg) < 0)
		abort();
	ASSERT_EQ(0, qmp_lv_job_decode(VIR_DOMAIN_JOB_FAILED, ps.p, ps.n,
				       false, &i, err, sizeof(err)));
	EXPECT_STREQ("failed", i.status);
	EXPECT_EQ(sizeof(i.error_desc) - 1, strlen(i.error_desc));
	virTypedParamsFree(ps.p, ps.n);
}
#else
TEST(libvirt_backend)
{
	SKIP(return, "CONFIG_PALM_LIBVIRT is off");
}
#endif
