// SPDX-License-Identifier: GPL-2.0
/*
 * mig_model: palm's migration model against the migrations recorded by
 * bench/migration/cell.sh, without running any.
 *
 *   mig_model fit RUN.json...            coefficients fitted on the runs
 *   mig_model predict [-q] COEF RUN.json...  re-predict palm's runs
 *   mig_model cv [-q] RUN.json...        leave-one-cell-out: each palm run
 *                                        predicted by a fit without its cell
 *
 * A re-prediction is what palmctl would plan before the start from the
 * input it recorded (.prediction.input) and its target; -q prints only
 * the summary line.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmp/qmp_commands.h"
#include "qmp/qmp_model.h"

#define MAX_RUNS 1024
/* fixed-point rounds between goodput and the switch-over's fixed parts */
#define FIT_ROUNDS 8
/*
 * Goodput is fitted on runs this long: in shorter ones tbf's burst (10
 * ms at the rate) and QEMU's first 100 ms rate-limit window let the
 * stream run ahead of the rate palm must cap QEMU at.
 */
#define STEADY_RUN_S 1.0

struct run {
	char name[128];
	char cell[96];		/* ws-rate-pattern-link: all controllers share it */
	bool palm, completed, postcopy, has_input, compress, xbzrle;
	bool return_path;	/* the run had one: post-copy allowed, no multifd */
	bool idle;		/* the guest wrote nothing (cell rate 0) */
	/* libvirt ran it: its job's time is QEMU's and libvirt's phases */
	bool libvirt;
	/*
	 * QEMU's downtime is not reported: libvirt's job statistics count
	 * a post-copy run's from the stop to the end of post-copy.
	 */
	bool no_qemu_downtime;
	double link_bps;
	double setup_s, total_s, bytes, downtime_ms, pause_ms, passes;
	struct qmp_model_input in;
	struct qmp_model_target target;
};

struct errors {
	int n, downtime_ok, downtime_n, pause_ok, pause_n;
	double total_ape, bytes_ape, downtime_ae;
};

static double num(json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	o = json_object_get(o, path);
	return json_is_number(o) ? json_number_value(o) : NAN;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* tc's units: 100mbit, 1gbit; bytes/s, or NAN (unshaped) */
static double link_rate(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s)
		return NAN;
	if (!strcmp(end, "gbit"))
		return v * 1e9 / 8;
	if (!strcmp(end, "mbit"))
		return v * 1e6 / 8;
	if (!strcmp(end, "kbit"))
		return v * 1e3 / 8;
	return NAN;
}

