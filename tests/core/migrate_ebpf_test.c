// SPDX-License-Identifier: GPL-2.0
/*
 * palmctl migrate --controller palm measures the guest's dirtying with
 * eBPF on the KVM dirty ring before the start: the report names that
 * source, its rate matches the test guest's own pace (heartbeats: pages
 * written over guest milliseconds), and a migration planned on it
 * completes with every page intact.  Needs root, /dev/kvm, kernel BTF,
 * CONFIG_PALM_BPF and QEMU; skips saying which is missing.
 */
#include <math.h>
#include <unistd.h>

#include "tests/lib/harness.h"
#include "tests/lib/palmctl_run.h"
#include "tests/lib/qemu_proc.h"
#include "tests/bpf/ptel_kvm_util.h"

#define APPEND "ws=64M rate=20 period=10"
#define WS_BYTES (64.0 * 1048576)

FIXTURE(ebpf) {
	struct qemu_proc src;
	struct qemu_proc dst;
};

FIXTURE_SETUP(ebpf)
{
	struct qemu_opts o = { .accel = "kvm,dirty-ring-size=4096",
			       .mem = "128M", .append = APPEND };
	char why[256];

	if (!ptel_kvm_dirty_available(why, sizeof(why)))
		SKIP(return, "%s", why);
	ASSERT_EQ(0, qemu_start_pair(&self->src, &self->dst, &o, NULL, NULL));
}

FIXTURE_TEARDOWN(ebpf)
{
	qemu_stop(&self->src);
	qemu_stop(&self->dst);
}

static void log_input(const json_t *rep)
{
	const json_t *d;
	size_t i;

	TH_LOG("dirty input: %s", report_str(rep, "dirty_input", "description"));
	json_array_foreach(json_object_get(rep, "decisions"), i, d)
		TH_LOG("%7.2f %-15s %s", report_num(d, "t_s", NULL),
		       report_str(d, "action", NULL), report_str(d, "why", NULL));
}

TEST_F_TIMEOUT(ebpf, predict_uses_ebpf_rate, 60)
{
	struct guest_heartbeat a = { 0 }, b = { 0 };
	double guest_rate, rate, ws, used;
	char uri[64];
	json_t *rep;

	snprintf(uri, sizeof(uri), "tcp:127.0.0.1:%d", qemu_free_port());
	/* the guest's pace, from heartbeats around the measurement */
	ASSERT_EQ(0, ptel_last_heartbeat(self->src.serial_path, &a));
	{
		const char *args[] = {
			"migrate", "--src", self->src.qmp_uri, "--uri", uri,
			"--json", "--controller", "palm", "--predict-only",
			"--link-rate", "1gbit", NULL,
		};

		palmctl_run(args, &rep);
	}
	usleep(50000);
	ASSERT_EQ(0, ptel_last_heartbeat(self->src.serial_path, &b));
	ASSERT_NE_NULL(rep);
	log_input(rep);
	ASSERT_GT(b.t_ms, a.t_ms);
	guest_rate = (double)(b.work - a.work) / (double)(b.t_ms - a.t_ms);
	rate = report_num(rep, "dirty_input", "dirty_pages_per_ms");
	ws = report_num(rep, "dirty_input", "ws_bytes");
	TH_LOG("guest %.2f pages/ms; palm %.2f pages/ms (%.1f%% off), ws %.1f MiB",
	       guest_rate, rate, fabs(rate - guest_rate) / guest_rate * 100,
	       ws / 1048576);
	EXPECT_STREQ("ebpf-dirty-ring", report_str(rep, "dirty_input", "source"));
	EXPECT_EQ(2000, report_num(rep, "dirty_input", "window_ms"));
	EXPECT_LT(fabs(rate - guest_rate) / guest_rate, 0.10);
	/* the working set the guest rewrites, not a lower bound of it */
	EXPECT_LT(fabs(ws - WS_BYTES) / WS_BYTES, 0.20);
	/* the plan used these numbers */
	EXPECT_LT(fabs(report_num(json_object_get(rep, "prediction"), "input",
				  "dirty_bytes_per_s") - rate * 4096 * 1000),
		  1.0);
	/* nothing said of the guest's RAM: palm sampled it (64 MiB written,
	 * plus the guest's own few hundred KiB) and planned with it */
	EXPECT_STREQ("pmemsave-sample", report_str(rep, "guest_used", "source"));
	used = report_num(rep, "guest_used", "used_bytes");
	TH_LOG("guest used: %s", report_str(rep, "guest_used", "description"));
	EXPECT_GT(used, WS_BYTES * 0.95);
	EXPECT_LT(used, WS_BYTES + 4.0 * 1048576);
	EXPECT_EQ(used, report_num(json_object_get(rep, "prediction"), "input",
				   "used_bytes"));
	json_decref(rep);
}

TEST_F_TIMEOUT(ebpf, migrates_with_ebpf_input_memory_intact, 120)
{
	const json_t *verify;
	char uri[64];
	json_t *rep;
	int rc;

	snprintf(uri, sizeof(uri), "tcp:127.0.0.1:%d", qemu_free_port());
	{
		const char *args[] = {
			"migrate", "--src", self->src.qmp_uri, "--dst", self->dst.qmp_uri,
			"--uri", uri, "--json", "--controller", "palm",
			"--link-rate", "4gbit", "--max-pause", "1000",
			"--verify-guest",
			"--guest-log-src", self->src.serial_path,
			"--guest-log-dst", self->dst.serial_path,
			"--budget", "60s", NULL,
		};

		rc = palmctl_run(args, &rep);
	}
	ASSERT_NE_NULL(rep);
	log_input(rep);
	EXPECT_EQ(0, rc);
	EXPECT_STREQ("completed", report_str(rep, "status", NULL));
	EXPECT_STREQ("ebpf-dirty-ring", report_str(rep, "dirty_input", "source"));
	verify = json_object_get(json_object_get(rep, "guest"), "verify");
	EXPECT_TRUE(json_is_true(json_object_get(verify, "ok")));
	EXPECT_EQ(0, json_integer_value(json_object_get(verify, "bad")));
	EXPECT_EQ(16384, json_integer_value(json_object_get(verify, "pages")));
	json_decref(rep);
}

/* Without a dirty ring QEMU refuses dirty-ring mode: palm says so and samples. */
TEST_F_TIMEOUT(ebpf, falls_back_without_dirty_ring, 60)
{
	struct qemu_opts o = { .accel = "kvm", .mem = "128M", .append = APPEND };
	char uri[64], line[256];
	long off = 0;
	json_t *rep;

	qemu_stop(&self->src);
	qemu_stop(&self->dst);
	ASSERT_EQ(0, qemu_start(&self->src, &o));
	ASSERT_EQ(0, qemu_wait_line(&self->src, "ready", &off, line,
				    sizeof(line), 20000));
	snprintf(uri, sizeof(uri), "tcp:127.0.0.1:%d", qemu_free_port());
	{
		const char *args[] = {
			"migrate", "--src", self->src.qmp_uri, "--uri", uri,
			"--json", "--controller", "palm", "--predict-only",
			"--link-rate", "1gbit", NULL,
		};

		palmctl_run(args, &rep);
	}
	ASSERT_NE_NULL(rep);
	log_input(rep);
	EXPECT_STREQ("qmp-dirty-bitmap", report_str(rep, "dirty_input", "source"));
	EXPECT_NE_NULL(strstr(report_str(rep, "dirty_input", "ebpf_not_used"),
			      "dirty-ring"));
	EXPECT_GT(report_num(rep, "dirty_input", "dirty_pages_per_ms"), 0);
	json_decref(rep);
}
