// SPDX-License-Identifier: GPL-2.0
/* Double-DQN training loop over simulated days (see pol_train.h). */
#include "policy/pol_train.h"
#include "policy/pol_sim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEXT_MAX 16		/* candidates kept per state */
#define EXPLORE_TOP 8		/* exploration: wait or one of the best few */
#define CHAIN_MAX 24		/* steps a decision keeps collecting outcome */

struct tr_entry {
	float x[POL_DQN_F];
	float next[NEXT_MAX][POL_DQN_F];
	float alt[NEXT_MAX][POL_DQN_F];	/* demos: [0] is the expert's */
	float r, disc;
	uint8_t n_next, n_alt;
	uint8_t done;
};

struct replay {
	struct tr_entry *e;
	unsigned int cap, n, head;
};

struct train_ctx {
	struct pol_dqn *q;
	const struct pol_train_cfg *cfg;
	struct replay rb, demo;
	struct replay *cur;		/* buffer being filled */
	struct pol_rng rng;
	struct pol_policy expert;
	int *pending;		/* per host: transition awaiting next state */
	float *pend_disc;	/* discount of rewards arriving for it now */
	unsigned int *pend_age;	/* steps since the host last decided */
	unsigned int *mig_idx, *mig_dst, n_mig;
	unsigned long updates;
	double ep_reward;
	float act[POL_NN_MAX * 2], act2[POL_NN_MAX * 2];
};

void pol_train_defaults(struct pol_train_cfg *cfg)
{
	cfg->episodes = 40;
	cfg->seed = 1;
	cfg->gamma = 0.95;
	cfg->lr = 3e-4;
	cfg->eps_start = 0.2;
	cfg->eps_end = 0.02;
	cfg->batch = 32;
	cfg->replay = 8192;
	cfg->warmup = 256;
	cfg->target_every = 250;
	cfg->mig_cost = 0.05;
	cfg->caught_w = 24;	/* 2 h repair at 5 min steps */
	cfg->reward_scale = 0.05;
	cfg->demo_episodes = 4;
	cfg->pretrain_updates = 20000;
	cfg->demo_share_pct = 25;
	cfg->margin = 0.3;
	cfg->margin_w = 1.0;
	cfg->val_every = 5;
	cfg->val_seeds = 2;
}

/* Greedy reward on the training days with fixed validation seeds. */
static double validate(struct pol_dqn *q, const struct pol_scenario *scn,
		       const struct pol_trace *const *days, unsigned int n_days,
		       unsigned int n_seeds, double *sla)
{
	struct pol_run_result r;
	struct pol_policy p;
	char err[128];
	double sum = 0, s = 0;
	unsigned int d, k, n = 0;

	for (d = 0; d < n_days; d++)
		for (k = 0; k < n_seeds; k++) {
			pol_policy_init(&p, POL_P_DQN, k);
			p.dqn = q;
			if (pol_run_day(&p, scn, days[d], 777777 + 31 * k + d, &r,
					err, sizeof(err)) == 0) {
				sum += pol_run_reward(&r, scn);
				s += r.sla_share;
				n++;
			}
			pol_policy_free(&p);
		}
	*sla = n ? s / n : NAN;
	return n ? sum / n : -INFINITY;
}

double pol_run_reward(const struct pol_run_result *r,
		      const struct pol_scenario *scn)
{
	return -((r->st.sla_viol_s - r->st.viol_unpred_s) / scn->step_s) -
	       0.05 * r->st.migrations;
}

/* The n best-scored candidate indices (wait first), best first. */
static unsigned int top_cands(const struct pol_dqn *q, unsigned int *idx,
			      unsigned int max, int force)
{
	unsigned int i, j, n = 1;

	idx[0] = 0;
	if (force > 0 && max > 1)
		idx[n++] = (unsigned int)force;
	for (i = 1; i < q->n_cand; i++) {
		if ((int)i == force)
			continue;
		if (n < max) {
			j = n++;
		} else if (q->q[i] > q->q[idx[max - 1]]) {
			j = max - 1;
		} else {
			continue;
		}
		while (j > 1 + (force > 0) && q->q[idx[j - 1]] < q->q[i]) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = i;
	}
	return n;
}

static void copy_set(const struct pol_dqn *q, const unsigned int *idx,
		     unsigned int n, float (*dst)[POL_DQN_F])
{
	unsigned int i;

	for (i = 0; i < n; i++)
		memcpy(dst[i], q->feat + (size_t)idx[i] * POL_DQN_F,
		       sizeof(dst[i]));
}

