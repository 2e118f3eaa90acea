// SPDX-License-Identifier: GPL-2.0
/*
 * The calibration (bench/migration/mig_model fit) on runs made up from
 * known coefficients: it must give them back.  The runs are written as
 * cell.sh writes real ones and the fit is the program `make bench` runs.
 */
#include "tests/lib/harness.h"

#include <jansson.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qmp/qmp_model.h"
#include "tests/lib/qemu_proc.h"

#define MIB (1024.0 * 1024)

struct made_run {
	const char *backend;	/* qmp or libvirt */
	const char *link;	/* tc rate, as the cell names it */
	double link_bps;
	const char *rate;	/* the cell's guest rate: "0" is idle */
	double used_bytes;
	double ws_bytes, dirty_bps;	/* what palm measured before the start */
	double downtime_ms, pause_ms;
};

FIXTURE(runs)
{
	char dir[64];
	int n;
};

FIXTURE_SETUP(runs)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/palm-calib.XXXXXX");
	ASSERT_NE_NULL(mkdtemp(self->dir));
	self->n = 0;
}

FIXTURE_TEARDOWN(runs)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd))
		TH_LOG("could not remove %s", self->dir);
}

/*
 * One palm pre-copy run with post-copy allowed (QEMU then waits for the
 * destination: its downtime holds the drain), timed by the model with c.
 */
static int write_run(FIXTURE_DATA(runs) *self, const struct qmp_model_coef *c,
		     const struct made_run *m)
{
	struct qmp_model_input in = {
		.ram_bytes = 128 * MIB, .used_bytes = m->used_bytes,
		.ws_bytes = m->ws_bytes, .dirty_bps = m->dirty_bps,
		.link_bps = m->link_bps, .downtime_limit_ms = 300,
		.return_path = true,
	};
	struct qmp_model_pred p;
	char path[128], ws[16];
	json_t *rep;
	int ret;

	ret = qmp_model_precopy(c, &in, &p);
	if (ret)
		return ret;
	snprintf(ws, sizeof(ws), "%.0fM", m->used_bytes / MIB);
	rep = json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:s},"
			" s:s, s:b, s:f, s:f, s:f, s:f, s:{s:f}, s:i,"
			" s:{s:b, s:{s:f, s:f, s:f, s:f, s:f, s:f, s:f}},"
			" s:{s:f, s:f, s:f, s:b}}",
			"cell", "controller", "palm", "ws", ws, "rate", m->rate,
			"pattern", "uniform", "link", m->link, "backend", m->backend,
			"status", "completed", "postcopy", 0,
			"setup_time_ms", c->setup_s * 1000,
			"total_time_ms", p.total_s * 1000,
			"bytes_transferred", p.bytes,
			"downtime_ms", isnan(m->downtime_ms) ? p.downtime_ms : m->downtime_ms,
			"guest", "pause_ms", isnan(m->pause_ms) ? p.pause_ms : m->pause_ms,
			"passes", p.passes,
			"prediction", "compress", 0, "input",
			"ram_bytes", in.ram_bytes, "used_bytes", in.used_bytes,
			"ws_bytes", in.ws_bytes, "dirty_bytes_per_s", in.dirty_bps,
			"link_bytes_per_s", in.link_bps, "compress_ratio", 0.0,
			"compress_bytes_per_s", 0.0,
			"target", "max_pause_ms", 300.0, "max_time_s", 15.0,
			"max_slowdown", 0.0, "allow_postcopy", 1);
	if (!rep)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/ws-run%d-palm.json", self->dir, self->n++);
	ret = json_dump_file(rep, path, JSON_COMPACT) ? -EIO : 0;
	json_decref(rep);
	return ret;
}

/*
 * mig_model fit on every run written, from base's coefficients when
 * given (as calibrate.sh starts from model.coef); its output parsed
 * into *c.
 */
static int fit_from(FIXTURE_DATA(runs) *self, const struct qmp_model_coef *base,
		    struct qmp_model_coef *c, char *why, size_t len)
{
	char tool[200], cmd[512], out[2048], base_path[96], base_arg[112] = "";
	size_t got;
	FILE *f;
	int st;

