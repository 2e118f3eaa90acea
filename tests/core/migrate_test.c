// SPDX-License-Identifier: GPL-2.0
/*
 * palmctl migrate against real QEMU processes running palm's test guest:
 * the guest's memory must verify after the move, failures must leave the
 * source running, and the report must tell what happened.
 */
#include "tests/lib/harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "qmp/qmp_client.h"
#include "qmp/qmp_commands.h"
#include "tests/lib/palmctl_run.h"
#include "tests/lib/qemu_proc.h"

#define READY_TIMEOUT_MS 30000

FIXTURE(migrate) {
	struct qemu_proc src;
	struct qemu_proc dst;
	char uri[64];
};

FIXTURE_VARIANT(migrate) {
	const char *accel;
};

FIXTURE_VARIANT_ADD(migrate, tcg) { .accel = "tcg" };
FIXTURE_VARIANT_ADD(migrate, kvm) { .accel = "kvm" };

FIXTURE_SETUP(migrate)
{
	char why[256];

	if (!strcmp(variant->accel, "kvm") ? !kvm_available(why, sizeof(why)) :
					     !qemu_available(why, sizeof(why)))
		SKIP(return, "%s", why);
	snprintf(self->uri, sizeof(self->uri), "tcp:127.0.0.1:%d", qemu_free_port());
}

FIXTURE_TEARDOWN(migrate)
{
	qemu_stop(&self->src);
	qemu_stop(&self->dst);
}

/* Source runs the guest until it is ready; destination waits for it. */
static void start_pair(struct th_run *_run, FIXTURE_DATA(migrate) *self,
		       const char *accel, const char *append, const char *mem)
{
	struct qemu_opts o = { .accel = accel, .append = append, .mem = mem };

	ASSERT_EQ(0, qemu_start_pair(&self->src, &self->dst, &o, NULL, NULL));
}

