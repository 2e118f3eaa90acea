// SPDX-License-Identifier: GPL-2.0
/* The migration model; see qmp_model.h. */
#include "qmp/qmp_model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_BYTES 4096.0
#define DEFAULT_MAX_PASSES 1000
/* Beyond this the answer is "not in any useful time". */
#define HORIZON_S 1e6
/* Binary searches stop at this relative precision. */
#define SEARCH_STEPS 60
/*
 * d2/d1 - 1 above this reads as "not saturated": page-sampling on a
 * small guest (a few hundred sampled pages) is off by 20 % and more.
 */
#define UNSATURATED_X 0.6

void qmp_model_coef_defaults(struct qmp_model_coef *c)
{
	/*
	 * Neutral starting values for an uncalibrated host: a TCP stream
	 * over a shaped link, QEMU 7.2's zero-page marker (8 B header + 1
	 * B flag) and per-page header (8 B).  `make bench` refits them.
	 */
	c->link_efficiency = 0.93;
	c->setup_s = 0.05;
	c->pass_overhead_s = 0.02;
	c->job_overhead_s = 0;
	c->zero_page_bytes = 9;
	c->page_overhead_bytes = 8;
	c->downtime_fixed_ms = 15;
	c->pause_fixed_ms = 10;
	c->pause_floor_ms = 0;
	c->inflight_bytes = 0;
	/*
	 * multifd's own sockets queue far more than palm's capped main
	 * stream: 0.5-1.4 MB in four compressed runs here (guest pause
	 * minus QEMU's downtime, times the wire rate).
	 */
	c->multifd_inflight_bytes = 1.4e6;
	c->postcopy_pause_ms = 40;
	/*
	 * QEMU checks what is pending once per rate-limit window (100 ms),
	 * so a pass drains somewhat past the limit before it stops.
	 */
	c->switch_fill = 0.8;
}

struct coef_key {
	const char *name;
	size_t off;
	double min, max;
	int decimals;		/* as a fit writes it; < 0: %g */
};

#define COEF(f, lo, hi, dec) { #f, offsetof(struct qmp_model_coef, f), lo, hi, dec }
static const struct coef_key coef_keys[] = {
	COEF(link_efficiency, 0.01, 1.5, 4),
	COEF(setup_s, 0, 600, 4),
	COEF(pass_overhead_s, 0, 60, 4),
	COEF(job_overhead_s, 0, 600, 4),
	COEF(zero_page_bytes, 0, PAGE_BYTES, -1),
	COEF(page_overhead_bytes, 0, PAGE_BYTES, -1),
	COEF(downtime_fixed_ms, 0, 600000, 1),
	COEF(pause_fixed_ms, 0, 600000, 1),
	COEF(pause_floor_ms, 0, 600000, 1),
	COEF(inflight_bytes, 0, 1e12, 0),
	COEF(multifd_inflight_bytes, 0, 1e12, 0),
	COEF(postcopy_pause_ms, 0, 600000, 1),
	COEF(switch_fill, 0, 1, 2),
};

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int parse_line(char *line, int lineno, struct qmp_model_coef *c,
		      char *err, size_t errlen)
{
	char *hash = strchr(line, '#'), *eq, *key, *val, *end;
	double v;
	size_t i;

	if (hash)
		*hash = '\0';
	key = trim(line);
	if (!*key)
		return 0;
	eq = strchr(key, '=');
	if (!eq) {
		snprintf(err, errlen, "line %d: expected 'key = value'", lineno);
		return -EINVAL;
	}
	*eq = '\0';
	key = trim(key);
	val = trim(eq + 1);
	errno = 0;
	v = strtod(val, &end);
	if (!*val || *end || errno || !isfinite(v)) {
		snprintf(err, errlen, "line %d: '%.40s' is not a number", lineno,
			 val);
		return -EINVAL;
	}
	for (i = 0; i < sizeof(coef_keys) / sizeof(coef_keys[0]); i++) {
		if (strcmp(key, coef_keys[i].name))
			continue;
		if (v < coef_keys[i].min || v > coef_keys[i].max) {
			snprintf(err, errlen, "line %d: %s = %g is outside [%g, %g]",
				 lineno, key, v, coef_keys[i].min,
				 coef_keys[i].max);
			return -EINVAL;
		}
		*(double *)((char *)c + coef_keys[i].off) = v;
		return 0;
	}
	snprintf(err, errlen, "line %d: unknown key '%.40s'", lineno, key);
	return -EINVAL;
}