static int load_run(const char *path, struct run *r)
{
	json_t *root, *cell, *in;
	json_error_t jerr;
	const char *slash = strrchr(path, '/');
	double pages;
	int ret = 0;

	root = json_load_file(path, 0, &jerr);
	if (!root) {
		fprintf(stderr, "mig_model: %s:%d: %s\n", path, jerr.line, jerr.text);
		return -EINVAL;
	}
	memset(r, 0, sizeof(*r));
	cell = json_object_get(root, "cell");
	if (!json_is_object(cell)) {
		ret = -ENOENT;	/* not a cell's report */
		goto out;
	}
	snprintf(r->name, sizeof(r->name), "%s", slash ? slash + 1 : path);
	snprintf(r->cell, sizeof(r->cell), "%s-%s-%s-%s", str(cell, "ws"),
		 str(cell, "rate"), str(cell, "pattern"), str(cell, "link"));
	r->palm = !strcmp(str(cell, "controller"), "palm");
	/* what the experiment set, not the measured rate: heartbeats dirty a little */
	r->idle = !strcmp(str(cell, "rate"), "0");
	r->completed = !strcmp(str(root, "status"), "completed");
	r->postcopy = json_is_true(json_object_get(root, "postcopy"));
	r->libvirt = !strcmp(str(cell, "backend"), "libvirt");
	r->no_qemu_downtime = r->postcopy && r->libvirt;
	r->link_bps = link_rate(str(cell, "link"));
	r->setup_s = num(root, "setup_time_ms") / 1000;
	r->total_s = num(root, "total_time_ms") / 1000;
	r->bytes = num(root, "bytes_transferred");
	/*
	 * The model's bytes are pages, as QEMU 7.2 counts multifd's; QEMU 10
	 * counts them compressed, as sent (palmctl's page_bytes_sent).
	 */
	pages = num(root, "page_bytes_sent");
	if (qmp_counts_sent_bytes(pages, r->bytes))
		r->bytes = pages;
	r->downtime_ms = num(root, "downtime_ms");
	r->pause_ms = num(root, "guest.pause_ms");
	r->passes = num(root, "passes");

	r->compress = json_is_true(json_object_get(json_object_get(root, "prediction"),
						   "compress"));
	r->xbzrle = json_is_true(json_object_get(json_object_get(root, "prediction"),
						 "xbzrle"));
	in = json_object_get(json_object_get(root, "prediction"), "input");
	if (r->palm && json_is_object(in)) {
		r->in.ram_bytes = num(in, "ram_bytes");
		r->in.used_bytes = num(in, "used_bytes");
		r->in.ws_bytes = num(in, "ws_bytes");
		r->in.dirty_bps = num(in, "dirty_bytes_per_s");
		r->in.link_bps = num(in, "link_bytes_per_s");
		/* runs recorded before palm could compress have neither */
		r->in.compress_ratio = num(in, "compress_ratio");
		r->in.compress_bps = num(in, "compress_bytes_per_s");
		r->in.xbzrle_ratio = num(in, "xbzrle_ratio");
		if (!isfinite(r->in.xbzrle_ratio))
			r->in.xbzrle_ratio = 0;
		if (!isfinite(r->in.compress_ratio) || !isfinite(r->in.compress_bps))
			r->in.compress_ratio = r->in.compress_bps = 0;
		r->link_bps = r->in.link_bps;
		r->target.max_pause_ms = num(root, "target.max_pause_ms");
		r->target.max_total_s = num(root, "target.max_time_s");
		r->target.max_slowdown = num(root, "target.max_slowdown");
		r->target.allow_postcopy =
			json_is_true(json_object_get(json_object_get(root, "target"),
						     "allow_postcopy"));
		r->return_path = r->target.allow_postcopy && !r->compress;
		/* the plan sets it from the target, as palm's did */
		r->in.return_path = false;
		r->has_input = isfinite(r->in.ram_bytes) &&
			       isfinite(r->in.link_bps) &&
			       isfinite(r->target.max_pause_ms);
	}
out:
	json_decref(root);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	if (n <= 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static bool in_training(const struct run *r, const char *exclude)
{
	return r->completed && (!exclude || strcmp(r->cell, exclude));
}

/* pre-copy runs palm could have predicted: the switch-over's data */
static bool palm_any_precopy(const struct run *r, const char *exclude)
{
	return in_training(r, exclude) && r->palm && r->has_input &&
	       !r->postcopy && isfinite(r->total_s) && r->total_s > 0 &&
	       isfinite(r->bytes) && r->bytes > 0;
}

/*
 * uncompressed: QEMU's byte counts are what crossed the link, and
 * without xbzrle every pass sends pages whole
 */
static bool palm_precopy(const struct run *r, const char *exclude)
{
	return palm_any_precopy(r, exclude) && !r->compress && !r->xbzrle;
}

/*
 * Idle runs: nothing is left at the switch-over, so their downtime is
 * the fixed part plus the drain of what is in flight, over 1/goodput.
 */
static void fit_switch_over(const struct run *runs, int n,
			    const char *exclude, struct qmp_model_coef *c)
{
	double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, x, den;
	int i, m = 0;

	for (i = 0; i < n; i++) {
		const struct run *r = &runs[i];

		if (!palm_precopy(r, exclude) || !r->idle ||
		    !isfinite(r->downtime_ms))
			continue;
		x = r->return_path ?
		    1000 / (r->link_bps * c->link_efficiency) : 0;
		sw += 1;
		sx += x;
		sy += r->downtime_ms;
		sxx += x * x;
		sxy += x * r->downtime_ms;
		m++;
	}
	if (!m)
		return;
	den = sw * sxx - sx * sx;
	/* one link rate cannot tell the fixed part from the drain */
	if (m >= 2 && den > 1e-12 * sxx * sw)
		c->inflight_bytes = fmax(0, (sw * sxy - sx * sy) / den);
	c->downtime_fixed_ms = fmax(0, (sy - c->inflight_bytes * sx) / sw);
}

/* QEMU counts a sync before the first pass and one at the switch */
static double resends(const struct run *r)
{
	return isfinite(r->passes) ? fmax(r->passes - 2, 1) : 1;
}

/* the run's time less its setup and the switch-over's fixed part */
static double stream_s(const struct qmp_model_coef *c, const struct run *r)
{
	return r->total_s - c->setup_s - c->downtime_fixed_ms / 1000;
}

/*
 * Goodput and per-pass overhead from the time the stream took
 * (stream_s) = bytes / (link x efficiency) + overhead x resends, least
 * squares on relative error.
 */
static void fit_goodput(const struct run *runs, int n, const char *exclude,
			struct qmp_model_coef *c)
{
	double suu = 0, suv = 0, svv = 0, suy = 0, svy = 0, a, o, den;
	int i, m = 0;

	for (i = 0; i < n; i++) {
		const struct run *r = &runs[i];
		double y, u, v, w;

		if (!palm_precopy(r, exclude) || !r->return_path ||
		    r->total_s < STEADY_RUN_S)
			continue;
		y = stream_s(c, r);
		if (y <= 0)
			continue;
		u = r->bytes / r->link_bps;
		v = resends(r);
		w = 1 / (y * y);
		suu += w * u * u;
		suv += w * u * v;
		svv += w * v * v;
		suy += w * u * y;
		svy += w * v * y;
		m++;
	}
	if (!m)
		return;
	den = suu * svv - suv * suv;
	a = den > 1e-12 * suu * svv ? (svv * suy - suv * svy) / den : -1;
	o = den > 1e-12 * suu * svv ? (suu * svy - suv * suy) / den : -1;
	if (a <= 0 || o < 0) {
		o = 0;
		a = suy / suu;
	}
	/* palm caps QEMU at this: above the link it only fills buffers */
	c->link_efficiency = fmin(1, fmax(0.01, 1 / a));
	c->pass_overhead_s = fmin(60, o);
}

/*
 * What libvirt's job takes beyond QEMU's (its prepare, finish and
 * confirm phases): the median of what the stream, its passes and the
 * switch-over leave of the job's time, over every palm pre-copy run.
 * The short runs are what tell it best, so none is left out as
 * fit_goodput leaves them; the median keeps a run with a pass the model
 * did not see from making it.  Over QMP the job is QEMU's: nothing to
 * fit.
 */
static void fit_job_overhead(const struct run *runs, int n,
			     const char *exclude, struct qmp_model_coef *c)
{
	double v[MAX_RUNS];
	int i, m = 0;

	for (i = 0; i < n; i++) {
		const struct run *r = &runs[i];

		if (!palm_precopy(r, exclude) || !r->return_path)
			continue;
		v[m++] = stream_s(c, r) -
			 r->bytes / (r->link_bps * c->link_efficiency) -
			 c->pass_overhead_s * resends(r);
	}
	if (m)
		c->job_overhead_s = fmax(0, median(v, m));
}

/* sum of |error| of pause = max(base + fixed, floor) */
static double pause_cost(const double *base, const double *pause, int m,
			 double fixed, double floor_ms)
{
	double cost = 0;
	int i;

	for (i = 0; i < m; i++)
		cost += fabs(fmax(base[i] + fixed, floor_ms) - pause[i]);
	return cost;
}

/*
 * What the guest sees beyond QEMU's downtime, from palm's uncompressed
 * pre-copy runs: a fixed part, and a floor when the pause has one
 * whatever the downtime (libvirt's switch-over).  The floor is tried at
 * each measured pause, the fixed part then being the median excess of
 * the runs whose downtime alone is above it (0 when none is: the floor
 * overlaps the downtime); it is kept only when it cuts the absolute
 * error by a fifth, so that a few slow runs do not make one.
 */
static void fit_pause(const struct run *runs, int n, const char *exclude,
		      struct qmp_model_coef *c)
{
	double base[MAX_RUNS], pause[MAX_RUNS], v[MAX_RUNS];
	double fixed, cost, no_floor, best_cost, best_fixed, best_floor = 0;
	int i, j, m = 0, k;

	for (i = 0; i < n; i++) {
		const struct run *r = &runs[i];

		if (!palm_precopy(r, exclude) || !isfinite(r->pause_ms) ||
		    !isfinite(r->downtime_ms))
			continue;
		base[m] = r->downtime_ms +
			  (r->return_path ? 0 :
			   c->inflight_bytes / (r->link_bps * c->link_efficiency) * 1000);
		pause[m++] = r->pause_ms;
	}
	if (!m)
		return;
	for (i = 0; i < m; i++)
		v[i] = pause[i] - base[i];
	best_fixed = fmax(0, median(v, m));
	best_cost = no_floor = pause_cost(base, pause, m, best_fixed, 0);
	for (j = 0; j < m; j++) {
		for (i = 0, k = 0; i < m; i++)
			if (base[i] > pause[j])
				v[k++] = pause[i] - base[i];
		fixed = k ? fmax(0, median(v, k)) : 0;
		cost = pause_cost(base, pause, m, fixed, pause[j]);
		if (cost < best_cost && cost <= 0.8 * no_floor) {
			best_cost = cost;
			best_fixed = fixed;
			best_floor = pause[j];
		}
	}
	c->pause_fixed_ms = best_fixed;
	c->pause_floor_ms = best_floor;
}

/*
 * The share of the limit still pending at a switch-over during a pass.
 * Where the model sees palm's run switch mid-pass, its downtime grows
 * by the limit for each unit of the share (unless the pass's own
 * remainder or what it started with bounds it: those runs say nothing),
 * so the measured downtime says which share it meant; the median.
 */
static void fit_switch_fill(const struct run *runs, int n,
			    const char *exclude, struct qmp_model_coef *c)
{
	struct qmp_model_coef at = *c;
	struct qmp_model_plan p1, p9;
	double v[MAX_RUNS], cap;
	int i, m = 0;

	for (i = 0; i < n; i++) {
		const struct run *r = &runs[i];

		if (!palm_any_precopy(r, exclude) || r->xbzrle ||
		    !isfinite(r->downtime_ms))
			continue;
		at.switch_fill = 1;
		if (qmp_model_plan(&at, &r->in, &r->target, &p1) ||
		    !p1.pred.mid_pass || p1.mode == QMP_MODEL_POSTCOPY)
			continue;
		at.switch_fill = 0.9;
		if (qmp_model_plan(&at, &r->in, &r->target, &p9) ||
		    !p9.pred.mid_pass)
			continue;
		cap = p1.downtime_limit_ms;
		if (fabs(p1.pred.downtime_ms - p9.pred.downtime_ms - 0.1 * cap) > 1)
			continue;
		v[m++] = (r->downtime_ms - (p1.pred.downtime_ms - cap)) / cap;
	}
	if (m)
		c->switch_fill = fmin(1, fmax(0, median(v, m)));
}

/* What the runs cannot tell (no run of that kind) stays as in base. */
static void fit(const struct run *runs, int n, const char *exclude,
		const struct qmp_model_coef *base, struct qmp_model_coef *c)
{
	double v[MAX_RUNS];
	/* main takes one backend's runs */
	bool libvirt = n > 0 && runs[0].libvirt;
	int i, m, round;

	*c = *base;
	for (i = 0, m = 0; i < n; i++)
		if (in_training(&runs[i], exclude) && isfinite(runs[i].setup_s))
			v[m++] = runs[i].setup_s;
	if (m)
		c->setup_s = median(v, m);
	if (!libvirt)
		c->job_overhead_s = 0;	/* QEMU's total-time is the job */
	for (round = 0; round < FIT_ROUNDS; round++) {
		fit_switch_over(runs, n, exclude, c);
		/*
		 * libvirt drives the same QEMU over the same links: the
		 * stream's terms are QEMU's, which the QMP grids measure
		 * on many more runs, and libvirt's long runs all have one
		 * re-send, so its per-pass overhead cannot be told from
		 * its job's fixed time.  Its runs fit only that time.
		 */
		if (libvirt)
			fit_job_overhead(runs, n, exclude, c);
		else
			fit_goodput(runs, n, exclude, c);
	}
	fit_pause(runs, n, exclude, c);
	/* compressed runs: the rest of their pause drains multifd's queue */
	for (i = 0, m = 0; i < n; i++) {
		const struct run *r = &runs[i];

		if (!palm_any_precopy(r, exclude) || !r->compress ||
		    !isfinite(r->pause_ms) || !isfinite(r->downtime_ms))
			continue;
		v[m++] = (r->pause_ms - r->downtime_ms - c->pause_fixed_ms) / 1000 *
			 r->link_bps * c->link_efficiency;
	}
	if (m)
		c->multifd_inflight_bytes = fmax(0, median(v, m));
	for (i = 0, m = 0; i < n; i++)
		if (in_training(&runs[i], exclude) && runs[i].palm &&
		    runs[i].postcopy && isfinite(runs[i].pause_ms))
			v[m++] = runs[i].pause_ms;
	if (m)
		c->postcopy_pause_ms = median(v, m);
	fit_switch_fill(runs, n, exclude, c);
}

static void print_coef(const struct qmp_model_coef *c, int nruns)
{
	printf("# palm migration model coefficients (qmp/qmp_model.h), fitted by\n"
	       "# bench/migration/calibrate.sh (mig_model fit) from %d runs\n",
	       nruns);
	qmp_model_coef_write(stdout, c);
}

static bool within(double pred, double meas)
{
	return fabs(pred - meas) <= fmax(30, 0.2 * meas);
}

static int predict_one(const struct qmp_model_coef *c, const struct run *r,
		       bool quiet, struct errors *e)
{
	struct qmp_model_plan p;
	int ret;

	ret = qmp_model_plan(c, &r->in, &r->target, &p);
	if (ret) {
		fprintf(stderr, "mig_model: %s: no plan (%s)\n", r->name,
			strerror(-ret));
		return ret;
	}
	e->n++;
	e->total_ape += fabs(p.pred.total_s - r->total_s) / r->total_s;
	e->bytes_ape += fabs(p.pred.bytes - r->bytes) / r->bytes;
	if (!r->no_qemu_downtime) {
		e->downtime_n++;
		e->downtime_ok += within(p.pred.downtime_ms, r->downtime_ms);
		e->downtime_ae += fabs(p.pred.downtime_ms - r->downtime_ms);
	}
	if (isfinite(r->pause_ms)) {
		e->pause_n++;
		e->pause_ok += within(p.pred.pause_ms, r->pause_ms);
	}
	if (!quiet)
		printf("%-28s %-10s %7.3f %7.3f %+5.0f%% %6.2f %6.2f %+5.0f%% %5.0f %5.0f %5.0f %5.0f\n",
		       r->cell, qmp_model_mode_name(p.mode), p.pred.total_s,
		       r->total_s,
		       (p.pred.total_s - r->total_s) / r->total_s * 100,
		       p.pred.bytes / 1e6, r->bytes / 1e6,
		       (p.pred.bytes - r->bytes) / r->bytes * 100,
		       p.pred.downtime_ms, r->downtime_ms, p.pred.pause_ms,
		       r->pause_ms);
	return 0;
}

static void header(bool quiet)
{
	if (!quiet)
		printf("%-28s %-10s %7s %7s %6s %6s %6s %6s %5s %5s %5s %5s\n",
		       "cell", "mode", "pred s", "meas s", "err", "pred MB",
		       "meas MB", "err", "pdown", "down", "ppause", "pause");
}

static void summary(const char *what, const struct errors *e)
{
	if (!e->n) {
		printf("%s: no palm runs with a recorded input\n", what);
		return;
	}
	printf("%s, %d palm runs: total time MAPE %.0f %%, bytes MAPE %.0f %%, QEMU downtime within 20 %% or 30 ms in %d of %d (mean absolute error %.0f ms), guest pause in %d of %d\n",
	       what, e->n, e->total_ape / e->n * 100, e->bytes_ape / e->n * 100,
	       e->downtime_ok, e->downtime_n,
	       e->downtime_n ? e->downtime_ae / e->downtime_n : 0, e->pause_ok,
	       e->pause_n);
}

static bool predictable(const struct run *r)
{
	return r->palm && r->has_input && r->completed &&
	       r->total_s > 0 && r->bytes > 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: mig_model fit [--base COEF] RUN.json...\n"
		"       mig_model predict [-q] COEF RUN.json...\n"
		"       mig_model cv [-q] [--base COEF] RUN.json...\n"
		"--base: start the fit from these coefficients, not the defaults\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct run runs[MAX_RUNS];
	struct qmp_model_coef c, base;
	struct errors e = { 0 };
	const char *mode, *coef_path = NULL, *base_path = NULL;
	char err[256];
	bool quiet = false;
	int i, n = 0, ret;

	if (argc < 3)
		return usage();
	mode = argv[1];
	i = 2;
	if (i < argc && !strcmp(argv[i], "-q")) {
		quiet = true;
		i++;
	}
	if (!strcmp(mode, "predict")) {
		if (i >= argc)
			return usage();
		coef_path = argv[i++];
	} else if (strcmp(mode, "fit") && strcmp(mode, "cv")) {
		return usage();
	} else if (i + 1 < argc && !strcmp(argv[i], "--base")) {
		base_path = argv[i + 1];
		i += 2;
	}
	qmp_model_coef_defaults(&base);
	if (base_path &&
	    qmp_model_coef_load(base_path, &base, err, sizeof(err))) {
		fprintf(stderr, "mig_model: %s\n", err);
		return 1;
	}
	for (; i < argc; i++) {
		if (n == MAX_RUNS) {
			fprintf(stderr, "mig_model: more than %d runs\n", MAX_RUNS);
			return 1;
		}
		ret = load_run(argv[i], &runs[n]);
		if (ret == -ENOENT)
			continue;
		if (ret)
			return 1;
		n++;
	}
	/* one backend's times are not the other's (job_overhead_s) */
	for (i = 1; i < n; i++)
		if (runs[i].libvirt != runs[0].libvirt) {
			fprintf(stderr, "mig_model: %s and %s ran through different backends: give one backend's runs\n",
				runs[0].name, runs[i].name);
			return 1;
		}

	if (!strcmp(mode, "fit")) {
		int used = 0;

		fit(runs, n, NULL, &base, &c);
		for (i = 0; i < n; i++)
			used += runs[i].completed;
		print_coef(&c, used);
		return 0;
	}
	if (coef_path) {
		qmp_model_coef_defaults(&c);
		ret = qmp_model_coef_load(coef_path, &c, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "mig_model: %s\n", err);
			return 1;
		}
	}
	header(quiet);
	for (i = 0; i < n; i++) {
		if (!predictable(&runs[i]))
			continue;
		/* out of sample: nothing of this cell, any controller, in the fit */
		if (!coef_path)
			fit(runs, n, runs[i].cell, &base, &c);
		if (predict_one(&c, &runs[i], quiet, &e))
			return 1;
	}
	summary(coef_path ? "re-predicted with the given coefficients" :
			    "out of sample (leave-one-cell-out refit)", &e);
	return 0;
}
