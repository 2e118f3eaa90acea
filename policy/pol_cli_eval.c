// SPDX-License-Identifier: GPL-2.0
/*
 * `palmctl policy eval`: every policy over held-out days and seeds, the
 * table (text, Markdown, JSON, gnuplot data), and each learned policy
 * paired run by run with each heuristic.
 */
#include "policy/pol_cli_priv.h"
#include "policy/pol_paired.h"
#include "policy/pol_run.h"
#include "policy/pol_train.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_MET 24
static const char *const met_names[N_MET] = {
	"sla_violation_share", "avoidable_sla_share", "vms_caught", "downtime_s", "packets_lost",
	"migrations", "gbytes_moved", "predictable_failures",
	"evacuated_share", "decision_us_mean", "decision_us_max",
	"reward", "wall_s", "evacuated_share_overload",
	"evacuated_share_memory", "evacuated_share_fault",
	"migrations_quiet_host", "migrations_false_alarm",
	"migrations_false_overload", "migrations_false_memory",
	"migrations_false_fault", "fault_caught_unalarmed",
	"fault_caught_rate_bound", "fault_caught_after_alarm",
};

static void metrics_of(const struct pol_run_result *r,
		       const struct pol_scenario *scn, double *m)
{
	int k;

	m[0] = r->sla_share;
	m[1] = r->avoidable_share;
	m[2] = r->st.caught;
	m[3] = r->st.downtime_s;
	m[4] = r->st.pkt_lost;
	m[5] = r->st.migrations;
	m[6] = r->st.bytes / 1e9;
	m[7] = r->st.predictable;
	m[8] = r->st.predictable ? (double)r->st.evacuated / r->st.predictable : 1;
	m[9] = r->lat_mean_us;
	m[10] = r->lat_max_us;
	m[11] = pol_run_reward(r, scn);
	m[12] = r->wall_s;
	for (k = 0; k < POL_FK_COUNT; k++)
		m[13 + k] = r->st.pred_k[k] ?
			(double)r->st.evac_k[k] / r->st.pred_k[k] : 1;
	m[16] = r->st.mig_quiet;
	m[17] = 0;
	for (k = 0; k < POL_FK_COUNT; k++) {
		m[18 + k] = r->st.mig_false[k];
		m[17] += r->st.mig_false[k];
	}
	m[21] = r->st.fault_caught_unalarmed;
	m[22] = r->st.fault_caught_rate_bound;
	m[23] = r->st.fault_caught_after_alarm;
}

#define MAX_POL_FILES 8

struct eval_acc {
	double sum[N_MET], sq[N_MET];
	unsigned int n;
};

static void acc_add(struct eval_acc *a, const double *m)
{
	unsigned int i;

	for (i = 0; i < N_MET; i++) {
		a->sum[i] += m[i];
		a->sq[i] += m[i] * m[i];
	}
	a->n++;
}

static void acc_final(const struct eval_acc *a, double *mean, double *sd)
{
	unsigned int i;

	for (i = 0; i < N_MET; i++) {
		mean[i] = a->n ? a->sum[i] / a->n : 0;
		sd[i] = a->n ? sqrt(fmax(0, a->sq[i] / a->n - mean[i] * mean[i])) : 0;
	}
}

/* One policy (one file for dqn) over every day and seed. */
static int eval_rows(const struct pol_cli_opts *o, const struct pol_scenario *scn,
		     const struct pol_trace *tr, enum pol_policy_kind kind,
		     struct pol_dqn *q, struct eval_acc *acc, double *per_run)
{
	struct pol_run_result r;
	struct pol_policy p;
	char err[POL_CLI_ERRLEN];
	double m[N_MET];
	unsigned int d, s;

	for (d = 0; d < o->n_days; d++)
		for (s = 0; s < o->seeds; s++) {
			pol_policy_init(&p, kind, o->seed + s);
			p.dqn = q;
			if (pol_run_day(&p, scn, &tr[d], o->seed * 7919 + s, &r, err,
					sizeof(err))) {
				pol_policy_free(&p);
				fprintf(stderr, "policy eval: %s\n", err);
				return -EINVAL;
			}
			pol_policy_free(&p);
			metrics_of(&r, scn, m);
			acc_add(acc, m);
			memcpy(per_run + (size_t)(d * o->seeds + s) * N_MET, m,
			       sizeof(m));
		}
	return 0;
}