void qmp_model_coef_write(FILE *f, const struct qmp_model_coef *c)
{
	const struct coef_key *k;
	double v;

	for (k = coef_keys; k < coef_keys + sizeof(coef_keys) / sizeof(coef_keys[0]); k++) {
		v = *(const double *)((const char *)c + k->off);
		if (k->decimals < 0)
			fprintf(f, "%s = %g\n", k->name, v);
		else
			fprintf(f, "%s = %.*f\n", k->name, k->decimals, v);
	}
}

int qmp_model_coef_get(const struct qmp_model_coef *c, size_t i,
		       const char **name, double *value)
{
	if (i >= sizeof(coef_keys) / sizeof(coef_keys[0]))
		return -ENOENT;
	*name = coef_keys[i].name;
	*value = *(const double *)((const char *)c + coef_keys[i].off);
	return 0;
}

int qmp_model_coef_parse(const char *buf, size_t len, struct qmp_model_coef *c,
			 char *err, size_t errlen)
{
	struct qmp_model_coef tmp = *c;
	char line[256];
	int lineno = 0, ret;
	size_t i = 0;

	while (i < len) {
		size_t n = 0;

		lineno++;
		while (i < len && buf[i] != '\n') {
			if (buf[i] == '\0') {
				snprintf(err, errlen, "line %d: NUL byte", lineno);
				return -EINVAL;
			}
			if (n + 1 >= sizeof(line)) {
				snprintf(err, errlen, "line %d: longer than %zu bytes",
					 lineno, sizeof(line) - 1);
				return -EINVAL;
			}
			line[n++] = buf[i++];
		}
		line[n] = '\0';
		i++;
		ret = parse_line(line, lineno, &tmp, err, errlen);
		if (ret)
			return ret;
	}
	*c = tmp;
	return 0;
}