	palm_build_path(tool, sizeof(tool), "bench/migration/mig_model");
	if (access(tool, X_OK)) {
		snprintf(why, len, "%s is not built", tool);
		return -ENOENT;
	}
	if (base) {
		snprintf(base_path, sizeof(base_path), "%s/base.coef", self->dir);
		snprintf(base_arg, sizeof(base_arg), "--base %s", base_path);
		f = fopen(base_path, "w");
		if (!f) {
			snprintf(why, len, "cannot write %s", base_path);
			return -EIO;
		}
		fprintf(f, "link_efficiency = %.17g\npass_overhead_s = %.17g\n"
			"downtime_fixed_ms = %.17g\ninflight_bytes = %.17g\n",
			base->link_efficiency, base->pass_overhead_s,
			base->downtime_fixed_ms, base->inflight_bytes);
		if (fclose(f)) {
			snprintf(why, len, "cannot write %s", base_path);
			return -EIO;
		}
	}
	snprintf(cmd, sizeof(cmd), "'%s' fit %s %s/ws-*.json 2>&1", tool,
		 base_arg, self->dir);
	f = popen(cmd, "r");
	if (!f) {
		snprintf(why, len, "popen failed");
		return -EIO;
	}
	got = fread(out, 1, sizeof(out) - 1, f);
	out[got] = '\0';
	st = pclose(f);
	if (st) {
		snprintf(why, len, "mig_model fit exited with %d: %.300s",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1, out);
		return -EIO;
	}
	qmp_model_coef_defaults(c);
	return qmp_model_coef_parse(out, got, c, why, len);
}

static int fit(FIXTURE_DATA(runs) *self, struct qmp_model_coef *c,
	       char *why, size_t len)
{
	return fit_from(self, NULL, c, why, len);
}

static struct qmp_model_coef truth(void)
{
	struct qmp_model_coef c;

	qmp_model_coef_defaults(&c);
	c.link_efficiency = 0.95;
	c.setup_s = 0.01;
	c.pass_overhead_s = 0;
	c.downtime_fixed_ms = 20;
	c.inflight_bytes = 500000;
	return c;
}

/* idle guests of 16 and 48 MiB over two link rates */
static void write_idle_grid(struct th_run *_run, FIXTURE_DATA(runs) *self,
			    const struct qmp_model_coef *c, const char *backend,
			    double pause_of_downtime_floor, int slow_run)
{
	static const struct {
		const char *name;
		double bps;
	} links[] = { { "100mbit", 100e6 / 8 }, { "1gbit", 1e9 / 8 } };
	int i, j, k = 0;

	for (i = 0; i < 2; i++)
		for (j = 1; j <= 3; j += 2, k++) {
			struct made_run m = {
				.backend = backend, .link = links[i].name,
				.link_bps = links[i].bps, .rate = "0",
				.used_bytes = 16 * MIB * j,
				.downtime_ms = NAN, .pause_ms = NAN,
			};

			if (pause_of_downtime_floor > 0) {
				struct qmp_model_input in = {
					.ram_bytes = 128 * MIB,
					.used_bytes = m.used_bytes,
					.link_bps = m.link_bps,
					.downtime_limit_ms = 300,
					.return_path = true,
				};
				struct qmp_model_pred p;

				ASSERT_EQ(0, qmp_model_precopy(c, &in, &p));
				m.pause_ms = fmax(p.downtime_ms, pause_of_downtime_floor);
			}
			if (k == slow_run)
				m.pause_ms = 100 + c->downtime_fixed_ms;
			ASSERT_EQ(0, write_run(self, c, &m));
		}
}

TEST_F(runs, the_fit_gives_back_the_switch_over_and_the_link)
{
	struct qmp_model_coef want = truth(), got;
	char why[256];
	int ret;

	want.pause_fixed_ms = 5;
	/* one run paused 100 ms for no modelled reason: no floor from it */
	write_idle_grid(_run, self, &want, "qmp", 0, 1);
	ret = fit(self, &got, why, sizeof(why));
	if (ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret);
	TH_LOG("downtime_fixed %.2f inflight %.0f eff %.4f pause_fixed %.2f floor %.1f",
	       got.downtime_fixed_ms, got.inflight_bytes, got.link_efficiency,
	       got.pause_fixed_ms, got.pause_floor_ms);
	EXPECT_LT(fabs(got.downtime_fixed_ms - want.downtime_fixed_ms), 1);
	EXPECT_LT(fabs(got.inflight_bytes - want.inflight_bytes), 0.05 * want.inflight_bytes);
	EXPECT_LT(fabs(got.link_efficiency - want.link_efficiency), 0.02);
	EXPECT_LT(fabs(got.pause_fixed_ms - want.pause_fixed_ms), 1);
	EXPECT_EQ(0, got.pause_floor_ms);
	/* QEMU's total-time is the whole job */
	EXPECT_EQ(0, got.job_overhead_s);
}

TEST_F(runs, a_pause_that_never_goes_below_a_floor_is_fitted_as_one)
{
	struct qmp_model_coef want = truth(), got;
	struct made_run hot = {
		.backend = "libvirt", .link = "1gbit", .link_bps = 1e9 / 8,
		.rate = "3", .used_bytes = 32 * MIB,
		.downtime_ms = 220, .pause_ms = 222,
	};
	char why[256];
	int ret;

	/* libvirt: the guest pauses 150 ms, or QEMU's downtime if longer */
	want.pause_fixed_ms = 0;
	write_idle_grid(_run, self, &want, "libvirt", 150, -1);
	ASSERT_EQ(0, write_run(self, &want, &hot));
	ret = fit(self, &got, why, sizeof(why));
	if (ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret);
	TH_LOG("pause_fixed %.2f floor %.1f", got.pause_fixed_ms, got.pause_floor_ms);
	EXPECT_LT(fabs(got.pause_floor_ms - 150), 1);
	/* the hot run's 2 ms beyond its downtime is the fixed part */
	EXPECT_LT(fabs(got.pause_fixed_ms - 2), 0.5);
}

