// SPDX-License-Identifier: GPL-2.0
/*
 * Command line for the policy module.  All arguments are validated here;
 * the library below only sees checked values.
 */
#include "policy/pol_cli.h"
#include "policy/pol_cli_priv.h"
#include "policy/pol_eval.h"
#include "policy/pol_file.h"
#include "policy/pol_run.h"
#include "policy/pol_train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *f)
{
	fputs("usage: palmctl policy <command> [options]\n"
	      "commands:\n"
	      "  train    --train-days D1,D2 --out FILE [--episodes N] [--seed S]\n"
	      "           [--curve CSV] [--eval-every N] [--demo-episodes N]\n"
	      "           [--val-seeds N (validation runs per training day)]\n"
	      "           [--init FILE (resume from a policy file)]\n"
	      "           [--pretrain-updates N] [--lr-micro N (learning rate x 1e6)]\n"
	      "           [--mig-cost-milli N (VM-steps x 1000 per migration)]\n"
	      "  eval     --days D1,D2 [--policy F1,F2..] [--seeds N] [--policies a,b]\n"
	      "           [--json OUT] [--out TABLE.md] [--curve BARS.dat]\n"
	      "           (each policy file is also compared run by run with each\n"
	      "           heuristic evaluated: change and 95 % bootstrap interval)\n"
	      "  explain  --policy FILE --days D [--seed S] [--step K] [--host H]\n"
	      "  predict  --days D1,D2 [--seeds N] [--json OUT]\n"
	      "  latency  [--policy FILE] [--hosts N] [--reps N] [--json OUT]\n"
	      "common: --scenario FILE (default built-in), --traces DIR\n"
	      "        (default $PALM_TRACES or " POL_DEFAULT_TRACES ")\n"
	      "        --model FILE: the migration controller's fitted coefficients\n"
	      "        (bench/migration/model.coef; default: its uncalibrated defaults)\n"
	      "policies: none random bestfit lrmmt watcher oracle dqn\n", f);
}

static int parse_uint(const char *opt, const char *s, unsigned int lo,
		      unsigned int hi, unsigned int *out)
{
	char *ep;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &ep, 10);
	if (errno || *ep || !*s || s[0] == '-' || v < lo || v > hi) {
		fprintf(stderr, "policy: %s wants an integer in [%u, %u], got \"%s\"\n",
			opt, lo, hi, s);
		return -EINVAL;
	}
	*out = (unsigned int)v;
	return 0;
}

static int split_days(const char *opt, const char *src, char *arg,
		      size_t cap, const char **days, unsigned int *n)
{
	char *save = NULL, *tok;

	*n = 0;
	if (strlen(src) >= cap) {
		fprintf(stderr, "policy: %s: argument too long\n", opt);
		return -EINVAL;
	}
	strcpy(arg, src);
	for (tok = strtok_r(arg, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n == POL_CLI_MAX_DAYS) {
			fprintf(stderr, "policy: %s: at most %d days\n", opt, POL_CLI_MAX_DAYS);
			return -EINVAL;
		}
		days[(*n)++] = tok;
	}
	if (!*n) {
		fprintf(stderr, "policy: %s: no day given\n", opt);
		return -EINVAL;
	}
	return 0;
}

static int parse_policies(const char *arg, unsigned int *mask)
{
	char buf[256], *save = NULL, *tok;
	int k;

	if (strlen(arg) >= sizeof(buf)) {
		fprintf(stderr, "policy: --policies too long\n");
		return -EINVAL;
	}
	strcpy(buf, arg);
	*mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		k = pol_policy_by_name(tok);
		if (k < 0) {
			fprintf(stderr, "policy: unknown policy \"%s\"\n", tok);
			return -EINVAL;
		}
		*mask |= 1u << k;
	}
	return *mask ? 0 : -EINVAL;
}

