/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Failure prediction ("when"): CPU overload by Holt's linear trend,
 * memory exhaustion by a least-squares growth trend, hardware-fault risk
 * by a rate-of-change (Poisson) test on corrected-error counts, and a
 * CUSUM on the same counts for a storm's first steps.
 */
#ifndef PALM_POL_PREDICT_H
#define PALM_POL_PREDICT_H

#include <stdbool.h>

#include "policy/pol_cluster.h"

struct pol_predict_cfg {
	double holt_alpha, holt_beta;
	double cpu_horizon_s;	/* alarm if overload forecast within this */
	double cpu_min_conf;
	bool cpu_split;		/* test the own (non-VM) load apart */
	double mem_horizon_s;
	double mem_min_t;	/* t statistic of the growth slope */
	double ce_min_z;	/* Poisson z of the recent error count */
	double ce_min_count;
	double ce_shift;	/* errors per step above baseline: a storm */
	double ce_min_llr;	/* CUSUM alarm threshold (log-likelihood) */
	double ce_ttf_s;	/* assumed lead for an error storm */
};

void pol_predict_defaults(struct pol_predict_cfg *cfg);

/* Building blocks, exposed for tests and baselines. */
int pol_holt(const double *x, unsigned int n, double alpha, double beta,
	     double *level, double *trend, double *resid_sd);
int pol_linreg(const double *x, unsigned int n, double *slope,
	       double *intercept, double *slope_se);
/* Tricube-weighted local linear regression, value one step ahead. */
int pol_loess_next(const double *x, unsigned int n, double *next);
double pol_ce_z(const double *ce, unsigned int n, unsigned int recent);
/* CUSUM of the Poisson log-likelihood ratio over the newest `recent`
 * counts: baseline rate (from the older ones) against baseline + shift. */
double pol_ce_cusum(const double *ce, unsigned int n, unsigned int recent,
		    double shift);
double pol_norm_cdf(double z);

void pol_predict_host(const struct pol_predict_cfg *cfg,
		      const struct pol_host *h, unsigned int n_hist,
		      double step_s, struct pol_forecast *fc);
/* Same, with the host's own (non-VM) load as its own series (or NULL). */
void pol_predict_host_split(const struct pol_predict_cfg *cfg,
			    const struct pol_host *h, const double *own,
			    unsigned int n_hist, double step_s,
			    struct pol_forecast *fc);
void pol_predict_cluster(const struct pol_predict_cfg *cfg,
			 struct pol_cluster *c);

#endif
