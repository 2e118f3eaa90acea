// SPDX-License-Identifier: GPL-2.0
/*
 * Candidate features and greedy/epsilon-greedy choice for the DQN agent.
 * Destinations are screened to the POL_DQN_TOPK with most CPU headroom
 * (half in the source's rack), so a decision costs O(hosts + VMs x K)
 * network evaluations whatever the cluster size.
 */
#include "policy/pol_dqn.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const pol_dqn_feature_names[POL_DQN_F] = {
	"wait", "alarm_overload", "alarm_memory", "alarm_fault",
	"ttf_h6", "confidence", "src_util", "src_util_after_out",
	"vm_cpu_share", "src_util_1h_after_out", "mig_time_steps",
	"downtime_over_budget", "dst_util_after", "dst_mem_after",
	"same_rack", "dirty_over_bw", "dst_util_1h_after",
	"vms_per_step_to_ttf",
};

static float clampf(double x, double lo, double hi)
{
	return (float)(x < lo ? lo : x > hi ? hi : x);
}

uint32_t pol_dqn_layout_hash(void)
{
	uint32_t hsh = 2166136261u;
	unsigned int i;
	const char *p;

	for (i = 0; i < POL_DQN_F; i++) {
		for (p = pol_dqn_feature_names[i]; *p; p++)
			hsh = (hsh ^ (uint8_t)*p) * 16777619u;
		hsh = (hsh ^ ',') * 16777619u;
	}
	return hsh;
}

int pol_dqn_init(struct pol_dqn *q, uint64_t seed)
{
	struct pol_rng r;
	int ret;

	memset(q, 0, sizeof(*q));
	pol_rng_seed(&r, seed);
	ret = pol_nn_init(&q->online, POL_DQN_F, POL_DQN_H1, POL_DQN_H2, &r);
	if (ret)
		return ret;
	ret = pol_nn_init(&q->target, POL_DQN_F, POL_DQN_H1, POL_DQN_H2, NULL);
	if (ret)
		goto fail;
	pol_nn_copy_weights(&q->target, &q->online);
	q->feat = calloc((size_t)POL_DQN_MAX_CAND * POL_DQN_F, sizeof(float));
	q->cand = calloc(POL_DQN_MAX_CAND, sizeof(*q->cand));
	q->q = calloc(POL_DQN_MAX_CAND, sizeof(float));
	q->dsts = calloc(POL_DQN_TOPK, sizeof(*q->dsts));
	if (!q->feat || !q->cand || !q->q || !q->dsts) {
		ret = -ENOMEM;
		goto fail;
	}
	return 0;
fail:
	pol_dqn_free(q);
	return ret;
}

void pol_dqn_free(struct pol_dqn *q)
{
	pol_nn_free(&q->online);
	pol_nn_free(&q->target);
	free(q->feat);
	free(q->cand);
	free(q->q);
	free(q->dsts);
	memset(q, 0, sizeof(*q));
}

/* Keep the k lowest keys (insertion into a sorted array). */
static void topk_insert(unsigned int *ids, double *keys, unsigned int *n,
			unsigned int k, unsigned int id, double key)
{
	unsigned int i;

	if (*n == k && key >= keys[k - 1])
		return;
	i = *n < k ? (*n)++ : k - 1;
	while (i > 0 && keys[i - 1] > key) {
		ids[i] = ids[i - 1];
		keys[i] = keys[i - 1];
		i--;
	}
	ids[i] = id;
	keys[i] = key;
}

static unsigned int screen_dsts(struct pol_dqn *q, const struct pol_cluster *c,
				unsigned int h)
{
	unsigned int near[POL_DQN_TOPK / 2], far[POL_DQN_TOPK / 2];
	double kn[POL_DQN_TOPK / 2], kf[POL_DQN_TOPK / 2];
	unsigned int nn = 0, nf = 0, d, i, n = 0;
	const unsigned int half = POL_DQN_TOPK / 2;

	for (d = 0; d < c->n_hosts; d++) {
		const struct pol_host *hd = &c->hosts[d];
		double key;

		if (d == h || hd->failed || hd->fc.kind >= 0)
			continue;
		key = pol_host_util(hd);
		if (pol_topo_same_rack(&c->topo, h, d))
			topk_insert(near, kn, &nn, half, d, key);
		else
			topk_insert(far, kf, &nf, half, d, key);
	}
	/* at most TOPK/2 in the rack and TOPK/2 elsewhere */
	for (i = 0; i < nn; i++)
		q->dsts[n++] = near[i];
	for (i = 0; i < nf; i++)
		q->dsts[n++] = far[i];
	return n;
}

static void host_features(const struct pol_cluster *c, unsigned int h,
			  float *f)
{
	const struct pol_host *hh = &c->hosts[h];
	double ttf = 7200;
	int k;

	memset(f, 0, POL_DQN_F * sizeof(float));
	for (k = 0; k < POL_FK_COUNT; k++)
		if (hh->fc.alarm[k]) {
			f[1 + k] = 1;
			ttf = fmin(ttf, hh->fc.ttf_s[k]);
		}
	/* up to 6 h: a leak is alarmed hours ahead, and moving at once
	 * spends migrations on leaks that stop on their own */
	f[4] = clampf(ttf / 3600, 0, 6);
	f[5] = hh->fc.kind >= 0 ? (float)hh->fc.conf[hh->fc.kind] : 0;
	f[6] = clampf(pol_host_util(hh), 0, 2);
	f[7] = clampf(pol_host_util_after_out(hh), 0, 2);
	f[9] = clampf(hh->fc.util_1h - hh->cpu_out / hh->cores, 0, 3);
	/* how fast the host must empty to be empty in time: when to start */
	f[17] = clampf(pol_host_staying(c, h) * c->step_s /
		       fmax(ttf, c->step_s), 0, 8);
}