static int parse_opts(int argc, char **argv, struct pol_cli_opts *o)
{
	unsigned int u;
	int i, ret = 0;

	memset(o, 0, sizeof(*o));
	o->episodes = 40;
	o->seeds = 3;
	o->seed = 1;
	o->reps = 200;
	o->hosts = 0;
	o->host = -1;
	o->step = ~0u;
	o->eval_every = 5;
	o->demo = ~0u;
	o->pretrain = ~0u;
	o->lr_e6 = 0;
	o->mig_cost_milli = ~0u;
	o->policies = (1u << POL_P_COUNT) - 1;
	for (i = 2; i < argc && !ret; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(k, "-h") || !strcmp(k, "--help")) {
			usage(stdout);
			return 1;
		}
		if (!v) {
			fprintf(stderr, "policy: %s needs a value\n", k);
			return -EINVAL;
		}
		if (!strcmp(k, "--scenario"))
			o->scenario = v;
		else if (!strcmp(k, "--model"))
			o->model = v;
		else if (!strcmp(k, "--traces"))
			o->traces = v;
		else if (!strcmp(k, "--policy"))
			o->policy = v;
		else if (!strcmp(k, "--init"))
			o->init = v;
		else if (!strcmp(k, "--out"))
			o->out = v;
		else if (!strcmp(k, "--json"))
			o->json = v;
		else if (!strcmp(k, "--curve"))
			o->curve = v;
		else if (!strcmp(k, "--days"))
			ret = split_days(k, v, o->days_buf, sizeof(o->days_buf),
					 o->days, &o->n_days);
		else if (!strcmp(k, "--train-days"))
			ret = split_days(k, v, o->train_buf, sizeof(o->train_buf),
					 o->train_days, &o->n_train_days);
		else if (!strcmp(k, "--episodes"))
			ret = parse_uint(k, v, 1, 100000, &o->episodes);
		else if (!strcmp(k, "--seeds"))
			ret = parse_uint(k, v, 1, 1000, &o->seeds);
		else if (!strcmp(k, "--seed")) {
			ret = parse_uint(k, v, 0, 0xffffffffu, &u);
			o->seed = u;
		} else if (!strcmp(k, "--step"))
			ret = parse_uint(k, v, 0, POL_TRACE_MAX_SAMPLES, &o->step);
		else if (!strcmp(k, "--host")) {
			ret = parse_uint(k, v, 0, POL_MAX_HOSTS - 1, &u);
			o->host = (int)u;
		} else if (!strcmp(k, "--reps"))
			ret = parse_uint(k, v, 1, 1000000, &o->reps);
		else if (!strcmp(k, "--hosts"))
			ret = parse_uint(k, v, 2, POL_MAX_HOSTS, &o->hosts);
		else if (!strcmp(k, "--demo-episodes"))
			ret = parse_uint(k, v, 0, 1000, &o->demo);
		else if (!strcmp(k, "--pretrain-updates"))
			ret = parse_uint(k, v, 0, 1000000, &o->pretrain);
		else if (!strcmp(k, "--mig-cost-milli"))
			ret = parse_uint(k, v, 0, 100000, &o->mig_cost_milli);
		else if (!strcmp(k, "--lr-micro"))
			ret = parse_uint(k, v, 1, 100000, &o->lr_e6);
		else if (!strcmp(k, "--eval-every"))
			ret = parse_uint(k, v, 1, 100000, &o->eval_every);
		else if (!strcmp(k, "--val-seeds"))
			ret = parse_uint(k, v, 1, 100, &o->val_seeds);
		else if (!strcmp(k, "--policies"))
			ret = parse_policies(v, &o->policies);
		else {
			fprintf(stderr, "policy: unknown option \"%s\"\n", k);
			ret = -EINVAL;
		}
	}
	return ret;
}

/* The controller's fitted coefficients over the defaults, if given. */
static int load_model(const struct pol_cli_opts *o, struct qmp_model_coef *coef)
{
	char err[POL_CLI_ERRLEN];
	int ret;

	if (!o->model)
		return 0;
	ret = qmp_model_coef_load(o->model, coef, err, sizeof(err));
	if (ret == -ENOENT)
		fprintf(stderr, "policy: migration model %s: %s\n", o->model,
			strerror(ENOENT));
	else if (ret)	/* err names the file and line */
		fprintf(stderr, "policy: migration model: %s\n", err);
	return ret;
}

int pol_cli_load_scenario(const struct pol_cli_opts *o, struct pol_scenario *s)
{
	char err[POL_CLI_ERRLEN];

	if (!o->scenario) {
		pol_scenario_defaults(s);
	} else if (pol_scenario_load(s, o->scenario, err, sizeof(err))) {
		fprintf(stderr, "policy: scenario %s: %s\n", o->scenario, err);
		return -EINVAL;
	}
	return load_model(o, &s->mig_coef);
}