/*
 * Dirtying guests whose plan switches over during a pass, each paused
 * as the model with a known share of the limit says: the fit gives the
 * share back, whatever each run's own remainder.
 */
TEST_F(runs, a_switch_over_during_a_pass_is_fitted_as_the_limits_share)
{
	static const double ws_mib[] = { 4, 5, 6 };
	struct qmp_model_coef want = truth(), got;
	struct qmp_model_target target = {
		.max_pause_ms = 300, .max_total_s = 15, .allow_postcopy = true,
	};
	char why[256];
	size_t i;
	int ret;

	want.switch_fill = 0.6;
	write_idle_grid(_run, self, &want, "qmp", 0, -1);
	for (i = 0; i < sizeof(ws_mib) / sizeof(ws_mib[0]); i++) {
		struct made_run hot = {
			.backend = "qmp", .link = "100mbit", .link_bps = 100e6 / 8,
			.rate = "3", .used_bytes = 34 * MIB,
			.ws_bytes = ws_mib[i] * MIB, .dirty_bps = 4e6,
			.pause_ms = NAN,
		};
		struct qmp_model_input in = {
			.ram_bytes = 128 * MIB, .used_bytes = hot.used_bytes,
			.ws_bytes = hot.ws_bytes, .dirty_bps = hot.dirty_bps,
			.link_bps = hot.link_bps,
		};
		struct qmp_model_plan plan;

		ASSERT_EQ(0, qmp_model_plan(&want, &in, &target, &plan));
		ASSERT_TRUE(plan.pred.mid_pass);
		hot.downtime_ms = plan.pred.downtime_ms;
		ASSERT_EQ(0, write_run(self, &want, &hot));
	}
	ret = fit(self, &got, why, sizeof(why));
	if (ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret);
	TH_LOG("switch_fill %.3f (made with %.3f)", got.switch_fill, want.switch_fill);
	EXPECT_LT(fabs(got.switch_fill - want.switch_fill), 0.02);
}

/*
 * libvirt's job takes a fixed time beyond QEMU's: idle and dirtying
 * runs made with it at two link rates, one of them slower for no
 * modelled reason.  The fit gives the job's time back and keeps
 * the stream's terms (QEMU's, from the base) as they were, where a
 * per-pass overhead fitted on these runs would have taken the job's
 * time in.
 */
TEST_F(runs, libvirts_fixed_job_time_is_fitted_apart_from_the_stream)
{
	static const double ws_mib[] = { 2, 3, 4 };
	struct qmp_model_coef want = truth(), base = truth(), got;
	char why[512];
	size_t i;
	int ret;

	want.job_overhead_s = 0.4;
	write_idle_grid(_run, self, &want, "libvirt", 0, -1);
	for (i = 0; i < sizeof(ws_mib) / sizeof(ws_mib[0]); i++) {
		struct qmp_model_coef made = want;
		struct made_run hot = {
			.backend = "libvirt", .link = "1gbit", .link_bps = 1e9 / 8,
			.rate = "3", .used_bytes = 34 * MIB,
			.ws_bytes = ws_mib[i] * MIB, .dirty_bps = 8e6,
			.downtime_ms = NAN, .pause_ms = NAN,
		};

		/* one run a second slower for no modelled reason */
		if (i == 1)
			made.job_overhead_s += 1;
		ASSERT_EQ(0, write_run(self, &made, &hot));
	}
	ret = fit_from(self, &base, &got, why, sizeof(why));
	if (ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret);
	TH_LOG("job %.4f s pass %.4f s eff %.4f", got.job_overhead_s,
	       got.pass_overhead_s, got.link_efficiency);
	EXPECT_LT(fabs(got.job_overhead_s - want.job_overhead_s), 0.01);
	EXPECT_EQ(base.pass_overhead_s, got.pass_overhead_s);
	EXPECT_EQ(base.link_efficiency, got.link_efficiency);
}

/* one backend's times do not fit the other's: refused, said so */
TEST_F(runs, runs_of_both_backends_are_refused)
{
	struct qmp_model_coef want = truth(), got;
	char why[512];
	int ret;

	write_idle_grid(_run, self, &want, "qmp", 0, -1);
	write_idle_grid(_run, self, &want, "libvirt", 0, -1);
	ret = fit(self, &got, why, sizeof(why));
	if (ret == -ENOENT)
		SKIP(return, "%s", why);
	TH_LOG("%s", why);
	EXPECT_EQ(-EIO, ret);
	EXPECT_NE_NULL(strstr(why, "different backends"));
}