int qmp_model_coef_load(const char *path, struct qmp_model_coef *c, char *err,
			size_t errlen)
{
	char buf[16384];
	size_t n;
	FILE *f;
	int ret;

	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	n = fread(buf, 1, sizeof(buf), f);
	if (ferror(f) || !feof(f)) {
		snprintf(err, errlen, "%s: %s", path,
			 ferror(f) ? "read error" : "larger than 16 KiB");
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	ret = qmp_model_coef_parse(buf, n, c, err, errlen);
	if (ret) {
		char line_err[200];

		snprintf(line_err, sizeof(line_err), "%s", err);
		snprintf(err, errlen, "%s: %s", path, line_err);
	}
	return ret;
}

double qmp_model_dirtied(double ws_bytes, double dirty_bps, double t_s)
{
	if (ws_bytes <= 0 || dirty_bps <= 0 || t_s <= 0)
		return 0;
	return ws_bytes * -expm1(-dirty_bps * t_s / ws_bytes);
}

int qmp_model_fit_dirty(double rate1_bps, double rate2_bps, double t1_s,
			double cap_bytes, double *ws_bytes, double *dirty_bps)
{
	double d1, d2, x;

	if (!(rate1_bps >= 0) || !(rate2_bps >= 0) || !(t1_s > 0) ||
	    !(cap_bytes > 0) || !isfinite(rate1_bps) || !isfinite(rate2_bps))
		return -EINVAL;
	d1 = rate1_bps * t1_s;
	d2 = rate2_bps * 2 * t1_s;
	if (d1 <= 0 && d2 <= 0) {
		*ws_bytes = 0;
		*dirty_bps = 0;
		return 0;
	}
	if (d1 <= 0)
		d1 = d2 / 2;
	/* d2 = d1 (1 + x) with x = exp(-rate t1 / ws) for a uniform set */
	x = d2 / d1 - 1;
	if (x >= UNSATURATED_X) {
		/*
		 * Growing nearly linearly: no clear sign of a bound, and
		 * sampling noise would fake one; both windows count.
		 */
		*ws_bytes = cap_bytes;
		*dirty_bps = (d1 + d2) / (3 * t1_s);
	} else {
		if (x < 0.02)
			x = 0.02;	/* saturated: the rate is a lower bound */
		*ws_bytes = fmin(d1 / (1 - x), cap_bytes);
		*dirty_bps = -*ws_bytes * log(x) / t1_s;
	}
	return 0;
}

double qmp_model_pause_overhead_ms(const struct qmp_model_coef *c,
				   double wire_bps, bool multifd)
{
	double extra = c->pause_fixed_ms;

	if (wire_bps > 0)
		extra += (multifd ? c->multifd_inflight_bytes :
				    c->inflight_bytes) / wire_bps * 1000;
	return extra;
}

static double inflight(const struct qmp_model_coef *c,
		       const struct qmp_model_input *in)
{
	return in->compress_ratio > 1 ? c->multifd_inflight_bytes :
					c->inflight_bytes;
}

double qmp_model_pause_reserve_ms(const struct qmp_model_coef *c,
				  double wire_bps, bool multifd)
{
	double extra = qmp_model_pause_overhead_ms(c, wire_bps, multifd);

	if (multifd && wire_bps > 0)
		extra += (QMP_MODEL_MULTIFD_DRAIN_RESERVE - 1) *
			 c->multifd_inflight_bytes / wire_bps * 1000;
	return extra;
}

/* What is in flight is compressed: it drains at the wire's rate. */
static double wire_rate(const struct qmp_model_input *in, double goodput_bps)
{
	return in->compress_ratio > 1 ? goodput_bps / in->compress_ratio :
					goodput_bps;
}

/*
 * The guest stops with the last pass partly still queued on the path
 * (socket buffers, qdisc, QEMU's last rate-limit window): the remainder
 * goes behind it.  QEMU's own downtime counts that drain only when it
 * waits for the destination.
 */
static void switch_over(const struct qmp_model_coef *c,
			const struct qmp_model_input *in, double b,
			double remainder, struct qmp_model_pred *out)
{
	double drain_ms = inflight(c, in) / wire_rate(in, b) * 1000;
	double stream_ms = c->downtime_fixed_ms + remainder / b * 1000;

	out->downtime_ms = stream_ms + (in->return_path ? drain_ms : 0);
	out->pause_ms = fmax(stream_ms +
			     qmp_model_pause_overhead_ms(c, wire_rate(in, b),
							 in->compress_ratio > 1),
			     c->pause_floor_ms);
}

/*
 * Completion after the source stopped at t_s: with a return path when
 * everything has arrived (the stream is timed at the wire's rate, so
 * the drain is in it), else when the source has written it, ahead of
 * the wire by what is in flight.
 */
static double completion_s(const struct qmp_model_coef *c,
			   const struct qmp_model_input *in, double b,
			   double t_s, double remainder)
{
	double end = t_s + (c->downtime_fixed_ms + remainder / b * 1000) / 1000;

	if (!in->return_path)
		end = fmax(end - inflight(c, in) / wire_rate(in, b), c->setup_s);
	return end;
}

static bool input_ok(const struct qmp_model_input *in)
{
	const double v[] = { in->ram_bytes, in->used_bytes, in->ws_bytes,
			     in->dirty_bps, in->link_bps, in->max_bandwidth_bps,
			     in->downtime_limit_ms, in->throttle,
			     in->compress_ratio, in->compress_bps,
			     in->xbzrle_ratio };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!isfinite(v[i]))
			return false;
	return in->ram_bytes > 0 && in->used_bytes >= 0 &&
	       in->used_bytes <= in->ram_bytes && in->ws_bytes >= 0 &&
	       in->dirty_bps >= 0 && in->link_bps > 0 &&
	       in->downtime_limit_ms >= 0 && in->throttle >= 0 &&
	       in->throttle < 1 && in->compress_ratio >= 0 &&
	       in->compress_bps >= 0 && in->xbzrle_ratio >= 0;
}

static double goodput(const struct qmp_model_coef *c,
		      const struct qmp_model_input *in)
{
	double b = in->link_bps * c->link_efficiency;

	/* the wire carries compressed pages; the threads may be slower */
	if (in->compress_ratio > 1) {
		b *= in->compress_ratio;
		if (in->compress_bps > 0 && in->compress_bps < b)
			b = in->compress_bps;
	}
	if (in->max_bandwidth_bps > 0 && in->max_bandwidth_bps < b)
		b = in->max_bandwidth_bps;
	return b;
}

/* The first pass sends every page: data pages whole, zero pages as markers. */
static double first_pass_bytes(const struct qmp_model_coef *c,
			       const struct qmp_model_input *in)
{
	double per_byte = 1 + c->page_overhead_bytes / PAGE_BYTES;

	return in->used_bytes * per_byte +
	       (in->ram_bytes - in->used_bytes) / PAGE_BYTES * c->zero_page_bytes;
}