int pol_cli_load_days(const struct pol_cli_opts *o, const char *const *days,
		      unsigned int n, struct pol_trace *tr)
{
	char err[POL_CLI_ERRLEN];
	unsigned int i;

	for (i = 0; i < n; i++)
		if (pol_trace_load_day(&tr[i], o->traces, days[i], err,
				       sizeof(err))) {
			fprintf(stderr, "policy: trace: %s\n", err);
			while (i--)
				pol_trace_free(&tr[i]);
			return -EINVAL;
		}
	return 0;
}

void pol_cli_free_days(struct pol_trace *tr, unsigned int n)
{
	while (n--)
		pol_trace_free(&tr[n]);
}

/* Load a DQN; on any error report it and return nonzero (caller falls back). */
int pol_cli_load_dqn(const char *path, struct pol_dqn *q)
{
	char err[POL_CLI_ERRLEN];
	uint32_t eps = 0;
	int ret;

	ret = pol_dqn_init(q, 0);
	if (ret)
		return ret;
	ret = pol_file_load(q, path, &eps, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "policy: rejecting %s: %s\n", path, err);
		pol_dqn_free(q);
	}
	return ret;
}

struct curve_ctx {
	FILE *f;
	struct pol_dqn *q;
	const char *ckpt;	/* best checkpoint written here as it improves */
};

static void train_cb(const struct pol_train_log *l, void *arg)
{
	struct curve_ctx *cc = arg;
	char err[POL_CLI_ERRLEN];

	/* episode -2: untrained network, -1: after the demonstrations */
	int ep = l->stage == 2 ? (int)l->episode : l->stage - 2;

	fprintf(stderr, "episode %d eps %.3f reward %.1f sla %.5f migrations %u val_reward %.1f%s\n",
		ep, l->eps, l->reward, l->sla_share, l->migrations,
		l->val_reward, l->best ? " (best, checkpoint)" : "");
	if (cc->f)
		fprintf(cc->f, "%d,%.4f,%.3f,%.6f,%u,%.3f,%.6f\n", ep, l->eps,
			l->reward, l->sla_share, l->migrations, l->val_reward,
			l->val_sla);
	if (l->best && cc->ckpt &&
	    pol_file_save(cc->q, l->stage == 2 ? l->episode + 1 : 0, cc->ckpt, err, sizeof(err)))
		fprintf(stderr, "policy train: checkpoint: %s\n", err);
}

static int cmd_train(const struct pol_cli_opts *o)
{
	struct pol_trace tr[POL_CLI_MAX_DAYS];
	const struct pol_trace *tp[POL_CLI_MAX_DAYS];
	struct pol_train_cfg cfg;
	struct pol_scenario scn;
	struct curve_ctx cc;
	struct pol_dqn q;
	char err[POL_CLI_ERRLEN];
	unsigned int i;
	int ret;

	if (!o->n_train_days || !o->out) {
		fprintf(stderr, "policy train: --train-days and --out are required\n");
		return 2;
	}
	if (pol_cli_load_scenario(o, &scn) ||
	    pol_cli_load_days(o, o->train_days, o->n_train_days, tr))
		return 1;
	for (i = 0; i < o->n_train_days; i++)
		tp[i] = &tr[i];
	ret = pol_dqn_init(&q, o->seed);
	if (ret) {
		pol_cli_free_days(tr, o->n_train_days);
		return 1;
	}
	if (o->init && pol_file_load(&q, o->init, NULL, err, sizeof(err))) {
		fprintf(stderr, "policy train: --init: %s\n", err);
		pol_dqn_free(&q);
		pol_cli_free_days(tr, o->n_train_days);
		return 1;
	}
	memset(&cc, 0, sizeof(cc));
	cc.q = &q;
	cc.ckpt = o->out;	/* every new best is written at once */
	if (o->curve) {
		cc.f = fopen(o->curve, "w");
		if (!cc.f)
			fprintf(stderr, "policy: %s: %s (no curve written)\n",
				o->curve, strerror(errno));
		else
			fputs("episode,eps,reward,sla_share,migrations,val_reward,val_sla\n",
			      cc.f);
	}
	pol_train_defaults(&cfg);
	cfg.episodes = o->episodes;
	cfg.seed = o->seed;
	cfg.val_every = o->eval_every;
	if (o->val_seeds)
		cfg.val_seeds = o->val_seeds;
	if (o->demo != ~0u)
		cfg.demo_episodes = o->demo;
	if (o->pretrain != ~0u)
		cfg.pretrain_updates = o->pretrain;
	if (o->lr_e6)
		cfg.lr = o->lr_e6 * 1e-6;
	if (o->mig_cost_milli != ~0u)
		cfg.mig_cost = o->mig_cost_milli * 1e-3;
	ret = pol_dqn_train(&q, &scn, tp, o->n_train_days, &cfg, train_cb, &cc,
			    err, sizeof(err));
	if (ret)
		fprintf(stderr, "policy train: %s\n", err);
	else if (pol_file_save(&q, o->episodes, o->out, err, sizeof(err))) {
		fprintf(stderr, "policy train: %s\n", err);
		ret = -EIO;
	} else {
		printf("wrote %s (%u episodes, seed %llu)\n", o->out, o->episodes,
		       (unsigned long long)o->seed);
	}
	if (cc.f)
		fclose(cc.f);
	pol_dqn_free(&q);
	pol_cli_free_days(tr, o->n_train_days);
	return ret ? 1 : 0;
}