static void print_row(const char *label, const double *mean, FILE *md,
		      FILE *dat, const double *sd)
{
	printf("%-8s %10.6f %10.6f %7.1f %8.1f %9.0f %6.1f %6.1f %7.1f %6.3f %7.2f\n",
	       label, mean[0], mean[1], mean[2], mean[3], mean[4], mean[5],
	       mean[17], mean[6], mean[8], mean[9]);
	if (md)
		fprintf(md, "| %s | %.6f ± %.6f | %.6f ± %.6f | %.1f | %.1f | %.0f | %.1f ± %.1f | %.1f | %.3f (%.2f / %.2f / %.2f) | %.1f / %.1f |\n",
			label, mean[0], sd[0], mean[1], sd[1], mean[2], mean[3],
			mean[4], mean[5], sd[5], mean[6], mean[8], mean[13],
			mean[14], mean[15], mean[9], mean[10]);
	if (dat)
		fprintf(dat, "%s %.9g %.9g %.9g %.9g %.9g %.9g %.9g %.9g\n", label,
			mean[0], sd[0], mean[1], sd[1], mean[5], sd[5], mean[2],
			sd[2]);
}

/* s as a JSON string, escaped and whole; NULL if it is not UTF-8. */
static char *json_quote(const char *s)
{
	json_t *j = json_string(s);
	char *q = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	json_decref(j);
	return q;
}

/* One policy's row; file (the policy file as given) may be NULL. */
static void json_row(FILE *js, const char *label, const char *file,
		     const double *mean, const double *sd, unsigned int n,
		     const char *extra, int *first)
{
	unsigned int i;
	char *quoted;

	if (!js)
		return;
	fprintf(js, "%s\n    \"%s\": {\"runs\": %u,", *first ? "" : ",", label,
		n);
	if (file) {
		quoted = json_quote(file);
		fprintf(js, " \"file\": %s,", quoted ? quoted : "null");
		free(quoted);
	}
	fputs(extra, js);
	for (i = 0; i < N_MET; i++)
		fprintf(js, "%s\n      \"%s\": {\"mean\": %.9g, \"sd\": %.9g}",
			i ? "," : "", met_names[i], mean[i], sd[i]);
	fprintf(js, "\n    }");
	*first = 0;
}

/* What the targets compare a learned policy on, against each heuristic. */
static const unsigned int paired_met[] = { 0, 1, 5 };
#define N_PAIRED (sizeof(paired_met) / sizeof(paired_met[0]))
#define PAIRED_RESAMPLES 4000

static void fmt_paired(char *buf, size_t len, const struct pol_paired *p)
{
	if (isnan(p->rel))
		snprintf(buf, len, "%+.3g (base 0), %u better / %u worse",
			 p->diff, p->better, p->worse);
	else if (isnan(p->rel_lo))
		snprintf(buf, len, "%+.0f %% (interval undefined: base 0 in a resample), %u better / %u worse",
			 p->rel * 100, p->better, p->worse);
	else
		snprintf(buf, len, "%+.0f %% [%+.0f, %+.0f], %u better / %u worse",
			 p->rel * 100, p->rel_lo * 100, p->rel_hi * 100,
			 p->better, p->worse);
}

/* One comparison as a JSON object; JSON has no NaN: undefined is null. */
static void json_paired(FILE *js, const char *label, int against,
			unsigned int met, const struct pol_paired *p,
			int *first)
{
	fprintf(js, "%s\n    {\"policy\": \"%s\", \"against\": \"%s\", \"metric\": \"%s\", \"runs\": %u, \"mean\": %.9g, \"mean_against\": %.9g, \"diff\": %.9g, \"diff_lo\": %.9g, \"diff_hi\": %.9g, ",
		*first ? "" : ",", label, pol_policy_name(against),
		met_names[met], p->runs, p->mean_other, p->mean_base, p->diff,
		p->diff_lo, p->diff_hi);
	if (isnan(p->rel))
		fputs("\"rel\": null, ", js);
	else
		fprintf(js, "\"rel\": %.9g, ", p->rel);
	if (isnan(p->rel_lo))
		fputs("\"rel_lo\": null, \"rel_hi\": null, ", js);
	else
		fprintf(js, "\"rel_lo\": %.9g, \"rel_hi\": %.9g, ", p->rel_lo,
			p->rel_hi);
	fprintf(js, "\"better\": %u, \"worse\": %u, \"ties\": %u}", p->better,
		p->worse, p->ties);
	*first = 0;
}

/* Column met of a row's runs (row k: heuristic k; POL_P_COUNT + i: file i). */
static void run_column(const double *per_run, unsigned int row,
		       unsigned int n_runs, unsigned int met, double *col)
{
	unsigned int r;

	for (r = 0; r < n_runs; r++)
		col[r] = per_run[((size_t)row * n_runs + r) * N_MET + met];
}

/*
 * Each learned policy against each heuristic the command evaluated (not
 * the oracle), run by run on the same days and seeds.
 */
