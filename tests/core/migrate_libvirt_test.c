// SPDX-License-Identifier: GPL-2.0
/*
 * palmctl migrate --libvirt between two real libvirtds (one per network
 * namespace, tests/testbed/libvirt-pair.sh) over a tc-shaped link: palm
 * plans and controls through libvirt's API alone, the guest moves from
 * one libvirtd to the other, and the guest itself measures the pause and
 * checks its memory.  Skips, with the reason, where libvirtd cannot run.
 */
#include "tests/lib/harness.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/lib/palmctl_run.h"
#include "tests/lib/qemu_proc.h"

#define PAIR "tests/testbed/libvirt-pair.sh"
#define MAX_PAUSE_MS 300

FIXTURE(lv) {
	char dir[64];
	bool up;
	char src_uri[256], dst_uri[256];
	char src_log[128], dst_log[128], dst_xml[128];
	char stream_uri[96];	/* QEMU's migration stream: tcp://<dst veth> */
	char name[32];
	char version[24];	/* the pair's libvirtd, e.g. 11.3.0 */
	char src_ns[64];	/* the source libvirtd's network namespace */
};

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* One KEY='value' line of the pair's env file. */
static int env_get(const char *path, const char *key, char *out, size_t len)
{
	char line[512];
	size_t klen = strlen(key);
	FILE *f = fopen(path, "r");
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *v, *end;

		if (strncmp(line, key, klen) || line[klen] != '=')
			continue;
		v = line + klen + 1;
		if (*v == '\'')
			v++;
		end = v + strcspn(v, "'\n");
		*end = '\0';
		snprintf(out, len, "%s", v);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

static void write_domain(const char *tmpl, const char *out, const char *name,
			 const char *type, const char *kernel,
			 const char *cmdline, const char *serial)
{
	sh("sed -e 's|@NAME@|%s|' -e 's|@TYPE@|%s|' -e 's|@KERNEL@|%s|' "
	   "-e 's|@CMDLINE@|%s|' -e 's|@SERIAL@|%s|' %s >%s",
	   name, type, kernel, cmdline, serial, tmpl, out);
}

FIXTURE_SETUP(lv)
{
	char why[256];

	if (sh("sh " PAIR " check 2>/dev/null") != 0) {
		FILE *p = popen("sh " PAIR " check 2>&1", "r");

		why[0] = '\0';
		if (p) {
			if (!fgets(why, sizeof(why), p))
				why[0] = '\0';
			pclose(p);
		}
		why[strcspn(why, "\n")] = '\0';
		SKIP(return, "libvirt pair: %s", why[0] ? why : "cannot run here");
	}
	if (!qemu_available(why, sizeof(why)))
		SKIP(return, "%s", why);
	/*
	 * The pair's daemons run under setsid, out of the test's process
	 * group: a test killed at its timeout has the runner take its pair
	 * down (below); one killed some other way (prove itself) leaves it
	 * to the next setup, which takes down every pair whose test is gone.
	 */
	sh("for d in /tmp/palm-lv.*; do [ -f \"$d/owner\" ] || continue; "
	   "kill -0 \"$(cat \"$d/owner\")\" 2>/dev/null && continue; "
	   "sh " PAIR " down \"$d\" >/dev/null 2>&1; rm -rf \"$d\"; done");
	snprintf(self->dir, sizeof(self->dir), "/tmp/palm-lv.XXXXXX");
	ASSERT_NE_NULL(mkdtemp(self->dir));
	chmod(self->dir, 0755);
	ASSERT_EQ(0, sh("echo %d >%s/owner", getpid(), self->dir));
	ASSERT_EQ(0, th_cleanup_on_kill("sh " PAIR " down %s >/dev/null 2>&1; rm -rf %s",
					self->dir, self->dir));
	snprintf(self->name, sizeof(self->name), "palm-guest-%d", getpid());
	snprintf(self->src_log, sizeof(self->src_log), "%s/src.log", self->dir);
	snprintf(self->dst_log, sizeof(self->dst_log), "%s/dst.log", self->dir);
	snprintf(self->dst_xml, sizeof(self->dst_xml), "%s/dst.xml", self->dir);
}

FIXTURE_TEARDOWN(lv)
{
	if (self->up)
		sh("sh " PAIR " down %s >/dev/null 2>&1", self->dir);
	if (self->dir[0])
		sh("rm -rf %s", self->dir);
}

/* The pair, and the guest started on the source with this command line. */
static void bring_up(struct th_run *_run, FIXTURE_DATA(lv) *self,
		     const char *rate, const char *cmdline)
{
	char env[128], src_xml[128], rel[256], kernel[PATH_MAX], why[128];
	char dst_addr[64];
	const char *type = kvm_available(why, sizeof(why)) ? "kvm" : "qemu";

	ASSERT_EQ(0, sh("sh " PAIR " up %s %s >%s/up.log 2>&1", self->dir, rate,
			self->dir));
	self->up = true;
	snprintf(env, sizeof(env), "%s/env", self->dir);
	ASSERT_EQ(0, env_get(env, "LV_SRC_URI", self->src_uri, sizeof(self->src_uri)));
	ASSERT_EQ(0, env_get(env, "LV_DST_URI", self->dst_uri, sizeof(self->dst_uri)));
	ASSERT_EQ(0, env_get(env, "LV_DST_ADDR", dst_addr, sizeof(dst_addr)));
	ASSERT_EQ(0, env_get(env, "LV_VERSION", self->version, sizeof(self->version)));
	ASSERT_EQ(0, env_get(env, "LV_SRC_NS", self->src_ns, sizeof(self->src_ns)));
	TH_LOG("libvirt %s", self->version);
	snprintf(self->stream_uri, sizeof(self->stream_uri), "tcp://%s",
		 dst_addr);

	/* libvirt's QEMU runs elsewhere: an absolute path */
	palm_build_path(rel, sizeof(rel), "tests/guest/palm-guest.elf");
	ASSERT_NE_NULL(realpath(rel, kernel));
	snprintf(src_xml, sizeof(src_xml), "%s/src.xml", self->dir);
	write_domain("tests/testbed/libvirt-guest.xml.in", src_xml, self->name,
		     type, kernel, cmdline, self->src_log);
	/* KVM's dirty ring, as in palm's benchmark: per-page dirty tracking */
	if (!strcmp(type, "kvm"))
		ASSERT_EQ(0, sh("sed -i \"s|</os>|</os><features><kvm><dirty-ring state='on' size='4096'/></kvm></features>|\" %s",
				src_xml));
	ASSERT_EQ(0, sh("virsh -q -c '%s' create %s >/dev/null", self->src_uri,
			src_xml));
	/*
	 * The destination's XML is the source's (same UUID) with its own
	 * log.  palm tails that log from the start, and libvirt starts the
	 * destination's QEMU only when the migration does: the file exists
	 * before, and that QEMU appends to it.
	 */
	ASSERT_EQ(0, sh("virsh -q -c '%s' dumpxml --migratable %s | "
			"sed \"s|<source path='%s'/>|<source path='%s' append='on'/>|\" >%s && : >%s",
			self->src_uri, self->name, self->src_log, self->dst_log,
			self->dst_xml, self->dst_log));
	ASSERT_EQ(0, sh("grep -q \"%s' append='on'\" %s", self->dst_log,
			self->dst_xml));
	/*
	 * A second of heartbeats: the guest has filled its working set and
	 * dirties at its steady rate (the fill at boot would read as a burst).
	 */
	ASSERT_EQ(0, sh("for i in $(seq 200); do grep -q '^hb seq=100 ' %s 2>/dev/null && exit 0; sleep 0.1; done; exit 1",
			self->src_log));
}

static void domstate(const char *uri, const char *name, char *out, size_t len)
{
	char cmd[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "virsh -q -c '%s' domstate %s 2>/dev/null",
		 uri, name);
	out[0] = '\0';
	p = popen(cmd, "r");
	if (!p)
		return;
	if (!fgets(out, (int)len, p))
		out[0] = '\0';
	pclose(p);
	out[strcspn(out, "\n")] = '\0';
}

/*
 * The guest's own verdict on its memory after the move, asked with the
 * 'v' key through libvirt.  Not verify_every: on this nested host a
 * verify every 200 ms tripled the dirty rate QEMU measured (3 to 9 MiB/s).
 */
static int dst_verifies(const char *uri, const char *name, const char *log)
{
	/* right after the move libvirt may still hold the domain's job */
	if (sh("for i in 1 2 3 4 5; do virsh -q -c '%s' send-key %s KEY_V >/dev/null && exit 0; sleep 0.5; done; exit 1",
	       uri, name))
		return -1;
	return sh("for i in $(seq 100); do "
		  "grep -q '^verify .*result=' %s 2>/dev/null && break; sleep 0.1; done; "
		  "grep -q '^verify .*result=ok' %s && ! grep -q 'result=FAIL' %s",
		  log, log, log);
}

/* palmctl migrate --libvirt --controller palm between the pair, and extra */
static int migrate_palm(FIXTURE_DATA(lv) *self, const char *const extra[],
			json_t **rep)
{
	const char *args[40] = {
		"migrate", "--libvirt", "--src", self->src_uri,
		"--dst", self->dst_uri, "--domain", self->name,
		"--dest-xml", self->dst_xml, "--uri", self->stream_uri,
		"--controller", "palm",
		"--guest-log-src", self->src_log,
		"--guest-log-dst", self->dst_log, "--json",
	};
	size_t n = 0, k;

	while (args[n])
		n++;
	for (k = 0; extra[k] && n + 1 < sizeof(args) / sizeof(args[0]); k++)
		args[n++] = extra[k];
	args[n] = NULL;
	return palmctl_run(args, rep);
}

static void log_outcome(const json_t *rep)
{
	TH_LOG("%s: %.0f ms, pause %.0f ms, %.1f MB", report_str(rep, "reason", NULL),
	       report_num(rep, "total_time_ms", NULL),
	       report_num(rep, "guest", "pause_ms"),
	       report_num(rep, "bytes_transferred", NULL) / 1e6);
}

TEST_F_TIMEOUT(lv, palm_moves_a_libvirt_guest_within_its_pause_target, 180)
{
	char state[64];
	json_t *rep = NULL;
	int rc;

	bring_up(_run, self, "100mbit", "ws=16M rate=1 period=10");
	{
		const char *const extra[] = {
			"--link-rate", "100mbit", "--max-pause", "300",
			"--budget", "60s", NULL,
		};

		rc = migrate_palm(self, extra, &rep);
	}
	ASSERT_NE_NULL(rep);
	log_outcome(rep);
	EXPECT_EQ(0, rc);
	EXPECT_STREQ("completed", report_str(rep, "status", NULL));
	EXPECT_STREQ("libvirt", report_str(rep, "backend", NULL));
	/* a prediction came from what palm measured through libvirt */
	EXPECT_STREQ("libvirt-dirty-rate", report_str(rep, "dirty_input", "source"));
	EXPECT_STREQ("libvirt-memory-peek-sample",
		     report_str(rep, "guest_used", "source"));
	EXPECT_GT(report_num(rep, "bytes_transferred", NULL), 16e6);
	EXPECT_GT(report_num(rep, "guest", "pause_ms"), 0);
	EXPECT_GE(MAX_PAUSE_MS, report_num(rep, "guest", "pause_ms"));
	/* the guest is now libvirt B's, running; A has it no more */
	domstate(self->dst_uri, self->name, state, sizeof(state));
	EXPECT_STREQ("running", state);
	domstate(self->src_uri, self->name, state, sizeof(state));
	EXPECT_STREQ("", state);
	EXPECT_EQ(0, dst_verifies(self->dst_uri, self->name, self->dst_log));
	json_decref(rep);
}

/*
 * A pause target of 120 ms through libvirt, with no fitted coefficients:
 * an idle guest's switch-over pauses it ~10-40 ms here, as over QMP.
 * (palm once assumed libvirt added a 150 ms stop and refused this target;
 * that stop was its own log reader, blocked in a libvirt call.)
 */
TEST_F_TIMEOUT(lv, a_short_pause_target_is_met_through_libvirt, 180)
{
	json_t *rep = NULL;
	int rc;

	bring_up(_run, self, "1gbit", "ws=16M rate=0 period=10");
	{
		const char *const extra[] = {
			"--link-rate", "1gbit", "--max-pause", "120",
			"--budget", "60s", NULL,
		};

		rc = migrate_palm(self, extra, &rep);
	}
	ASSERT_NE_NULL(rep);
	log_outcome(rep);
	EXPECT_EQ(0, rc);
	EXPECT_STREQ("completed", report_str(rep, "status", NULL));
	EXPECT_GT(report_num(rep, "guest", "pause_ms"), 0);
	EXPECT_GE(120, report_num(rep, "guest", "pause_ms"));
	json_decref(rep);
}

/*
 * As over QMP, but paced: libvirt's dirty-rate windows (1 and 2 s) see
 * a working set rewritten within a second as a rate of ws/s, so the
 * guest rewrites a tenth of each page at 20 MB/s, 1.6x the link.
 */
/* Bytes the source's veth has sent (IP and TCP included); -1 if unread. */
static double wire_tx_bytes(const char *ns)
{
	char cmd[160];
	double v = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s cat /sys/class/net/eth0/statistics/tx_bytes", ns);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fscanf(p, "%lf", &v) != 1)
		v = -1;
	pclose(p);
	return v;
}

/*
 * palm moves the guest (cmdline) over 100 Mbit, compression allowed;
 * *wire gets the bytes that left the source's veth meanwhile.
 */
static json_t *migrate_compressing(struct th_run *_run, FIXTURE_DATA(lv) *self,
				   const char *cmdline, double *wire)
{
	const char *const extra[] = {
		"--link-rate", "100mbit", "--max-pause", "300",
		"--budget", "60s", "--allow-compress", NULL,
	};
	json_t *rep = NULL;
	double tx0;
	int rc;

	bring_up(_run, self, "100mbit", cmdline);
	tx0 = wire_tx_bytes(self->src_ns);
	rc = migrate_palm(self, extra, &rep);
	*wire = wire_tx_bytes(self->src_ns) - tx0;
	ASSERT_LE(0, tx0);
	ASSERT_NE_NULL(rep);
	log_outcome(rep);
	EXPECT_EQ(0, rc);
	EXPECT_STREQ("completed", report_str(rep, "status", NULL));
	return rep;
}

TEST_F_TIMEOUT(lv, palm_moves_a_rewriting_libvirt_guest_with_xbzrle, 180)
{
	double wire;
	json_t *rep = migrate_compressing(_run, self,
					  "ws=32M rate=5 delta=10 period=10",
					  &wire);

	EXPECT_TRUE(report_true(rep, "prediction", "xbzrle"));
	EXPECT_GE(MAX_PAUSE_MS, report_num(rep, "guest", "pause_ms"));
	TH_LOG("QEMU via libvirt: %.0f pages as %.1f MB of differences",
	       report_num(rep, "xbzrle", "pages"),
	       report_num(rep, "xbzrle", "bytes") / 1e6);
	EXPECT_GT(report_num(rep, "xbzrle", "pages"), 1000);
	EXPECT_EQ(0, dst_verifies(self->dst_uri, self->name, self->dst_log));
	json_decref(rep);
}

/* major * 1,000,000 + minor * 1,000 + micro, as libvirt counts; 0 if unreadable */
static unsigned long version_number(const char *v)
{
	unsigned long major = 0, minor = 0, micro = 0;

	if (sscanf(v, "%lu.%lu.%lu", &major, &minor, &micro) < 2)
		return 0;
	return major * 1000000 + minor * 1000 + micro;
}

/* The reason given with palm's first decision named action, or "". */
static const char *decision_why(const json_t *rep, const char *action)
{
	json_t *d;
	size_t i;

	json_array_foreach(json_object_get(rep, "decisions"), i, d)
		if (!strcmp(report_str(d, "action", NULL), action))
			return report_str(d, "why", NULL);
	return "";
}

/*
 * Half of every page compresses (fill=50), as in the QMP test: through
 * libvirt 9.4 and later palm plans multifd zstd in the migrate call and
 * the 24 MiB of pages leave the source in far fewer bytes; through an
 * older libvirt it says why it cannot and sends them plainly.
 * tests/core/newer_libvirt_test.sh runs this on libvirt 11.
 */
TEST_F_TIMEOUT(lv, palm_compresses_a_libvirt_guest_where_libvirt_can, 180)
{
	const double ws_bytes = 24.0 * 1048576;
	double wire;
	json_t *rep = migrate_compressing(_run, self,
					  "ws=24M rate=1 fill=50 period=10",
					  &wire);
	bool can = version_number(self->version) >= 9004000;

	TH_LOG("compress: %s", decision_why(rep, "compress"));
	TH_LOG("%.1f MB of pages, %.1f MB on the wire",
	       report_num(rep, "page_bytes_sent", NULL) / 1e6, wire / 1e6);
	EXPECT_EQ(can, report_true(rep, "prediction", "compress"));
	EXPECT_GE(report_num(rep, "page_bytes_sent", NULL), ws_bytes);
	/* zstd-1 makes 1.99x of these pages; plain ones go as they are */
	if (can) {
		EXPECT_NE_NULL(strstr(decision_why(rep, "compress"), "multifd zstd on"));
		EXPECT_LT(wire, 0.7 * report_num(rep, "page_bytes_sent", NULL));
	} else {
		EXPECT_NE_NULL(strstr(decision_why(rep, "compress"), "needs 9.4"));
		EXPECT_GT(wire, 0.9 * report_num(rep, "page_bytes_sent", NULL));
	}
	EXPECT_GE(MAX_PAUSE_MS, report_num(rep, "guest", "pause_ms"));
	EXPECT_EQ(0, dst_verifies(self->dst_uri, self->name, self->dst_log));
	json_decref(rep);
}

TEST_F_TIMEOUT(lv, palm_switches_a_hot_libvirt_guest_to_postcopy, 180)
{
	char state[64];
	json_t *rep = NULL;
	int rc;

	/* rewrites 16 MiB faster than 100 Mbit/s drains it: pre-copy alone fails */
	bring_up(_run, self, "100mbit", "ws=16M rate=10 period=10");
	{
		const char *const extra[] = {
			"--link-rate", "100mbit", "--max-pause", "300",
			"--max-time", "20s", "--allow-postcopy", NULL,
		};

		rc = migrate_palm(self, extra, &rep);
	}
	ASSERT_NE_NULL(rep);
	log_outcome(rep);
	EXPECT_EQ(0, rc);
	EXPECT_STREQ("completed", report_str(rep, "status", NULL));
	EXPECT_TRUE(report_true(rep, "postcopy", NULL));
	domstate(self->dst_uri, self->name, state, sizeof(state));
	EXPECT_STREQ("running", state);
	EXPECT_EQ(0, dst_verifies(self->dst_uri, self->name, self->dst_log));
	json_decref(rep);
}

TEST_F_TIMEOUT(lv, palm_throttles_a_libvirt_guest_with_dirty_limits, 180)
{
	bool limited = false, failed = false;
	char state[64], why[128];
	const json_t *d;
	json_t *rep = NULL;
	size_t i;
	int rc;

	if (!kvm_available(why, sizeof(why)))
		SKIP(return, "per-vCPU dirty limits need KVM's dirty ring: %s",
		     why);
	/* 48 MiB rewritten as fast as the vCPU can (~110 MiB/s): too fast for a
	 * 300 ms pause at 1 Gbit/s, so palm must throttle (unshaped link, as the
	 * QMP dirty-limit test) */
	bring_up(_run, self, "", "ws=48M rate=max period=10");
	{
		const char *const extra[] = {
			"--link-rate", "1gbit", "--max-pause", "300",
			"--max-slowdown", "80", "--dirty-limit",
			"--budget", "60s", NULL,
		};

		rc = migrate_palm(self, extra, &rep);
	}
	ASSERT_NE_NULL(rep);
	json_array_foreach(json_object_get(rep, "decisions"), i, d) {
		const char *action = report_str(d, "action", NULL);

		if (strcmp(action, "downtime-limit"))
			TH_LOG("%7.2f %-15s %s", report_num(d, "t_s", NULL),
			       action, report_str(d, "why", NULL));
		if (!strcmp(action, "dirty-limit") && report_num(d, "t_s", NULL) >= 0)
			limited = true;
		if (!strcmp(action, "error"))
			failed = true;
	}
	TH_LOG("%s: pause %.0f ms", report_str(rep, "reason", NULL),
	       report_num(rep, "guest", "pause_ms"));
	EXPECT_EQ(0, rc);
	EXPECT_STREQ("completed", report_str(rep, "status", NULL));
	/* set through libvirt's monitor pass-through, without an error */
	EXPECT_TRUE(limited);
	EXPECT_FALSE(failed);
	EXPECT_FALSE(report_true(rep, "postcopy", NULL));
	EXPECT_GE(MAX_PAUSE_MS, report_num(rep, "guest", "pause_ms"));
	domstate(self->dst_uri, self->name, state, sizeof(state));
	EXPECT_STREQ("running", state);
	EXPECT_EQ(0, dst_verifies(self->dst_uri, self->name, self->dst_log));
	json_decref(rep);
}

TEST_F_TIMEOUT(lv, an_infeasible_target_leaves_the_libvirt_guest_running, 120)
{
	char state[64];
	json_t *rep = NULL;
	int rc;

	bring_up(_run, self, "100mbit", "ws=16M rate=10 period=10");
	{
		const char *const extra[] = {
			"--link-rate", "100mbit", "--max-pause", "5",
			"--max-time", "2s", NULL,
		};

		rc = migrate_palm(self, extra, &rep);
	}
	ASSERT_NE_NULL(rep);
	TH_LOG("%s", report_str(rep, "reason", NULL));
	EXPECT_EQ(1, rc);
	EXPECT_STREQ("infeasible", report_str(rep, "status", NULL));
	EXPECT_EQ(0, report_num(rep, "bytes_transferred", NULL));
	domstate(self->src_uri, self->name, state, sizeof(state));
	EXPECT_STREQ("running", state);
	domstate(self->dst_uri, self->name, state, sizeof(state));
	EXPECT_STREQ("", state);
	json_decref(rep);
}