static int cmd_predict(const struct pol_cli_opts *o)
{
	struct pol_trace tr[POL_CLI_MAX_DAYS];
	struct pol_pred_metrics m;
	struct pol_scenario scn;
	char err[POL_CLI_ERRLEN];
	unsigned int d, s;
	FILE *js = NULL;
	int k, ret = 0;

	if (!o->n_days) {
		fprintf(stderr, "policy predict: --days is required\n");
		return 2;
	}
	if (pol_cli_load_scenario(o, &scn) || pol_cli_load_days(o, o->days, o->n_days, tr))
		return 1;
	memset(&m, 0, sizeof(m));
	for (d = 0; d < o->n_days && !ret; d++)
		for (s = 0; s < o->seeds && !ret; s++)
			ret = pol_predict_eval_day(&scn, &tr[d], o->seed * 7919 + s,
						   &m, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "policy predict: %s\n", err);
		pol_cli_free_days(tr, o->n_days);
		return 1;
	}
	if (o->json && !(js = fopen(o->json, "w")))
		fprintf(stderr, "policy: %s: %s\n", o->json, strerror(errno));
	if (js)
		fprintf(js, "{");
	printf("%-9s %7s %7s %9s %7s %8s %7s %7s %10s\n", "kind", "alarms",
	       "true", "precision", "events", "detected", "recall", "ahead",
	       "lead_s");
	for (k = 0; k < POL_FK_COUNT; k++) {
		double prec = m.alarms[k] ? (double)m.true_alarms[k] / m.alarms[k] : 0;
		double rec = m.events[k] ? (double)m.detected[k] / m.events[k] : 0;
		double ahead = m.events[k] ? (double)m.ahead[k] / m.events[k] : 0;
		double lead = m.detected[k] ? m.lead_s[k] / m.detected[k] : 0;

		printf("%-9s %7u %7u %9.3f %7u %8u %7.3f %7.3f %10.0f\n",
		       pol_fail_kind_name(k), m.alarms[k], m.true_alarms[k], prec,
		       m.events[k], m.detected[k], rec, ahead, lead);
		if (js)
			fprintf(js, "%s\n  \"%s\": {\"alarms\": %u, \"precision\": %.4f, \"events\": %u, \"recall\": %.4f, \"recall_ahead\": %.4f, \"mean_lead_s\": %.1f}",
				k ? "," : "", pol_fail_kind_name(k), m.alarms[k],
				prec, m.events[k], rec, ahead, lead);
	}
	if (js) {
		fprintf(js, "\n}\n");
		fclose(js);
	}
	pol_cli_free_days(tr, o->n_days);
	return 0;
}

static int cmp_contrib(const void *a, const void *b)
{
	const double *x = a, *y = b;

	return fabs(y[1]) > fabs(x[1]) ? 1 : fabs(y[1]) < fabs(x[1]) ? -1 : 0;
}