static int print_paired(const struct pol_cli_opts *o, const double *per_run,
			unsigned int n_runs, unsigned int n_q, FILE *js,
			FILE *md)
{
	double *base = NULL, *other = NULL;
	struct pol_paired p;
	char label[32], cell[N_PAIRED][128];
	unsigned int i, j;
	bool opened = false;
	int k, ret = 0, first = 1;

	base = malloc(n_runs * sizeof(*base));
	other = malloc(n_runs * sizeof(*other));
	if (!base || !other) {
		ret = -ENOMEM;
		goto out;
	}
	printf("paired on the same %u runs (learned - heuristic, lower is better; 95 %% bootstrap interval):\n",
	       n_runs);
	if (md)
		fputs("\n| learned | against | SLA violation share | avoidable share | migrations |\n"
		      "|---|---|---|---|---|\n", md);
	if (js)
		fputs(",\n  \"paired\": [", js);
	opened = true;
	for (i = 0; i < n_q; i++) {
		snprintf(label, sizeof(label), n_q > 1 ? "dqn#%u" : "dqn", i + 1);
		for (k = POL_P_RANDOM; k < POL_P_DQN; k++) {
			/* the oracle's shares are ~0: a change relative to
			 * them says nothing; the gap is in the table */
			if (!(o->policies & (1u << k)) || k == POL_P_ORACLE)
				continue;
			for (j = 0; j < N_PAIRED; j++) {
				run_column(per_run, (unsigned int)k, n_runs,
					   paired_met[j], base);
				run_column(per_run, POL_P_COUNT + i, n_runs,
					   paired_met[j], other);
				ret = pol_paired_compare(base, other, n_runs,
							 PAIRED_RESAMPLES,
							 o->seed * 131 + j, &p);
				if (ret)
					goto out;
				fmt_paired(cell[j], sizeof(cell[j]), &p);
				if (js)
					json_paired(js, label, k, paired_met[j],
						    &p, &first);
			}
			printf("  %-6s vs %-8s SLA %s; avoidable %s; migrations %s\n",
			       label, pol_policy_name(k), cell[0], cell[1], cell[2]);
			if (md)
				fprintf(md, "| %s | %s | %s | %s | %s |\n", label,
					pol_policy_name(k), cell[0], cell[1],
					cell[2]);
		}
	}
out:
	/* closed on failure too: the JSON stays well-formed */
	if (js && opened)
		fputs("\n  ]", js);
	if (ret)
		fprintf(stderr, "policy eval: paired comparison: %s\n",
			strerror(-ret));
	free(base);
	free(other);
	return ret;
}

