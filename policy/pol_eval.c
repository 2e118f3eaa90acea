// SPDX-License-Identifier: GPL-2.0
/*
 * Predictor evaluation.  An alarm episode starts when a host's alarm of
 * one kind rises; it is true if that kind of failure strikes the host
 * within pol_pred_window_s().  A failure is detected if an alarm of its
 * kind rose on its host in the window before it; the lead time is from
 * the earliest such alarm to the strike.
 */
#include "policy/pol_eval.h"
#include "policy/pol_sim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct alarm_rec {
	unsigned int host;
	int kind;
	double t;
};

const char *pol_fail_kind_name(int kind)
{
	static const char *const n[POL_FK_COUNT] = {
		"overload", "memory", "fault"
	};

	return kind >= 0 && kind < POL_FK_COUNT ? n[kind] : "?";
}

double pol_pred_window_s(int kind)
{
	/* overloads ramp within ~2 h, leaks last up to 6 h, storms ~2 h */
	return kind == POL_FK_MEMORY ? 8 * 3600.0 :
	       kind == POL_FK_OVERLOAD ? 2 * 3600.0 : 3 * 3600.0;
}

int pol_predict_eval_day(const struct pol_scenario *scn,
			 const struct pol_trace *tr, uint64_t seed,
			 struct pol_pred_metrics *acc, char *err,
			 size_t errlen)
{
	struct alarm_rec *rec = NULL, *g;
	unsigned int n = 0, cap = 0, h, i, j;
	bool *prev = NULL;
	struct pol_sim s;
	int ret, k;

	ret = pol_sim_init(&s, scn, tr, seed, err, errlen);
	if (ret)
		return ret;
	prev = calloc((size_t)s.c.n_hosts * POL_FK_COUNT, sizeof(*prev));
	if (!prev) {
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		for (h = 0; h < s.c.n_hosts; h++)
			for (k = 0; k < POL_FK_COUNT; k++) {
				bool a = s.c.hosts[h].fc.alarm[k];

				if (a && !prev[h * POL_FK_COUNT + k]) {
					if (n == cap) {
						cap = cap ? 2 * cap : 256;
						g = realloc(rec, cap * sizeof(*rec));
						if (!g) {
							ret = -ENOMEM;
							goto out;
						}
						rec = g;
					}
					rec[n++] = (struct alarm_rec){ h, k, s.c.now_s };
				}
				prev[h * POL_FK_COUNT + k] = a;
			}
		if (pol_sim_done(&s))
			break;
		pol_sim_advance(&s);
	}
	for (i = 0; i < n; i++) {
		acc->alarms[rec[i].kind]++;
		for (j = 0; j < s.n_ev; j++) {
			const struct pol_event *e = &s.ev[j];

			if (e->struck && e->host == rec[i].host &&
			    e->kind == rec[i].kind && e->struck_s >= rec[i].t &&
			    e->struck_s - rec[i].t <= pol_pred_window_s(e->kind)) {
				acc->true_alarms[rec[i].kind]++;
				break;
			}
		}
	}
	for (j = 0; j < s.n_ev; j++) {
		const struct pol_event *e = &s.ev[j];
		double first = -1;

		if (!e->struck)
			continue;
		acc->events[e->kind]++;
		for (i = 0; i < n; i++)
			if (rec[i].host == e->host && rec[i].kind == e->kind &&
			    rec[i].t <= e->struck_s &&
			    e->struck_s - rec[i].t <= pol_pred_window_s(e->kind) &&
			    (first < 0 || rec[i].t < first))
				first = rec[i].t;
		if (first >= 0) {
			acc->detected[e->kind]++;
			acc->ahead[e->kind] += first < e->struck_s;
			acc->lead_s[e->kind] += e->struck_s - first;
		}
	}
out:
	free(rec);
	free(prev);
	pol_sim_free(&s);
	return ret;
}
