// SPDX-License-Identifier: GPL-2.0
/*
 * Predictor.  Choices, briefly:
 *  - CPU: Holt's double exponential smoothing.  O(n) on the last hour,
 *    follows a ramp (trend term) while damping PlanetLab's sample noise;
 *    extrapolating level + k*trend gives a crossing time directly.  The
 *    confidence is the trend's signal-to-noise (one-sided normal).
 *  - Memory: ordinary least squares over the last hour.  A leak is a
 *    steady linear growth; the slope's t statistic separates it from the
 *    CPU-driven wobble of resident memory.  TTF = headroom / slope.
 *  - Hardware: corrected errors are counts, so a Poisson rate-of-change
 *    test: recent count vs. the older baseline rate; an error storm shows
 *    as a large z.  The z test needs ~8 errors in the recent window, which
 *    a storm's first minutes do not give; a CUSUM of the log-likelihood
 *    ratio (baseline vs. baseline + ce_shift per step) alarms on the
 *    first steps (in the simulator: mean lead +1.5 to 2 min, ~1.3 more
 *    false alarms per 100-host day).  Either test
 *    alarms: once a long storm's early steps fall into the baseline
 *    window the CUSUM fades while the z test still sees the rise.
 *    Counts say little about *when*, so the lead time is a fixed prior
 *    (ce_ttf_s).
 */
#include "policy/pol_predict.h"

#include <errno.h>
#include <math.h>
#include <string.h>

void pol_predict_defaults(struct pol_predict_cfg *cfg)
{
	cfg->holt_alpha = 0.5;
	cfg->holt_beta = 0.3;
	cfg->cpu_horizon_s = 3600;
	cfg->cpu_min_conf = 0.6;
	cfg->cpu_split = true;
	cfg->mem_horizon_s = 6 * 3600;
	cfg->mem_min_t = 5;
	cfg->ce_min_z = 5;
	cfg->ce_min_count = 8;
	/* a storm starts at ~3 errors per step above its host's baseline;
	 * 9 chosen on the training days of both scenarios (of 7-10) */
	cfg->ce_shift = 3;
	cfg->ce_min_llr = 9;
	cfg->ce_ttf_s = 1800;
}

double pol_norm_cdf(double z)
{
	return 0.5 * erfc(-z / M_SQRT2);
}

int pol_holt(const double *x, unsigned int n, double alpha, double beta,
	     double *level, double *trend, double *resid_sd)
{
	double l, b, lp, e, se = 0;
	unsigned int i;

	if (n < 3)
		return -EINVAL;
	l = x[0];
	b = x[1] - x[0];
	for (i = 1; i < n; i++) {
		e = x[i] - (l + b);
		se += e * e;
		lp = l;
		l = alpha * x[i] + (1 - alpha) * (l + b);
		b = beta * (l - lp) + (1 - beta) * b;
	}
	*level = l;
	*trend = b;
	*resid_sd = sqrt(se / (n - 1));
	return 0;
}

int pol_linreg(const double *x, unsigned int n, double *slope,
	       double *intercept, double *slope_se)
{
	double mt = (n - 1) / 2.0, mx = 0, sxx = 0, sxt = 0, r, sse = 0;
	unsigned int i;

	if (n < 3)
		return -EINVAL;
	for (i = 0; i < n; i++)
		mx += x[i];
	mx /= n;
	for (i = 0; i < n; i++) {
		sxt += (i - mt) * (x[i] - mx);
		sxx += (i - mt) * (i - mt);
	}
	*slope = sxt / sxx;
	*intercept = mx - *slope * mt;
	for (i = 0; i < n; i++) {
		r = x[i] - (*intercept + *slope * i);
		sse += r * r;
	}
	*slope_se = sqrt(sse / (n - 2) / sxx);
	return 0;
}

int pol_loess_next(const double *x, unsigned int n, double *next)
{
	double sw = 0, st = 0, sx = 0, stt = 0, stx = 0, w, d, u, den, b;
	unsigned int i;

	if (n < 3)
		return -EINVAL;
	/* tricube weights by distance from the newest sample */
	for (i = 0; i < n; i++) {
		u = (double)(n - 1 - i) / n;
		w = pow(1 - u * u * u, 3);
		sw += w;
		st += w * i;
		sx += w * x[i];
		stt += w * i * i;
		stx += w * i * x[i];
	}
	den = sw * stt - st * st;
	if (fabs(den) < 1e-12) {
		*next = x[n - 1];
		return 0;
	}
	b = (sw * stx - st * sx) / den;
	d = (sx - b * st) / sw;
	*next = d + b * n;
	return 0;
}