static void explain_host(struct pol_dqn *q, const struct pol_cluster *c,
			 unsigned int h)
{
	unsigned int i, j, best, order[6], n = 0;
	float x[POL_DQN_F], q0;
	double contrib[POL_DQN_F][2];

	pol_dqn_candidates(q, c, h);
	best = pol_dqn_score(q);
	printf("host %u at t=%.0fs: util %.2f, alarms overload=%d memory=%d fault=%d, %u candidates\n",
	       h, c->now_s, pol_host_util(&c->hosts[h]),
	       c->hosts[h].fc.alarm[0], c->hosts[h].fc.alarm[1],
	       c->hosts[h].fc.alarm[2], q->n_cand);
	/* top five by score (plus wait) */
	for (i = 0; i < q->n_cand && n < 5; i++) {
		unsigned int arg = ~0u;

		for (j = 0; j < q->n_cand; j++) {
			unsigned int t;
			bool used = false;

			for (t = 0; t < n; t++)
				used |= order[t] == j;
			if (!used && (arg == ~0u || q->q[j] > q->q[arg]))
				arg = j;
		}
		order[n++] = arg;
	}
	printf("  rank  action                     Q       dst_util_after  downtime/budget\n");
	for (i = 0; i < n; i++) {
		const float *f = q->feat + (size_t)order[i] * POL_DQN_F;

		if (order[i] == 0)
			printf("  %4u  wait                    %8.3f\n", i + 1,
			       q->q[0]);
		else
			printf("  %4u  vm %5u -> host %5u  %8.3f  %14.2f  %15.2f\n",
			       i + 1, q->cand[order[i]].vm, q->cand[order[i]].dst,
			       q->q[order[i]], f[12], f[11]);
	}
	printf("  wait Q = %.3f; decision: %s\n", q->q[0],
	       best ? "migrate" : "wait");
	/* what drove the winner: score change when a feature is zeroed */
	memcpy(x, q->feat + (size_t)best * POL_DQN_F, sizeof(x));
	q0 = pol_nn_forward(&q->online, x, NULL);
	for (i = 0; i < POL_DQN_F; i++) {
		float keep = x[i];

		x[i] = 0;
		contrib[i][0] = i;
		contrib[i][1] = q0 - pol_nn_forward(&q->online, x, NULL);
		x[i] = keep;
	}
	qsort(contrib, POL_DQN_F, sizeof(contrib[0]), cmp_contrib);
	printf("  drivers of the chosen action (Q minus Q with the feature zeroed):\n");
	for (i = 0; i < 6; i++) {
		unsigned int fi = (unsigned int)contrib[i][0];

		printf("    %-22s value %6.3f  contribution %+7.3f\n",
		       pol_dqn_feature_names[fi], x[fi], contrib[i][1]);
	}
}

static int cmd_explain(const struct pol_cli_opts *o)
{
	struct pol_trace tr;
	struct pol_scenario scn;
	struct pol_policy p;
	struct pol_dqn q;
	struct pol_sim s;
	char err[POL_CLI_ERRLEN];
	unsigned int h;
	int ret = 1, found = 0;

	if (!o->policy || o->n_days != 1) {
		fprintf(stderr, "policy explain: --policy FILE and one --days DAY are required\n");
		return 2;
	}
	if (pol_cli_load_scenario(o, &scn) || pol_cli_load_days(o, o->days, 1, &tr))
		return 1;
	if (pol_cli_load_dqn(o->policy, &q)) {
		fprintf(stderr, "policy explain: nothing to explain without a policy (palmd would use bestfit)\n");
		pol_trace_free(&tr);
		return 1;
	}
	if (pol_sim_init(&s, &scn, &tr, o->seed, err, sizeof(err))) {
		fprintf(stderr, "policy explain: %s\n", err);
		goto out_q;
	}
	pol_policy_init(&p, POL_P_DQN, o->seed);
	p.dqn = &q;
	/* replay the day with the policy up to the asked-for decision */
	while (!pol_sim_done(&s)) {
		if (o->step == ~0u || s.step >= o->step) {
			for (h = 0; h < s.c.n_hosts && !found; h++) {
				if (o->host >= 0 && h != (unsigned int)o->host)
					continue;
				if (!pol_alarm_source(&s.c, h))
					continue;
				/* unless asked for, skip hosts with nothing to move */
				pol_dqn_candidates(&q, &s.c, h);
				if (q.n_cand < 2 && o->host < 0)
					continue;
				explain_host(&q, &s.c, h);
				found = 1;
			}
			if (found)
				break;
		}
		pol_run_step(&p, &s);
		pol_sim_advance(&s);
	}
	if (!found)
		printf("no decision to explain (no source host at or after step %u)\n",
		       o->step == ~0u ? 0 : o->step);
	ret = 0;
	pol_policy_free(&p);
	pol_sim_free(&s);
out_q:
	pol_dqn_free(&q);
	pol_trace_free(&tr);
	return ret;
}

