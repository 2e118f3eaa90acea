// SPDX-License-Identifier: GPL-2.0
/*
 * A migration between two emulated hosts (network namespaces) over a
 * link shaped with tc tbf: the stream really crosses the shaped link, so
 * QEMU's measured throughput stays under the link rate and the migration
 * takes at least as long as the data needs at that rate.
 */
#include "tests/lib/harness.h"

#include <stdlib.h>
#include <unistd.h>

#include "tests/lib/palmctl_run.h"
#include "tests/lib/qemu_proc.h"
#include "tests/lib/testbed.h"

#define LINK_MBIT 100

FIXTURE(netns) {
	struct testbed tb;
	struct qemu_proc src;
	struct qemu_proc dst;
};

FIXTURE_SETUP(netns)
{
	char why[256];

	if (!qemu_available(why, sizeof(why)))
		SKIP(return, "%s", why);
	if (!testbed_available(why, sizeof(why)))
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(netns)
{
	qemu_stop(&self->src);
	qemu_stop(&self->dst);
	testbed_down(&self->tb);
}

TEST_F_TIMEOUT(netns, migrate_across_shaped_link, 120)
{
	char why[256], ns1[48], ns2[48], uri[64];
	char rate[16];
	struct qemu_opts o = {
		.append = "ws=24M rate=0 period=10",
		.mem = "96M",
	};
	double min_s;
	json_t *rep;
	int rc;

	snprintf(rate, sizeof(rate), "%dmbit", LINK_MBIT);
	ASSERT_EQ(0, testbed_up(&self->tb, "mig", 2, rate, why, sizeof(why)));
	snprintf(ns1, sizeof(ns1), "%s-h1", self->tb.name);
	snprintf(ns2, sizeof(ns2), "%s-h2", self->tb.name);

	ASSERT_EQ(0, qemu_start_pair(&self->src, &self->dst, &o, ns1, ns2));

	snprintf(uri, sizeof(uri), "tcp:%s:4444", self->tb.addr[1]);
	{
		const char *args[] = {
			"migrate", "--src", self->src.qmp_uri, "--dst", self->dst.qmp_uri,
			"--uri", uri, "--json", "--verify-guest",
			"--guest-log-src", self->src.serial_path,
			"--guest-log-dst", self->dst.serial_path,
			"--budget", "90s", NULL,
		};

		rc = palmctl_run(args, &rep);
	}
	ASSERT_NE_NULL(rep);
	EXPECT_EQ(0, rc);
	EXPECT_STREQ("completed",
		     json_string_value(json_object_get(rep, "status")));
	EXPECT_TRUE(json_is_true(json_object_get(
		json_object_get(json_object_get(rep, "guest"), "verify"), "ok")));
	/* QEMU's rate includes framing, tbf's burst lets a little through early */
	EXPECT_GE(LINK_MBIT * 1.15,
		  json_real_value(json_object_get(rep, "throughput_mbps")));
	min_s = json_integer_value(json_object_get(rep, "bytes_transferred")) /
		(LINK_MBIT * 1e6 / 8);
	TH_LOG("%.1f MB over %d mbit needs at least %.2f s",
	       json_integer_value(json_object_get(rep, "bytes_transferred")) / 1e6,
	       LINK_MBIT, min_s);
	EXPECT_LE(min_s * 0.85 * 1000,
		  json_integer_value(json_object_get(rep, "total_time_ms")));
	json_decref(rep);
}