static int push(struct replay *rb, const float *x, float r)
{
	unsigned int i = rb->head;

	memcpy(rb->e[i].x, x, sizeof(rb->e[i].x));
	rb->e[i].r = r;
	rb->e[i].n_next = 0;
	rb->e[i].n_alt = 0;
	rb->e[i].disc = 1;
	rb->e[i].done = 1;	/* until a next state arrives */
	rb->head = (rb->head + 1) % rb->cap;
	if (rb->n < rb->cap)
		rb->n++;
	return (int)i;
}

static float huber_grad(float d)
{
	return d > 1 ? 1 : d < -1 ? -1 : d;
}

static void update_one(struct train_ctx *t, struct tr_entry *e, bool demo)
{
	const struct pol_train_cfg *cfg = t->cfg;
	struct pol_dqn *q = t->q;
	unsigned int j, best = 0;
	float y, qa, bq = -INFINITY, v;

	y = e->r * (float)cfg->reward_scale;	/* stored unscaled */
	if (!e->done && e->n_next) {
		/* double DQN: online picks, target evaluates */
		for (j = 0; j < e->n_next; j++) {
			v = pol_nn_forward(&q->online, e->next[j], NULL);
			if (v > bq) {
				bq = v;
				best = j;
			}
		}
		y += e->disc * pol_nn_forward(&q->target, e->next[best], NULL);
	}
	qa = pol_nn_forward(&q->online, e->x, t->act);
	pol_nn_backward(&q->online, e->x, t->act, huber_grad(qa - y));
	if (!demo || e->n_alt < 2)
		return;
	/* large margin: the expert's move must beat the others by margin */
	bq = -INFINITY;
	for (j = 0; j < e->n_alt; j++) {
		v = pol_nn_forward(&q->online, e->alt[j], NULL) +
		    (j ? (float)cfg->margin : 0);
		if (v > bq) {
			bq = v;
			best = j;
		}
	}
	if (best == 0)
		return;
	pol_nn_forward(&q->online, e->alt[best], t->act2);
	pol_nn_backward(&q->online, e->alt[best], t->act2, (float)cfg->margin_w);
	pol_nn_forward(&q->online, e->alt[0], t->act2);
	pol_nn_backward(&q->online, e->alt[0], t->act2, -(float)cfg->margin_w);
}

static void learn(struct train_ctx *t, bool demo_only)
{
	const struct pol_train_cfg *cfg = t->cfg;
	struct pol_dqn *q = t->q;
	unsigned int b;

	if (demo_only ? t->demo.n == 0 : t->rb.n < cfg->warmup)
		return;
	for (b = 0; b < cfg->batch; b++) {
		bool demo = demo_only || (t->demo.n &&
			pol_rng_below(&t->rng, 100) < cfg->demo_share_pct);
		struct replay *rb = demo ? &t->demo : &t->rb;

		update_one(t, &rb->e[pol_rng_below(&t->rng, rb->n)], demo);
	}
	pol_nn_adam(&q->online, (float)cfg->lr, cfg->batch);
	if (++t->updates % cfg->target_every == 0)
		pol_nn_copy_weights(&q->target, &q->online);
}

/* Choose for host h: the expert in demo episodes, else eps-greedy. */
static int choose(struct train_ctx *t, const struct pol_cluster *c,
		  unsigned int h, double eps, bool demo, int *pick)
{
	struct pol_dqn *q = t->q;
	unsigned int idx[EXPLORE_TOP], n, i;
	struct pol_order o;
	int r;

	*pick = (int)pol_dqn_score(q);
	if (demo) {
		r = pol_policy_decide(&t->expert, c, h, &o);
		*pick = r == 1 ? pol_dqn_find_or_add(q, c, h, &o) : 0;
		if (*pick < 0)
			*pick = 0;
		if (*pick >= (int)q->n_cand - 1 && *pick > 0)
			q->q[*pick] = pol_nn_forward(&q->online,
				q->feat + (size_t)*pick * POL_DQN_F, NULL);
		return 0;
	}
	if (pol_rng_uniform(&t->rng) < eps) {
		n = top_cands(q, idx, EXPLORE_TOP, -1);
		/* idx[0] is wait: skip it where it is masked */
		i = q->wait_ok || n < 2 ? 0 : 1;
		*pick = (int)idx[i + pol_rng_below(&t->rng, n - i)];
	}
	return 0;
}