double qmp_model_xbzrle_hit(const struct qmp_model_input *in, double cached_s)
{
	double rate = in->dirty_bps * (1 - in->throttle);

	if (!(in->xbzrle_ratio > 1))
		return 0;
	return in->ws_bytes > 0 ?
	       qmp_model_dirtied(in->ws_bytes, rate, fmax(cached_s, 0)) /
	       in->ws_bytes : 1;
}

/* Page bytes per wire byte of a pass: the cached share goes smaller. */
static double xbzrle_pass_ratio(double hit, double xbzrle_ratio)
{
	if (!(xbzrle_ratio > 1))
		return 1;
	return 1 / (hit / xbzrle_ratio + 1 - hit);
}

double qmp_model_xbzrle_limit_gain(double hit, double xbzrle_ratio)
{
	return 1 + (xbzrle_pass_ratio(hit, xbzrle_ratio) - 1) *
		   QMP_MODEL_XBZRLE_LIMIT_SHARE;
}

int qmp_model_precopy(const struct qmp_model_coef *c,
		      const struct qmp_model_input *in,
		      struct qmp_model_pred *out)
{
	double per_byte = 1 + c->page_overhead_bytes / PAGE_BYTES;
	double b, rate, limit_bytes, t, bytes, prev_pass_s, pending = 0, stream = 0;
	double hit, gain, pending_prev = 0;
	int max = in->max_passes > 0 ? in->max_passes : DEFAULT_MAX_PASSES;
	int k;

	if (!input_ok(in))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	b = goodput(c, in);
	rate = in->dirty_bps * (1 - in->throttle);
	limit_bytes = b * in->downtime_limit_ms / 1000;
	out->goodput_bps = b;
	out->wire_bps = wire_rate(in, b);

	bytes = first_pass_bytes(c, in);
	prev_pass_s = bytes / b;
	t = c->setup_s + prev_pass_s;
	for (k = 1; k <= max && t < HORIZON_S; k++) {
		/* what the last pass let the guest dirty is what is left */
		pending = qmp_model_dirtied(in->ws_bytes, rate,
					    prev_pass_s + c->pass_overhead_s) *
			  per_byte;
		/*
		 * With xbzrle QEMU caches from pass 1, so from pass 2 what
		 * passes 1..k-1 sent (dirtied since pass 0 began) goes as its
		 * difference.  QEMU weighs pending pages whole against its
		 * measured rate; palm raises the limit by what xbzrle saves
		 * (qmp_ctl does it pass by pass).
		 */
		hit = k >= 2 ? qmp_model_xbzrle_hit(in, t - prev_pass_s - c->setup_s) : 0;
		stream = pending / xbzrle_pass_ratio(hit, in->xbzrle_ratio);
		gain = qmp_model_xbzrle_limit_gain(hit, in->xbzrle_ratio);
		if (pending <= limit_bytes * gain) {
			double tail = 0;

			/*
			 * QEMU weighs what is pending all through a pass, not
			 * only at its end.  From the second check the last pass
			 * left more than the limit (else it would have switched
			 * then), so palm's controller has raised the limit as
			 * far as the target allows, and QEMU stops once this
			 * pass has drained to it: that share of the limit goes
			 * in the downtime, the pass's tail with it.  Time and
			 * bytes stay: the tail is sent either way.
			 */
			if (k >= 2) {
				tail = fmax(pending,
					    fmin(c->switch_fill * limit_bytes * gain,
						 pending_prev)) - pending;
				tail /= xbzrle_pass_ratio(hit, in->xbzrle_ratio);
				out->mid_pass = tail > 0;
			}
			out->converges = true;
			out->passes = k + 1;
			switch_over(c, in, b, stream + tail, out);
			out->total_s = completion_s(c, in, b,
						    t + c->pass_overhead_s - tail / b,
						    stream + tail) +
				       c->job_overhead_s;
			out->bytes = bytes + stream;
			out->steady_dirty_bytes = pending;
			return 0;
		}
		prev_pass_s = stream / b;
		t += prev_pass_s + c->pass_overhead_s;
		bytes += stream;
		pending_prev = pending;
	}
	out->passes = k;
	out->total_s = t + c->job_overhead_s;
	out->bytes = bytes;
	out->steady_dirty_bytes = pending;
	/* what stopping now would cost */
	switch_over(c, in, b, stream, out);
	return 0;
}

