/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the files of `palmctl policy`: its options and loaders. */
#ifndef PALM_POL_CLI_PRIV_H
#define PALM_POL_CLI_PRIV_H

#include <stdint.h>

#include "policy/pol_dqn.h"
#include "policy/pol_scenario.h"
#include "policy/pol_trace.h"

#define POL_CLI_MAX_DAYS 16
#define POL_CLI_ERRLEN 512

struct pol_cli_opts {
	const char *scenario, *traces, *policy, *out, *json, *curve, *init;
	const char *model;
	char days_buf[1024], train_buf[1024];	/* argv is left untouched */
	const char *days[POL_CLI_MAX_DAYS], *train_days[POL_CLI_MAX_DAYS];
	unsigned int n_days, n_train_days;
	unsigned int episodes, seeds, step, reps, hosts, eval_every, demo;
	unsigned int val_seeds;
	unsigned int pretrain, lr_e6, mig_cost_milli;
	int host;
	uint64_t seed;
	unsigned int policies;		/* bitmask of kinds */
};

/* Each reports its error on stderr and returns nonzero. */
int pol_cli_load_scenario(const struct pol_cli_opts *o, struct pol_scenario *s);
int pol_cli_load_days(const struct pol_cli_opts *o, const char *const *days,
		      unsigned int n, struct pol_trace *tr);
void pol_cli_free_days(struct pol_trace *tr, unsigned int n);
/* A policy file; nonzero if it is unusable (the caller falls back). */
int pol_cli_load_dqn(const char *path, struct pol_dqn *q);

/* `palmctl policy eval` (pol_cli_eval.c); a process exit status. */
int pol_cli_eval(const struct pol_cli_opts *o);

#endif