static double ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Decision latency on synthetic clusters of growing size. */
static int cmd_latency(const struct pol_cli_opts *o)
{
	static const unsigned int sizes[] = { 64, 256, 1024, 4096, 10000 };
	struct pol_scenario scn;
	struct qmp_model_coef coef;
	struct pol_trace tr;
	struct pol_dqn q;
	double *lat = NULL;
	char err[POL_CLI_ERRLEN];
	unsigned int si, r, k;
	FILE *js = NULL;
	int ret = 1, kinds[2] = { POL_P_DQN, POL_P_BESTFIT };

	if (o->policy) {
		if (pol_cli_load_dqn(o->policy, &q))
			return 1;
	} else if (pol_dqn_init(&q, o->seed)) {
		return 1;
	}
	qmp_model_coef_defaults(&coef);
	lat = calloc(o->reps, sizeof(double));
	if (!lat || load_model(o, &coef) ||
	    pol_trace_synthetic(&tr, 512, 288, o->seed))
		goto out;
	if (o->json && !(js = fopen(o->json, "w")))
		fprintf(stderr, "policy: %s: %s\n", o->json, strerror(errno));
	if (js)
		fprintf(js, "{\"reps\": %u, \"results\": [", o->reps);
	printf("%-8s %7s %7s %10s %10s %10s\n", "policy", "hosts", "vms",
	       "median_us", "mean_us", "p99_us");
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		struct pol_sim s;
		unsigned int nh = o->hosts ? o->hosts : sizes[si];

		if (o->hosts && si)
			break;
		pol_scenario_defaults(&scn);
		scn.mig_coef = coef;
		scn.n_hosts = nh;
		scn.n_vms = nh * 10;
		scn.n_racks = nh >= 16 ? nh / 16 : 1;
		scn.overload_per_day = scn.leak_per_day = scn.fault_per_day = 0;
		scn.false_alarm_per_day = 0;
		if (pol_sim_init(&s, &scn, &tr, o->seed, err, sizeof(err))) {
			fprintf(stderr, "policy latency: %s\n", err);
			goto out;
		}
		for (k = 0; k < 2; k++) {
			struct pol_policy p;
			double sum = 0;

			pol_policy_init(&p, kinds[k], o->seed);
			p.dqn = &q;
			for (r = 0; r < o->reps; r++) {
				unsigned int h = (r * 7919u) % nh;
				struct pol_host *hh = &s.c.hosts[h];
				struct pol_forecast keep = hh->fc;
				struct pol_order ord;
				double t0;

				/* pretend h is failing: the hardest case, all VMs movable */
				hh->fc.alarm[POL_FK_FAULT] = true;
				hh->fc.kind = POL_FK_FAULT;
				hh->fc.ttf_s[POL_FK_FAULT] = 1800;
				t0 = ns_now();
				pol_policy_decide(&p, &s.c, h, &ord);
				lat[r] = (ns_now() - t0) / 1e3;
				sum += lat[r];
				hh->fc = keep;
			}
			qsort(lat, o->reps, sizeof(double), cmp_dbl);
			printf("%-8s %7u %7u %10.1f %10.1f %10.1f\n",
			       pol_policy_name(kinds[k]), nh, scn.n_vms,
			       lat[o->reps / 2], sum / o->reps,
			       lat[(o->reps * 99) / 100]);
			if (js)
				fprintf(js, "%s\n {\"policy\": \"%s\", \"hosts\": %u, \"vms\": %u, \"median_us\": %.2f, \"mean_us\": %.2f, \"p99_us\": %.2f}",
					si || k ? "," : "", pol_policy_name(kinds[k]),
					nh, scn.n_vms, lat[o->reps / 2],
					sum / o->reps, lat[(o->reps * 99) / 100]);
			pol_policy_free(&p);
		}
		pol_sim_free(&s);
	}
	if (js)
		fprintf(js, "\n]}\n");
	ret = 0;
	pol_trace_free(&tr);
out:
	if (js)
		fclose(js);
	free(lat);
	pol_dqn_free(&q);
	return ret;
}

int pol_cli_main(int argc, char **argv)
{
	struct pol_cli_opts o;
	const char *cmd;
	int ret;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "help") || !strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return 0;
	}
	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret > 0 ? 0 : 2;
	if (!strcmp(cmd, "train"))
		return cmd_train(&o);
	if (!strcmp(cmd, "eval"))
		return pol_cli_eval(&o);
	if (!strcmp(cmd, "explain"))
		return cmd_explain(&o);
	if (!strcmp(cmd, "predict"))
		return cmd_predict(&o);
	if (!strcmp(cmd, "latency"))
		return cmd_latency(&o);
	fprintf(stderr, "policy: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return 2;
}