int qmp_model_postcopy(const struct qmp_model_coef *c,
		       const struct qmp_model_input *in,
		       struct qmp_model_pred *out)
{
	double per_byte = 1 + c->page_overhead_bytes / PAGE_BYTES;
	double b, first_s, rest;

	if (!input_ok(in))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	b = goodput(c, in);
	out->goodput_bps = b;
	out->wire_bps = wire_rate(in, b);
	first_s = first_pass_bytes(c, in) / b;
	rest = qmp_model_dirtied(in->ws_bytes,
				 in->dirty_bps * (1 - in->throttle),
				 first_s + c->pass_overhead_s) * per_byte;
	out->converges = true;
	out->passes = 2;
	/*
	 * QEMU's downtime ends once the device state is out; the guest
	 * then waits on its first faulted pages, which postcopy_pause_ms
	 * measures.  The link stays busy meanwhile: the pause costs no
	 * transfer time, and the destination acknowledges the end.
	 */
	out->downtime_ms = c->downtime_fixed_ms;
	out->pause_ms = c->postcopy_pause_ms;
	out->bytes = first_pass_bytes(c, in) + rest;
	out->total_s = c->setup_s + first_s + c->pass_overhead_s +
		       c->downtime_fixed_ms / 1000 + rest / b +
		       c->job_overhead_s;
	out->steady_dirty_bytes = rest;
	return 0;
}

static bool meets(const struct qmp_model_pred *p,
		  const struct qmp_model_target *t)
{
	return p->converges && p->pause_ms <= t->max_pause_ms &&
	       p->total_s <= t->max_total_s;
}

double qmp_model_limit_for_pause(const struct qmp_model_coef *c,
				 const struct qmp_model_input *in,
				 double max_pause_ms)
{
	return max_pause_ms - c->downtime_fixed_ms -
	       qmp_model_pause_reserve_ms(c, wire_rate(in, goodput(c, in)),
					  in->compress_ratio > 1);
}

static bool precopy_meets(const struct qmp_model_coef *c,
			  struct qmp_model_input in,
			  const struct qmp_model_target *t, double throttle,
			  struct qmp_model_pred *p)
{
	double lim = qmp_model_limit_for_pause(c, &in, t->max_pause_ms);

	if (lim < 1)
		return false;
	in.downtime_limit_ms = lim;
	in.throttle = throttle;
	return qmp_model_precopy(c, &in, p) == 0 && meets(p, t);
}

/* Smallest pause pre-copy could meet the time target with (0: none). */
static double needed_pause(const struct qmp_model_coef *c,
			   struct qmp_model_input in,
			   const struct qmp_model_target *t)
{
	struct qmp_model_target relaxed = *t;
	struct qmp_model_pred p;
	double lo = t->max_pause_ms, hi = 3600e3;
	int i;

	relaxed.max_pause_ms = hi;
	if (!precopy_meets(c, in, &relaxed, t->max_slowdown, &p))
		return 0;
	for (i = 0; i < SEARCH_STEPS; i++) {
		relaxed.max_pause_ms = (lo + hi) / 2;
		if (precopy_meets(c, in, &relaxed, t->max_slowdown, &p))
			hi = relaxed.max_pause_ms;
		else
			lo = relaxed.max_pause_ms;
	}
	return hi;
}

/* Smallest link rate with which pre-copy meets the target (0: none). */
static double needed_link(const struct qmp_model_coef *c,
			  struct qmp_model_input in,
			  const struct qmp_model_target *t)
{
	struct qmp_model_pred p;
	double lo = in.link_bps, hi = in.link_bps * 1e4;
	int i;

	in.max_bandwidth_bps = 0;	/* palm lifts QEMU's cap with the link */
	in.link_bps = hi;
	if (!precopy_meets(c, in, t, t->max_slowdown, &p))
		return 0;
	for (i = 0; i < SEARCH_STEPS; i++) {
		in.link_bps = (lo + hi) / 2;
		if (precopy_meets(c, in, t, t->max_slowdown, &p))
			hi = in.link_bps;
		else
			lo = in.link_bps;
	}
	return hi;
}

static void explain_infeasible(const struct qmp_model_coef *c,
			       const struct qmp_model_input *in,
			       const struct qmp_model_target *t,
			       struct qmp_model_plan *out)
{
	char pause[64] = "no pause", link[64] = "no link rate";