/* The guest answers a verify request and its memory is intact. */
static bool verifies(struct th_run *_run, const struct qemu_proc *p)
{
	bool ok = false;

	EXPECT_EQ(0, qemu_guest_verify(p, &ok));
	return ok;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits until the source's migration is under way with data sent. */
static bool wait_active(const struct qemu_proc *p, double timeout_s)
{
	struct qmp_client *c = qemu_monitor(p);
	double deadline = now_s() + timeout_s;
	struct qmp_migrate_info info;
	bool active = false;

	while (c && !active && now_s() < deadline) {
		if (qmp_query_migrate(c, &info) == 0 &&
		    !strcmp(info.status, "active") && info.ram_transferred > 0)
			active = true;
		else
			usleep(20000);
	}
	if (c)
		qmp_close(c);
	return active;
}

/*
 * 48 MiB of distinct pages at 4 MiB/s: a dozen seconds to act in.  The
 * palmctl it starts is under way with data sent; out is its stdout.
 */
static pid_t start_slow_migration(struct th_run *_run, FIXTURE_DATA(migrate) *self,
				  const char *accel, char *out, size_t len)
{
	const char *args[] = {
		"migrate", "--src", self->src.qmp_uri, "--dst", self->dst.qmp_uri,
		"--uri", self->uri, "--json", "--bandwidth", "4MiB",
		"--budget", "60s", NULL,
	};
	pid_t pid;

	start_pair(_run, self, accel, "ws=48M rate=1 period=10", "128M");
	pid = palmctl_start(args, out, len);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(wait_active(&self->src, 20));
	return pid;
}

TEST_F_TIMEOUT(migrate, idle_guest_moves_and_verifies, 120)
{
	const json_t *guest, *verify;
	json_t *rep;
	int rc;

	start_pair(_run, self, variant->accel, "ws=16M rate=0 period=10", "128M");
	{
		const char *args[] = {
			"migrate", "--src", self->src.qmp_uri, "--dst", self->dst.qmp_uri,
			"--uri", self->uri, "--json", "--verify-guest",
			"--guest-log-src", self->src.serial_path,
			"--guest-log-dst", self->dst.serial_path,
			"--budget", "60s", NULL,
		};

		rc = palmctl_run(args, &rep);
	}
	ASSERT_NE_NULL(rep);
	EXPECT_EQ(0, rc);
	EXPECT_STREQ("completed", report_str(rep, "status", NULL));
	EXPECT_STREQ("postmigrate", report_str(rep, "source", "status"));
	EXPECT_STREQ("running", report_str(rep, "destination", "status"));
	/* QEMU's downtime is real and no longer than the whole migration */
	EXPECT_LT(0, report_num(rep, "downtime_ms", NULL));
	EXPECT_LE(report_num(rep, "downtime_ms", NULL), report_num(rep, "total_time_ms", NULL));
	EXPECT_LT(0, report_num(rep, "bytes_transferred", NULL));
	EXPECT_LE(1, report_num(rep, "passes", NULL));
	guest = json_object_get(rep, "guest");
	verify = json_object_get(guest, "verify");
	EXPECT_TRUE(json_is_true(json_object_get(verify, "ok")));
	EXPECT_LT(0, report_num(verify, "pages", NULL));
	/* the guest saw a pause, and at least as long as QEMU's downtime
	 * less our sampling slack */
	EXPECT_TRUE(json_is_real(json_object_get(guest, "pause_ms")));
	EXPECT_LE(report_num(rep, "downtime_ms", NULL) - 20,
		  json_real_value(json_object_get(guest, "pause_ms")));
	json_decref(rep);
	/* the destination's guest keeps beating */
	ASSERT_TRUE(qemu_guest_running(&self->dst));
	ASSERT_FALSE(qemu_guest_running(&self->src));
}

TEST_F_TIMEOUT(migrate, hot_guest_over_slow_link_is_reported_not_converging, 120)
{
	double t0;
	json_t *rep;
	int rc;

	/* rate=max dirties far faster than 8 MiB/s drains */
	start_pair(_run, self, variant->accel, "ws=48M rate=max period=10", "128M");
	{
		const char *args[] = {
			"migrate", "--src", self->src.qmp_uri, "--dst", self->dst.qmp_uri,
			"--uri", self->uri, "--json", "--bandwidth", "8MiB",
			"--budget", "8s", NULL,
		};

		t0 = now_s();
		rc = palmctl_run(args, &rep);
	}
	ASSERT_NE_NULL(rep);
	EXPECT_EQ(1, rc);
	EXPECT_STREQ("budget-exceeded", report_str(rep, "status", NULL));
	EXPECT_TRUE(json_is_true(json_object_get(json_object_get(rep, "source"), "running")));
	EXPECT_LT(0, report_num(rep, "ram_remaining_bytes", NULL));
	/* honest within its budget: 8 s plus the cancel */
	EXPECT_GT(8 + 10, now_s() - t0);
	json_decref(rep);
	ASSERT_TRUE(qemu_guest_running(&self->src));
	ASSERT_TRUE(verifies(_run, &self->src));
}

TEST_F_TIMEOUT(migrate, destination_killed_midway_leaves_source_running, 120)
{
	char out[64];
	json_t *rep;
	pid_t pid;
	int rc;

	pid = start_slow_migration(_run, self, variant->accel, out, sizeof(out));
	qemu_kill(&self->dst);
	rc = palmctl_finish(pid, out, &rep);
	ASSERT_NE_NULL(rep);
	EXPECT_EQ(1, rc);
	EXPECT_STREQ("destination-lost", report_str(rep, "status", NULL));
	EXPECT_TRUE(json_is_true(json_object_get(json_object_get(rep, "source"), "running")));
	json_decref(rep);
	ASSERT_TRUE(qemu_guest_running(&self->src));
	ASSERT_TRUE(verifies(_run, &self->src));
}

TEST_F_TIMEOUT(migrate, cancel_midway_leaves_source_running, 120)
{
	struct qmp_client *c;
	char out[64];
	json_t *rep;
	pid_t pid;
	int rc;

	pid = start_slow_migration(_run, self, variant->accel, out, sizeof(out));
	c = qemu_monitor(&self->src);
	ASSERT_NE_NULL(c);
	EXPECT_EQ(0, qmp_migrate_cancel(c));
	qmp_close(c);
	rc = palmctl_finish(pid, out, &rep);
	ASSERT_NE_NULL(rep);
	EXPECT_EQ(1, rc);
	EXPECT_STREQ("cancelled", report_str(rep, "status", NULL));
	EXPECT_TRUE(json_is_true(json_object_get(json_object_get(rep, "source"), "running")));
	json_decref(rep);
	ASSERT_TRUE(qemu_guest_running(&self->src));
	ASSERT_TRUE(verifies(_run, &self->src));
}

TEST_F_TIMEOUT(migrate, missing_destination_starts_nothing, 60)
{
	struct qmp_client *c;
	struct qmp_migrate_info info;
	json_t *rep;
	int rc;

	start_pair(_run, self, variant->accel, "ws=4M rate=0 period=10", "64M");
	qemu_stop(&self->dst);
	{
		const char *args[] = {
			"migrate", "--src", self->src.qmp_uri, "--dst", self->dst.qmp_uri,
			"--uri", self->uri, "--json", NULL,
		};

		rc = palmctl_run(args, &rep);
	}
	EXPECT_EQ(1, rc);
	ASSERT_NE_NULL(rep);
	EXPECT_STREQ("not-started", report_str(rep, "status", NULL));
	EXPECT_STREQ("unreachable", report_str(rep, "destination", "status"));
	json_decref(rep);
	ASSERT_TRUE(qemu_guest_running(&self->src));
	c = qemu_monitor(&self->src);
	ASSERT_NE_NULL(c);
	ASSERT_EQ(0, qmp_query_migrate(c, &info));
	/* no migration was ever started on the source */
	EXPECT_TRUE(!strcmp(info.status, "none") || !info.status[0]);
	qmp_close(c);
}

TEST_F_TIMEOUT(migrate, destination_that_cannot_load_leaves_source_running, 90)
{
	struct qemu_opts o = { .accel = variant->accel,
			       .append = "ws=8M rate=1 period=10", .mem = "64M" };
	const char *status;
	json_t *rep;
	char line[256];
	long off = 0;
	int rc;

	ASSERT_EQ(0, qemu_start(&self->src, &o));
	ASSERT_EQ(0, qemu_wait_line(&self->src, "ready", &off, line, sizeof(line),
				    READY_TIMEOUT_MS * th_timeout_scale()));
	/* a destination with less RAM refuses the stream part-way */
	o.mem = "48M";
	o.incoming = "defer";
	ASSERT_EQ(0, qemu_start(&self->dst, &o));
	{
		const char *args[] = {
			"migrate", "--src", self->src.qmp_uri, "--dst", self->dst.qmp_uri,
			"--uri", self->uri, "--json", "--budget", "30s", NULL,
		};

		rc = palmctl_run(args, &rep);
	}
	ASSERT_NE_NULL(rep);
	EXPECT_EQ(1, rc);
	status = report_str(rep, "status", NULL);
	EXPECT_TRUE(!strcmp(status, "destination-lost") || !strcmp(status, "failed"));
	EXPECT_TRUE(json_is_true(json_object_get(json_object_get(rep, "source"), "running")));
	json_decref(rep);
	ASSERT_TRUE(qemu_guest_running(&self->src));
	ASSERT_TRUE(verifies(_run, &self->src));
}