static int train_step(struct train_ctx *t, struct pol_sim *s, double eps,
		      bool demo)
{
	const struct pol_train_cfg *cfg = t->cfg;
	struct pol_cluster *c = &s->c;
	struct pol_dqn *q = t->q;
	struct replay *rb = t->cur;
	struct pol_mig_cost m;
	unsigned int h, k, learn_n = 0, idx[NEXT_MAX], n;
	int pick, id, ret;
	float r;

	t->n_mig = 0;
	for (h = 0; h < c->n_hosts; h++) {
		if (!pol_alarm_source(c, h)) {
			/*
			 * The chain goes on without decisions (the host's
			 * outcome still counts) for up to a few hours.
			 */
			if (t->pending[h] >= 0 && ++t->pend_age[h] > CHAIN_MAX)
				t->pending[h] = -1;	/* terminal */
			continue;
		}
		for (k = 0; k < s->scn.max_mig_per_host; k++) {
			ret = pol_dqn_candidates(q, c, h);
			if (ret)
				return ret;
			choose(t, c, h, eps, demo, &pick);
			if (t->pending[h] >= 0) {
				struct tr_entry *p = &rb->e[t->pending[h]];

				n = top_cands(q, idx, NEXT_MAX, -1);
				/* the target's max only over allowed actions */
				if (!q->wait_ok && n > 1)
					copy_set(q, idx + 1, --n, p->next);
				else
					copy_set(q, idx, n, p->next);
				p->n_next = (uint8_t)n;
				p->done = 0;
				p->disc = t->pend_disc[h];
			}
			r = 0;
			if (pick && pol_sim_migrate(s, q->cand[pick].vm,
						    q->cand[pick].dst, &m) == 0) {
				const struct pol_vm *vm = &c->vms[q->cand[pick].vm];

				r = -(float)(cfg->mig_cost + 0.05 * m.downtime_s /
					     vm->max_pause_s);
			} else {
				pick = 0;
			}
			id = push(rb, q->feat + (size_t)pick * POL_DQN_F, r);
			if (demo) {
				n = top_cands(q, idx, NEXT_MAX, pick);
				if (pick == 0) {
					/* the expert waited: wait goes first */
					copy_set(q, idx, n, rb->e[id].alt);
				} else {
					idx[1] = idx[0];
					idx[0] = (unsigned int)pick;
					copy_set(q, idx, n, rb->e[id].alt);
				}
				rb->e[id].n_alt = (uint8_t)n;
			}
			t->ep_reward += r;
			t->pending[h] = id;
			t->pend_disc[h] = 1;
			t->pend_age[h] = 0;
			learn_n++;
			if (!pick)
				break;
			t->mig_idx[t->n_mig] = (unsigned int)id;
			t->mig_dst[t->n_mig++] = q->cand[pick].dst;
		}
	}
	pol_sim_advance(s);
	for (h = 0; h < c->n_hosts; h++) {
		if (t->pending[h] < 0)
			continue;
		r = -(float)(s->step_viol[h] / c->step_s +
			     cfg->caught_w * s->step_caught[h]);
		rb->e[t->pending[h]].r += t->pend_disc[h] * r;
		t->ep_reward += r;
		t->pend_disc[h] *= (float)cfg->gamma;
	}
	for (k = 0; k < t->n_mig; k++)
		if (s->dem_end[t->mig_dst[k]] > c->hosts[t->mig_dst[k]].cores) {
			rb->e[t->mig_idx[k]].r -= 1;
			t->ep_reward -= 1;
		}
	if (!demo)
		for (k = 0; k < learn_n; k++)
			learn(t, false);
	return 0;
}

static int alloc_replay(struct replay *rb, unsigned int cap)
{
	rb->cap = cap;
	rb->n = rb->head = 0;
	rb->e = calloc(cap, sizeof(*rb->e));
	return rb->e ? 0 : -ENOMEM;
}