/* Features of moving v (on h) to d; nonzero if the mask forbids it. */
static int pair_features(const struct pol_cluster *c, unsigned int h,
			 unsigned int v, unsigned int d, const float *base,
			 float *f)
{
	const struct pol_vm *vm = &c->vms[v];
	const struct pol_host *hd = &c->hosts[d];
	struct pol_mig_cost m;

	if (!pol_cluster_feasible(c, v, d) || pol_cluster_mig_cost(c, v, d, &m))
		return -EINVAL;
	memcpy(f, base, POL_DQN_F * sizeof(float));
	f[8] = clampf(vm->cpu / c->hosts[h].cores, 0, 1);
	f[10] = clampf(m.total_s / c->step_s, 0, 4);
	f[11] = clampf(m.downtime_s / vm->max_pause_s, 0, 10);
	f[12] = clampf((hd->cpu_demand + vm->cpu) / hd->cores, 0, 2);
	f[13] = clampf((hd->mem_alloc + vm->mem_bytes) / hd->mem_bytes, 0, 1);
	f[14] = pol_topo_same_rack(&c->topo, h, d) ? 1 : 0;
	f[15] = clampf(vm->dirty_bps / pol_topo_path_bw(&c->topo, h, d), 0, 2);
	/* a destination ramping up now is tomorrow's overload */
	f[16] = clampf(fmax(hd->fc.util_1h, pol_host_util(hd)) +
		       vm->cpu / hd->cores, 0, 3);
	return 0;
}

int pol_dqn_candidates(struct pol_dqn *q, const struct pol_cluster *c,
		       unsigned int h)
{
	unsigned int nd, v, i, k, nv = 0;
	float *f;

	if (h >= c->n_hosts)
		return -EINVAL;
	host_features(c, h, q->base);
	memcpy(q->feat, q->base, sizeof(q->base));
	q->feat[0] = 1;
	q->cand[0].vm = POL_NO_HOST;
	q->cand[0].dst = POL_NO_HOST;
	q->n_cand = 1;
	nd = screen_dsts(q, c, h);
	for (k = c->vm_start[h]; k < c->vm_start[h + 1] && nv < POL_DQN_MAX_VMS;
	     k++) {
		bool any = false;

		v = c->vm_list[k];
		if (c->vms[v].host != h || c->vms[v].dest != POL_NO_HOST)
			continue;
		for (i = 0; i < nd; i++) {
			f = q->feat + (size_t)q->n_cand * POL_DQN_F;
			if (pair_features(c, h, v, q->dsts[i], q->base, f))
				continue;
			any = true;
			q->cand[q->n_cand].vm = v;
			q->cand[q->n_cand].dst = q->dsts[i];
			q->n_cand++;
		}
		nv += any;
	}
	q->wait_ok = q->n_cand < 2 ||
		     pol_host_util_after_out(&c->hosts[h]) <= 1.0;
	return 0;
}

int pol_dqn_find_or_add(struct pol_dqn *q, const struct pol_cluster *c,
			unsigned int h, const struct pol_order *o)
{
	unsigned int i;

	for (i = 1; i < q->n_cand; i++)
		if (q->cand[i].vm == o->vm && q->cand[i].dst == o->dst)
			return (int)i;
	if (q->n_cand >= POL_DQN_MAX_CAND || o->vm >= c->n_vms ||
	    c->vms[o->vm].host != h ||
	    pair_features(c, h, o->vm, o->dst, q->base,
			  q->feat + (size_t)q->n_cand * POL_DQN_F))
		return -EINVAL;
	q->cand[q->n_cand] = *o;
	return (int)q->n_cand++;
}

/* Host-level features, shared by all moves of one decision. */
static const unsigned int host_idx[] = { 0, 1, 2, 3, 4, 5, 6, 7, 9, 17 };
static const unsigned int pair_idx[] = { 8, 10, 11, 12, 13, 14, 15, 16 };

unsigned int pol_dqn_score(struct pol_dqn *q)
{
	float pre[POL_NN_MAX];
	unsigned int i, best;

	q->q[0] = pol_nn_forward(&q->online, q->feat, NULL);
	if (q->n_cand < 2)
		return 0;
	best = q->wait_ok ? 0 : 1;
	/* layer 1 of the shared part once, then only the pair features */
	pol_nn_pre(&q->online, q->feat + POL_DQN_F, host_idx,
		   sizeof(host_idx) / sizeof(host_idx[0]), pre);
	for (i = 1; i < q->n_cand; i++) {
		q->q[i] = pol_nn_forward_pre(&q->online, pre,
					     q->feat + (size_t)i * POL_DQN_F,
					     pair_idx,
					     sizeof(pair_idx) / sizeof(pair_idx[0]));
		if (q->q[i] > q->q[best])
			best = i;
	}
	return best;
}

int pol_dqn_decide(struct pol_dqn *q, const struct pol_cluster *c,
		   unsigned int h, double eps, struct pol_rng *r,
		   struct pol_order *o, unsigned int *idx)
{
	unsigned int pick;
	int ret;

	ret = pol_dqn_candidates(q, c, h);
	if (ret)
		return ret;
	if (eps > 0 && r && pol_rng_uniform(r) < eps) {
		/* explore: wait half the time, else any feasible move */
		pick = (q->wait_ok && pol_rng_uniform(r) < 0.5) ||
		       q->n_cand == 1 ? 0 : 1 + pol_rng_below(r, q->n_cand - 1);
	} else {
		pick = pol_dqn_score(q);
	}
	if (idx)
		*idx = pick;
	if (pick == 0)
		return 0;
	*o = q->cand[pick];
	return 1;
}
