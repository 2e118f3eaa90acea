/* SPDX-License-Identifier: GPL-2.0 */
/* Offline evaluation: predictor quality on held-out days. */
#ifndef PALM_POL_EVAL_H
#define PALM_POL_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "policy/pol_cluster.h"
#include "policy/pol_scenario.h"
#include "policy/pol_trace.h"

/* an alarm is true if its failure strikes within this window */
double pol_pred_window_s(int kind);

struct pol_pred_metrics {
	unsigned int alarms[POL_FK_COUNT];	/* alarm episodes raised */
	unsigned int true_alarms[POL_FK_COUNT];	/* followed by that failure */
	unsigned int events[POL_FK_COUNT];	/* failures that struck */
	unsigned int detected[POL_FK_COUNT];	/* ... with an alarm before */
	/* ... raised strictly before the strike: a lead-0 alarm (demand
	 * already above capacity) counts as detected, but nothing can be
	 * moved in time on it */
	unsigned int ahead[POL_FK_COUNT];
	double lead_s[POL_FK_COUNT];		/* sum over detected */
};

/* Run one day without migrations and score the predictor's alarms. */
int pol_predict_eval_day(const struct pol_scenario *scn,
			 const struct pol_trace *tr, uint64_t seed,
			 struct pol_pred_metrics *acc, char *err,
			 size_t errlen);
const char *pol_fail_kind_name(int kind);

#endif