/*
 * Errors per step before the newest `recent` steps.  The +1 prior (one
 * error in the baseline window) keeps the rate above 0 on a quiet host.
 */
static double ce_baseline(const double *ce, unsigned int n,
			  unsigned int recent)
{
	double old = 0;
	unsigned int i;

	for (i = 0; i < n - recent; i++)
		old += ce[i];
	return (old + 1) / (n - recent);
}

double pol_ce_z(const double *ce, unsigned int n, unsigned int recent)
{
	double rec = 0, expct;
	unsigned int i;

	if (n <= recent || recent == 0)
		return 0;
	for (i = n - recent; i < n; i++)
		rec += ce[i];
	expct = ce_baseline(ce, n, recent) * recent;
	return (rec - expct) / sqrt(expct);
}

double pol_ce_cusum(const double *ce, unsigned int n, unsigned int recent,
		    double shift)
{
	double base, per_error, s = 0;
	unsigned int i;

	if (n <= recent || recent == 0 || shift <= 0)
		return 0;
	base = ce_baseline(ce, n, recent);
	per_error = log((base + shift) / base);
	for (i = n - recent; i < n; i++)
		s = fmax(0, s + ce[i] * per_error - shift);
	return s;
}

/* First step within the horizon where level + k * trend + base > 1.0. */
static unsigned int crossing(double l, double b, double base,
			     unsigned int kmax)
{
	unsigned int k;

	for (k = 1; k <= kmax; k++)
		if (base + l + b * k > 1.0)
			return k;
	return 0;
}

/* One-sided confidence that a Holt trend is real: its signal to noise. */
static double trend_conf(double b, double sd, unsigned int n)
{
	return b > 0 ? pol_norm_cdf(b / (sd / sqrt(n) + 1e-3) - 2) : 0;
}

/*
 * own: the host's own (non-VM) load, utilisation, or NULL.  VM demand
 * is noisy and mean-reverting while the host's own load drifts
 * smoothly, so on the total the noise hides a ramp until it is nearly
 * over.  Each part's trend is therefore tested on its own: a
 * significant own-load trend is extrapolated on top of the VMs' level.
 */
static void predict_cpu(const struct pol_predict_cfg *cfg,
			const struct pol_host *h, const double *own,
			unsigned int n, double step_s, struct pol_forecast *fc)
{
	double l, b, sd, lo, bo, sdo, ct, co = 0;
	unsigned int kt, ko = 0;
	unsigned int kmax = (unsigned int)(cfg->cpu_horizon_s / step_s);
	double now = h->cores > 0 ? h->cpu_demand / h->cores : 0;

	if (now > 1.0) {
		fc->util_1h = now;
		fc->alarm[POL_FK_OVERLOAD] = true;
		fc->ttf_s[POL_FK_OVERLOAD] = 0;
		fc->conf[POL_FK_OVERLOAD] = 1;
		return;
	}
	fc->util_1h = now;
	if (pol_holt(h->cpu_hist, n, cfg->holt_alpha, cfg->holt_beta, &l, &b,
		     &sd))
		return;
	fc->util_1h = l + b * kmax;
	ct = trend_conf(b, sd, n);
	kt = b > 0 ? crossing(l, b, 0, kmax) : 0;
	if (own && !pol_holt(own, n, cfg->holt_alpha, cfg->holt_beta, &lo, &bo,
			     &sdo)) {
		co = trend_conf(bo, sdo, n);
		if (co >= cfg->cpu_min_conf) {
			/* Holt is linear: l - lo is the VMs' smoothed level */
			ko = crossing(lo, bo, l - lo, kmax);
			fc->util_1h = l + bo * kmax;
		}
	}
	if (ko && (!kt || ct < cfg->cpu_min_conf || ko < kt)) {
		fc->ttf_s[POL_FK_OVERLOAD] = ko * step_s;
		fc->conf[POL_FK_OVERLOAD] = co;
		fc->alarm[POL_FK_OVERLOAD] = true;
	} else if (kt) {
		fc->ttf_s[POL_FK_OVERLOAD] = kt * step_s;
		fc->conf[POL_FK_OVERLOAD] = ct;
		fc->alarm[POL_FK_OVERLOAD] = ct >= cfg->cpu_min_conf;
	} else {
		fc->conf[POL_FK_OVERLOAD] = fmax(ct, co);
	}
}