int pol_dqn_train(struct pol_dqn *q, const struct pol_scenario *scn,
		  const struct pol_trace *const *days, unsigned int n_days,
		  const struct pol_train_cfg *cfg, pol_train_cb *cb, void *arg,
		  char *err, size_t errlen)
{
	unsigned int ep, i, total = cfg->demo_episodes + cfg->episodes;
	struct pol_train_log log;
	struct train_ctx t;
	struct pol_sim s;
	double eps, best = -INFINITY, vsla;
	float *best_w = NULL;
	bool demo;
	int ret = 0;

	memset(&t, 0, sizeof(t));
	if (!n_days || !cfg->episodes || !cfg->batch || cfg->replay < cfg->batch) {
		snprintf(err, errlen, "bad training configuration");
		return -EINVAL;
	}
	t.q = q;
	t.cfg = cfg;
	pol_rng_seed(&t.rng, cfg->seed);
	pol_policy_init(&t.expert, POL_P_BESTFIT, cfg->seed);
	t.pending = calloc(scn->n_hosts, sizeof(int));
	t.pend_disc = calloc(scn->n_hosts, sizeof(float));
	t.pend_age = calloc(scn->n_hosts, sizeof(unsigned int));
	t.mig_idx = calloc((size_t)scn->n_hosts * scn->max_mig_per_host,
			   sizeof(unsigned int));
	t.mig_dst = calloc((size_t)scn->n_hosts * scn->max_mig_per_host,
			   sizeof(unsigned int));
	if (alloc_replay(&t.rb, cfg->replay) ||
	    alloc_replay(&t.demo, cfg->demo_episodes ? cfg->replay : 1) ||
	    !t.pending || !t.pend_disc || !t.pend_age || !t.mig_idx ||
	    !t.mig_dst ||
	    !(best_w = malloc(q->online.n_params * sizeof(float)))) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (ep = 0; ep < total; ep++) {
		demo = ep < cfg->demo_episodes;
		if (ep == 0 && cfg->val_every) {
			/* the untrained network, for the learning curve */
			memset(&log, 0, sizeof(log));
			log.val_reward = validate(q, scn, days, n_days,
						  cfg->val_seeds, &log.val_sla);
			if (cb)
				cb(&log, arg);
		}
		i = demo ? 0 : ep - cfg->demo_episodes;
		eps = cfg->eps_start + (cfg->eps_end - cfg->eps_start) *
		      (cfg->episodes > 1 ? (double)i / (cfg->episodes - 1) : 1);
		t.cur = demo ? &t.demo : &t.rb;
		ret = pol_sim_init(&s, scn, days[ep % n_days],
				   cfg->seed * 1000003u + ep, err, errlen);
		if (ret)
			goto out;
		for (i = 0; i < scn->n_hosts; i++)
			t.pending[i] = -1;
		t.ep_reward = 0;
		memset(&log, 0, sizeof(log));
		while (!pol_sim_done(&s)) {
			unsigned int before = t.cur->head;

			ret = train_step(&t, &s, eps, demo);
			if (ret) {
				pol_sim_free(&s);
				snprintf(err, errlen, "training step failed");
				goto out;
			}
			log.transitions += (t.cur->head + t.cur->cap - before) %
					   t.cur->cap;
		}
		pol_sim_finish(&s);
		if (ep + 1 == cfg->demo_episodes) {
			for (i = 0; i < cfg->pretrain_updates; i++)
				learn(&t, true);
			if (cfg->val_every) {
				memset(&log, 0, sizeof(log));
				log.stage = 1;
				log.val_reward = validate(q, scn, days, n_days,
							  cfg->val_seeds, &log.val_sla);
				if (log.val_reward > best) {
					best = log.val_reward;
					log.best = 1;
					memcpy(best_w, q->online.w,
					       q->online.n_params * sizeof(float));
				}
				if (cb)
					cb(&log, arg);
			}
		}
		if (demo) {
			pol_sim_free(&s);
			continue;	/* the curve shows the agent's episodes */
		}
		log.episode = ep - cfg->demo_episodes;
		log.reward = t.ep_reward;
		log.sla_share = pol_sim_sla_share(&s);
		log.migrations = s.st.migrations;
		log.eps = eps;
		log.stage = 2;
		log.val_reward = NAN;
		log.val_sla = NAN;
		pol_sim_free(&s);
		i = ep - cfg->demo_episodes;
		if (cfg->val_every && ((i + 1) % cfg->val_every == 0 || i == 0 ||
				       i + 1 == cfg->episodes)) {
			log.val_reward = validate(q, scn, days, n_days,
						  cfg->val_seeds, &vsla);
			log.val_sla = vsla;
			if (log.val_reward > best) {
				best = log.val_reward;
				log.best = 1;
				memcpy(best_w, q->online.w,
				       q->online.n_params * sizeof(float));
			}
		}
		if (cb)
			cb(&log, arg);
	}
	if (best > -INFINITY)
		memcpy(q->online.w, best_w, q->online.n_params * sizeof(float));
	pol_nn_copy_weights(&q->target, &q->online);
out:
	free(best_w);
	pol_policy_free(&t.expert);
	free(t.rb.e);
	free(t.demo.e);
	free(t.pending);
	free(t.pend_disc);
	free(t.pend_age);
	free(t.mig_idx);
	free(t.mig_dst);
	return ret;
}
