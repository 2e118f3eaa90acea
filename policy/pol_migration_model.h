/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cost of one live migration, for the simulator and the policy's
 * features: the migration controller's own model (qmp/qmp_model.h, with
 * the coefficients fitted on palm's measured migrations), doing what the
 * controller would do, so that what the policy learns transfers to real
 * migrations.
 */
#ifndef PALM_POL_MIGRATION_MODEL_H
#define PALM_POL_MIGRATION_MODEL_H

#include <stdbool.h>

#include "qmp/qmp_model.h"

struct pol_mig_input {
	double mem_bytes;	/* guest RAM size */
	double used_frac;	/* share of RAM in use (non-zero pages) */
	double dirty_bps;	/* page dirtying rate, bytes/s */
	double bw_bps;		/* path bandwidth available, bytes/s */
	double latency_s;	/* path round-trip latency */
	double budget_s;	/* downtime the VM tolerates (QoS max pause) */
	double src_load;	/* source host CPU utilisation 0..1+ */
	double dst_load;	/* destination host CPU utilisation 0..1+ */
};

struct pol_mig_cost {
	double total_s;		/* start to resume on the destination */
	double downtime_s;	/* guest paused */
	double bytes;		/* bytes sent over the path */
	double src_cpu_s;	/* core-seconds spent on the source */
	double dst_cpu_s;
	unsigned int rounds;	/* pre-copy passes */
	bool converged;		/* pre-copy met the pause budget */
	bool postcopy;		/* it could not: post-copy after pass 1 */
};

/* c: the controller's coefficients; NULL: qmp_model_coef_defaults(). */
int pol_mig_estimate(const struct qmp_model_coef *c,
		     const struct pol_mig_input *in, struct pol_mig_cost *out);

#endif