static void predict_mem(const struct pol_predict_cfg *cfg,
			const struct pol_host *h, unsigned int n,
			double step_s, struct pol_forecast *fc)
{
	double slope, icpt, se, t, ttf;

	if (n < 6 || pol_linreg(h->mem_hist, n, &slope, &icpt, &se) ||
	    slope <= 0)
		return;
	t = slope / (se + 1.0);	/* +1 byte: a perfectly linear series */
	fc->conf[POL_FK_MEMORY] = pol_norm_cdf(t - cfg->mem_min_t + 2);
	ttf = (h->mem_bytes - h->mem_used) / slope * step_s;
	if (ttf < 0)
		ttf = 0;
	fc->ttf_s[POL_FK_MEMORY] = ttf;
	fc->alarm[POL_FK_MEMORY] = t >= cfg->mem_min_t &&
				   ttf <= cfg->mem_horizon_s;
}

static void predict_fault(const struct pol_predict_cfg *cfg,
			  const struct pol_host *h, unsigned int n,
			  struct pol_forecast *fc)
{
	double z, rec;
	bool rising, z_alarm, cusum_alarm;

	if (n < 6)
		return;
	rec = h->ce_hist[n - 1] + h->ce_hist[n - 2] + h->ce_hist[n - 3];
	z = pol_ce_z(h->ce_hist, n, 3);
	fc->conf[POL_FK_FAULT] = z > 0 ? 1 - exp(-z / cfg->ce_min_z) : 0;
	/* rising: the newest step is not below the oldest recent one */
	rising = h->ce_hist[n - 1] >= h->ce_hist[n - 3];
	z_alarm = z >= cfg->ce_min_z && rec >= cfg->ce_min_count;
	cusum_alarm = pol_ce_cusum(h->ce_hist, n, 3, cfg->ce_shift) >=
		      cfg->ce_min_llr;
	if (rising && (z_alarm || cusum_alarm)) {
		fc->alarm[POL_FK_FAULT] = true;
		fc->ttf_s[POL_FK_FAULT] = cfg->ce_ttf_s;
	}
}

void pol_predict_host_split(const struct pol_predict_cfg *cfg,
			    const struct pol_host *h, const double *own,
			    unsigned int n_hist, double step_s,
			    struct pol_forecast *fc)
{
	double best = INFINITY;
	int k;

	memset(fc, 0, sizeof(*fc));
	fc->kind = -1;
	if (h->failed)
		return;
	predict_cpu(cfg, h, own, n_hist, step_s, fc);
	predict_mem(cfg, h, n_hist, step_s, fc);
	predict_fault(cfg, h, n_hist, fc);
	for (k = 0; k < POL_FK_COUNT; k++)
		if (fc->alarm[k] && fc->ttf_s[k] < best) {
			best = fc->ttf_s[k];
			fc->kind = k;
		}
}

void pol_predict_host(const struct pol_predict_cfg *cfg,
		      const struct pol_host *h, unsigned int n_hist,
		      double step_s, struct pol_forecast *fc)
{
	pol_predict_host_split(cfg, h, NULL, n_hist, step_s, fc);
}

/*
 * The host's own load = its series minus those of the VMs resident now
 * (palmd samples both); needs the VM index, else no split.
 */
static void own_series(const struct pol_cluster *c, unsigned int h,
		       double *own)
{
	const struct pol_host *hh = &c->hosts[h];
	unsigned int i, k;

	for (k = 0; k < c->n_hist; k++)
		own[k] = hh->cpu_hist[k] * hh->cores;
	for (i = c->vm_start[h]; i < c->vm_start[h + 1]; i++)
		for (k = 0; k < c->n_hist; k++)
			own[k] -= c->vms[c->vm_list[i]].cpu_hist[k];
	/* rounding: a VM-only host has no negative own load */
	for (k = 0; k < c->n_hist; k++)
		own[k] = fmax(own[k], 0) / hh->cores;
}

void pol_predict_cluster(const struct pol_predict_cfg *cfg,
			 struct pol_cluster *c)
{
	double own[POL_HIST];
	unsigned int h;

	for (h = 0; h < c->n_hosts; h++) {
		bool split = cfg->cpu_split && c->vm_start &&
			     c->hosts[h].cores > 0;

		if (split)
			own_series(c, h, own);
		pol_predict_host_split(cfg, &c->hosts[h], split ? own : NULL,
				       c->n_hist, c->step_s, &c->hosts[h].fc);
	}
}