	/* a target below the switch-over's own cost: no setting helps */
	if (t->max_pause_ms < c->pause_floor_ms) {
		snprintf(out->reason, sizeof(out->reason),
			 "%.0f ms pause is below the %.0f ms this backend's switch-over pauses the guest at the least (pause_floor_ms of the model's coefficients)%s",
			 t->max_pause_ms, c->pause_floor_ms,
			 t->allow_postcopy ? "; post-copy does not fit either" :
					     "; post-copy not allowed");
		return;
	}
	if (t->max_total_s <= c->setup_s + c->job_overhead_s) {
		snprintf(out->reason, sizeof(out->reason),
			 "%.1f s is within the %.1f s this backend's migration job takes whatever the guest (setup_s and job_overhead_s of the model's coefficients)",
			 t->max_total_s, c->setup_s + c->job_overhead_s);
		return;
	}
	if (!(out->needed_pause_ms > 0) && !(out->needed_link_bps > 0) &&
	    t->max_pause_ms <= c->downtime_fixed_ms) {
		snprintf(out->reason, sizeof(out->reason),
			 "%.0f ms pause is below the switch-over's own %.0f ms (QEMU stops, sends its device state and starts the destination): no link rate or setting meets it",
			 t->max_pause_ms, c->downtime_fixed_ms);
		return;
	}
	if (out->needed_pause_ms > 0)
		snprintf(pause, sizeof(pause), ">= %.0f ms pause",
			 ceil(out->needed_pause_ms));
	if (out->needed_link_bps > 0)
		snprintf(link, sizeof(link), ">= %.0f Mbit/s",
			 ceil(out->needed_link_bps * 8 / 1e6));
	snprintf(out->reason, sizeof(out->reason),
		 "%.0f ms pause within %.0f s at %.0f MiB/s dirtying (working set %.0f MiB) over %.0f Mbit/s needs %s or %s%s%s",
		 t->max_pause_ms, t->max_total_s, in->dirty_bps / 1048576,
		 in->ws_bytes / 1048576, in->link_bps * 8 / 1e6, pause, link,
		 t->max_slowdown > 0 ? " even throttled" : "",
		 t->allow_postcopy ? "; post-copy does not fit either" :
				     "; post-copy not allowed");
}

static int plan_mode(const struct qmp_model_coef *c,
		     const struct qmp_model_input *in,
		     const struct qmp_model_target *t,
		     struct qmp_model_plan *out)
{
	struct qmp_model_input base = *in;
	struct qmp_model_pred p;
	double lo, hi;
	int i;

	memset(out, 0, sizeof(*out));
	if (!(t->max_pause_ms > 0) || !(t->max_total_s > 0) ||
	    !(t->max_slowdown >= 0 && t->max_slowdown < 1))
		return -EINVAL;
	base.throttle = 0;
	base.downtime_limit_ms = 0;
	base.return_path = in->return_path || t->allow_postcopy;
	if (!input_ok(&base))
		return -EINVAL;
	out->downtime_limit_ms = qmp_model_limit_for_pause(c, &base,
							   t->max_pause_ms);

	if (precopy_meets(c, base, t, 0, &p)) {
		out->mode = QMP_MODEL_PRECOPY;
		out->pred = p;
		snprintf(out->reason, sizeof(out->reason),
			 "pre-copy meets the target: %d passes, %.1f s, pause %.0f ms",
			 p.passes, p.total_s, p.pause_ms);
		return 0;
	}
	if (t->max_slowdown > 0 &&
	    precopy_meets(c, base, t, t->max_slowdown, &p)) {
		/* the least throttling that still meets the target */
		lo = 0;
		hi = t->max_slowdown;
		for (i = 0; i < SEARCH_STEPS / 2; i++) {
			double mid = (lo + hi) / 2;

			if (precopy_meets(c, base, t, mid, &p))
				hi = mid;
			else
				lo = mid;
		}
		precopy_meets(c, base, t, hi, &p);
		out->mode = QMP_MODEL_PRECOPY_THROTTLED;
		out->pred = p;
		out->throttle = hi;
		snprintf(out->reason, sizeof(out->reason),
			 "pre-copy meets the target only with %.0f%% of the dirtying throttled: %.1f s, pause %.0f ms",
			 hi * 100, p.total_s, p.pause_ms);
		return 0;
	}
	if (t->allow_postcopy) {
		base.downtime_limit_ms = out->downtime_limit_ms;
		if (qmp_model_postcopy(c, &base, &p) == 0 && meets(&p, t)) {
			out->mode = QMP_MODEL_POSTCOPY;
			out->pred = p;
			snprintf(out->reason, sizeof(out->reason),
				 "pre-copy cannot meet the target; post-copy after the first pass: %.1f s, pause %.0f ms",
				 p.total_s, p.pause_ms);
			return 0;
		}
	}
	out->mode = QMP_MODEL_INFEASIBLE;
	base.downtime_limit_ms = fmax(out->downtime_limit_ms, 1);
	base.throttle = t->max_slowdown;
	qmp_model_precopy(c, &base, &out->pred);
	out->needed_pause_ms = needed_pause(c, base, t);
	out->needed_link_bps = needed_link(c, base, t);
	explain_infeasible(c, in, t, out);
	return 0;
}