int pol_cli_eval(const struct pol_cli_opts *o)
{
	struct pol_trace tr[POL_CLI_MAX_DAYS];
	struct pol_dqn q[MAX_POL_FILES];
	char files[1024], *save = NULL, *tok, label[32], extra[64], *quoted;
	const char *fname[MAX_POL_FILES];
	struct eval_acc acc, pooled;
	double mean[N_MET], sd[N_MET], seed_sla[MAX_POL_FILES];
	struct pol_scenario scn;
	unsigned int n_q = 0, i, d;
	unsigned int n_runs = o->n_days * o->seeds;
	FILE *js = NULL, *md = NULL, *dat = NULL;
	double *per_run = NULL;
	bool policies_open = true;
	int k, ret = 1, first = 1;

	if (!o->n_days) {
		fprintf(stderr, "policy eval: --days is required\n");
		return 2;
	}
	if (pol_cli_load_scenario(o, &scn) || pol_cli_load_days(o, o->days, o->n_days, tr))
		return 1;
	/* every row's runs, kept for the paired comparison */
	per_run = calloc((size_t)(POL_P_COUNT + MAX_POL_FILES) * n_runs * N_MET,
			 sizeof(*per_run));
	if (!per_run) {
		fprintf(stderr, "policy eval: out of memory\n");
		goto out;
	}
	if ((o->policies & (1u << POL_P_DQN)) && o->policy) {
		if (strlen(o->policy) >= sizeof(files)) {
			fprintf(stderr, "policy eval: --policy list too long\n");
			goto out;
		}
		strcpy(files, o->policy);
		for (tok = strtok_r(files, ",", &save); tok && n_q < MAX_POL_FILES;
		     tok = strtok_r(NULL, ",", &save))
			if (pol_cli_load_dqn(tok, &q[n_q]) == 0)
				fname[n_q++] = tok;
	}
	if ((o->policies & (1u << POL_P_DQN)) && !n_q)
		fprintf(stderr, "policy eval: no usable policy file; the dqn row uses the bestfit heuristic (fallback)\n");
	if (o->json && !(js = fopen(o->json, "w")))
		fprintf(stderr, "policy: %s: %s\n", o->json, strerror(errno));
	if (o->out && !(md = fopen(o->out, "w")))
		fprintf(stderr, "policy: %s: %s\n", o->out, strerror(errno));
	if (o->curve && !(dat = fopen(o->curve, "w")))
		fprintf(stderr, "policy: %s: %s\n", o->curve, strerror(errno));
	if (js) {
		fprintf(js, "{\n  \"days\": [");
		for (d = 0; d < o->n_days; d++) {
			quoted = json_quote(o->days[d]);
			fprintf(js, "%s%s", d ? ", " : "", quoted ? quoted : "null");
			free(quoted);
		}
		fprintf(js, "],\n  \"seeds\": %u,\n  \"hosts\": %u,\n  \"vms\": %u,\n  \"policies\": {",
			o->seeds, scn.n_hosts, scn.n_vms);
	}
	if (md)
		fputs("| policy | SLA violation share | avoidable share | VMs caught | downtime s | packets lost | migrations | GB moved | evacuated (overload / memory / fault) | decision µs mean / max |\n"
		      "|---|---|---|---|---|---|---|---|---|---|\n", md);
	if (dat)
		fputs("# policy sla sla_sd avoidable avoidable_sd migrations migrations_sd caught caught_sd\n", dat);
	printf("%-8s %10s %10s %7s %8s %9s %6s %6s %7s %6s %7s\n", "policy",
	       "sla_share", "avoidable", "caught", "downtm_s", "pkt_lost",
	       "migr", "false", "GB", "evac", "dec_us");
	for (k = 0; k < POL_P_COUNT; k++) {
		if (!(o->policies & (1u << k)))
			continue;
		if (k == POL_P_DQN && n_q) {
			memset(&pooled, 0, sizeof(pooled));
			for (i = 0; i < n_q; i++) {
				memset(&acc, 0, sizeof(acc));
				if (eval_rows(o, &scn, tr, POL_P_DQN, &q[i], &acc,
					      per_run + (size_t)(POL_P_COUNT + i) *
							n_runs * N_MET))
					goto out;
				for (d = 0; d < N_MET; d++) {
					pooled.sum[d] += acc.sum[d];
					pooled.sq[d] += acc.sq[d];
				}
				pooled.n += acc.n;
				acc_final(&acc, mean, sd);
				seed_sla[i] = mean[0];
				snprintf(label, sizeof(label), "dqn#%u", i + 1);
				if (n_q > 1)
					print_row(label, mean, NULL, NULL, sd);
				json_row(js, label, fname[i], mean, sd, acc.n, "",
					 &first);
			}
			acc_final(&pooled, mean, sd);
			{
				double ms = 0, ss = 0;

				for (i = 0; i < n_q; i++)
					ms += seed_sla[i] / n_q;
				for (i = 0; i < n_q; i++)
					ss += (seed_sla[i] - ms) * (seed_sla[i] - ms) / n_q;
				snprintf(extra, sizeof(extra),
					 " \"training_seeds\": %u, \"sla_sd_across_seeds\": %.9g,",
					 n_q, sqrt(ss));
			}
			print_row("dqn", mean, md, dat, sd);
			json_row(js, "dqn", NULL, mean, sd, pooled.n, extra,
				 &first);
			continue;
		}
		memset(&acc, 0, sizeof(acc));
		if (eval_rows(o, &scn, tr, k == POL_P_DQN ? POL_P_BESTFIT :
			      (enum pol_policy_kind)k, NULL, &acc,
			      per_run + (size_t)k * n_runs * N_MET))
			goto out;
		acc_final(&acc, mean, sd);
		print_row(k == POL_P_DQN ? "dqn(fb)" : pol_policy_name(k), mean, md,
			  dat, sd);
		json_row(js, pol_policy_name(k), NULL, mean, sd, acc.n,
			 k == POL_P_DQN ? " \"fallback\": \"bestfit\"," : "", &first);
	}
	if (js)
		fputs("\n  }", js);
	policies_open = false;
	/* a heuristic besides none to compare the files with */
	if (n_q && (o->policies & ~(1u << POL_P_NONE | 1u << POL_P_DQN)) &&
	    print_paired(o, per_run, n_runs, n_q, js, md))
		goto out;
	ret = 0;
out:
	if (js) {
		fputs(policies_open ? "\n  }\n}\n" : "\n}\n", js);
		fclose(js);
	}
	free(per_run);
	if (md)
		fclose(md);
	if (dat)
		fclose(dat);
	for (i = 0; i < n_q; i++)
		pol_dqn_free(&q[i]);
	pol_cli_free_days(tr, o->n_days);
	return ret;
}