/*
 * A pre-copy alternative (compression or xbzrle, named how) replaces
 * *best when it meets the target, is faster than *best and saves the
 * minimum gain on the plain plan (plain_s), or when nothing met the
 * target so far.  True when it did.
 */
static bool consider(const struct qmp_model_coef *c,
		     const struct qmp_model_input *alt,
		     const struct qmp_model_target *t, double plain_s,
		     const char *how, struct qmp_model_plan *best)
{
	struct qmp_model_target precopy_only = *t;
	struct qmp_model_plan p;
	char reason[sizeof(best->reason)];

	precopy_only.allow_postcopy = false;
	if (plan_mode(c, alt, &precopy_only, &p) || p.mode == QMP_MODEL_INFEASIBLE)
		return false;
	if (best->mode != QMP_MODEL_INFEASIBLE &&
	    (p.pred.total_s >= best->pred.total_s ||
	     (plain_s > 0 &&
	      p.pred.total_s > plain_s * (1 - QMP_MODEL_COMPRESS_MIN_GAIN))))
		return false;
	if (best->mode == QMP_MODEL_INFEASIBLE)
		snprintf(reason, sizeof(reason), "%.120s, only with %s",
			 p.reason, how);
	else
		snprintf(reason, sizeof(reason), "%.120s, with %s instead of %s in %.1f s",
			 p.reason, how, qmp_model_mode_name(best->mode),
			 best->pred.total_s);
	*best = p;
	memcpy(best->reason, reason, sizeof(reason));
	return true;
}

int qmp_model_plan(const struct qmp_model_coef *c,
		   const struct qmp_model_input *in,
		   const struct qmp_model_target *t,
		   struct qmp_model_plan *out)
{
	struct qmp_model_input plain = *in, alt;
	char how[96];
	double plain_s;
	int err;

	plain.compress_ratio = 0;
	plain.compress_bps = 0;
	plain.xbzrle_ratio = 0;
	err = plan_mode(c, &plain, t, out);
	if (err)
		return err;
	plain_s = out->mode == QMP_MODEL_INFEASIBLE ? 0 : out->pred.total_s;
	if (in->compress_ratio > 1) {
		alt = plain;
		alt.compress_ratio = in->compress_ratio;
		alt.compress_bps = in->compress_bps;
		snprintf(how, sizeof(how), "multifd zstd (%.2fx: %.0f Mbit/s of pages)",
			 in->compress_ratio,
			 goodput(c, &alt) * 8 / 1e6);
		if (consider(c, &alt, t, plain_s, how, out))
			out->compress = true;
	}
	if (in->xbzrle_ratio > 1) {
		alt = plain;
		alt.xbzrle_ratio = in->xbzrle_ratio;
		snprintf(how, sizeof(how), "xbzrle (%.1fx on re-sent pages)",
			 in->xbzrle_ratio);
		if (consider(c, &alt, t, plain_s, how, out))
			out->xbzrle = true;	/* plan_mode cleared compress */
	}
	return 0;
}

const char *qmp_model_mode_name(enum qmp_model_mode mode)
{
	switch (mode) {
	case QMP_MODEL_PRECOPY:
		return "pre-copy";
	case QMP_MODEL_PRECOPY_THROTTLED:
		return "pre-copy-throttled";
	case QMP_MODEL_POSTCOPY:
		return "post-copy";
	case QMP_MODEL_INFEASIBLE:
		return "infeasible";
	}
	return "unknown";
}
