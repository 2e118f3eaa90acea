// SPDX-License-Identifier: GPL-2.0
/* MLP forward/backward and Adam.  Floats: small, fast, enough precision. */
#include "policy/pol_nn.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CLIP_NORM 10.0f

unsigned int pol_nn_param_count(unsigned int n_in, unsigned int h1,
				unsigned int h2)
{
	return n_in * h1 + h1 + h1 * h2 + h2 + h2 + 1;
}

int pol_nn_init(struct pol_nn *nn, unsigned int n_in, unsigned int h1,
		unsigned int h2, struct pol_rng *r)
{
	unsigned int i;
	float lim;

	memset(nn, 0, sizeof(*nn));
	if (!n_in || !h1 || !h2 || n_in > POL_NN_MAX || h1 > POL_NN_MAX ||
	    h2 > POL_NN_MAX)
		return -EINVAL;
	nn->n_in = n_in;
	nn->n_h1 = h1;
	nn->n_h2 = h2;
	nn->n_params = pol_nn_param_count(n_in, h1, h2);
	nn->w = calloc(nn->n_params, sizeof(float));
	nn->g = calloc(nn->n_params, sizeof(float));
	nn->m = calloc(nn->n_params, sizeof(float));
	nn->v = calloc(nn->n_params, sizeof(float));
	if (!nn->w || !nn->g || !nn->m || !nn->v) {
		pol_nn_free(nn);
		return -ENOMEM;
	}
	if (!r)
		return 0;
	/* He-uniform for ReLU layers; biases start at zero */
	lim = sqrtf(6.0f / n_in);
	for (i = 0; i < n_in * h1; i++)
		nn->w[i] = lim * (2 * (float)pol_rng_uniform(r) - 1);
	lim = sqrtf(6.0f / h1);
	for (i = 0; i < h1 * h2; i++)
		nn->w[n_in * h1 + h1 + i] = lim * (2 * (float)pol_rng_uniform(r) - 1);
	lim = sqrtf(3.0f / h2);
	for (i = 0; i < h2; i++)
		nn->w[n_in * h1 + h1 + h1 * h2 + h2 + i] =
			0.1f * lim * (2 * (float)pol_rng_uniform(r) - 1);
	return 0;
}

void pol_nn_free(struct pol_nn *nn)
{
	free(nn->w);
	free(nn->g);
	free(nn->m);
	free(nn->v);
	memset(nn, 0, sizeof(*nn));
}

int pol_nn_copy_weights(struct pol_nn *dst, const struct pol_nn *src)
{
	if (dst->n_params != src->n_params)
		return -EINVAL;
	memcpy(dst->w, src->w, src->n_params * sizeof(float));
	return 0;
}

/*
 * Layers 2 and 3 from the layer-1 pre-activation.  Inlined with constant
 * widths for the DQN's shape so the loops vectorise at -O2.
 */
static inline __attribute__((always_inline)) float
fwd_tail(const struct pol_nn *nn, float *a1, float *act, unsigned int h1,
	 unsigned int h2)
{
	const float *w2 = nn->w + nn->n_in * h1 + h1;
	const float *b2 = w2 + h1 * h2, *w3 = b2 + h2, *b3 = w3 + h2;
	float a2[POL_NN_MAX], out;
	unsigned int i, j;

	for (j = 0; j < h1; j++)
		a1[j] = a1[j] > 0 ? a1[j] : 0;
	memcpy(a2, b2, h2 * sizeof(float));
	for (i = 0; i < h1; i++) {
		const float ai = a1[i], *row = w2 + i * h2;

		for (j = 0; j < h2; j++)
			a2[j] += row[j] * ai;
	}
	out = *b3;
	for (j = 0; j < h2; j++) {
		a2[j] = a2[j] > 0 ? a2[j] : 0;
		out += w3[j] * a2[j];
	}
	if (act) {
		memcpy(act, a1, h1 * sizeof(float));
		memcpy(act + h1, a2, h2 * sizeof(float));
	}
	return out;
}

/* a1 += W1[i] * x[i] for the listed inputs (all when idx is NULL). */
static inline __attribute__((always_inline)) void
fwd_layer1(const struct pol_nn *nn, float *a1, const float *x,
	   const unsigned int *idx, unsigned int n, unsigned int h1)
{
	const float *row;
	unsigned int k, i, j;
	float xi;

	for (k = 0; k < n; k++) {
		i = idx ? idx[k] : k;
		xi = x[i];
		row = nn->w + i * h1;
		if (xi == 0)
			continue;
		for (j = 0; j < h1; j++)
			a1[j] += row[j] * xi;
	}
}

float pol_nn_forward(const struct pol_nn *nn, const float *x, float *act)
{
	float a1[POL_NN_MAX];
	const unsigned int h1 = nn->n_h1;

	memcpy(a1, nn->w + nn->n_in * h1, h1 * sizeof(float));
	if (h1 == POL_NN_FAST_H1 && nn->n_h2 == POL_NN_FAST_H2) {
		fwd_layer1(nn, a1, x, NULL, nn->n_in, POL_NN_FAST_H1);
		return fwd_tail(nn, a1, act, POL_NN_FAST_H1, POL_NN_FAST_H2);
	}
	fwd_layer1(nn, a1, x, NULL, nn->n_in, h1);
	return fwd_tail(nn, a1, act, h1, nn->n_h2);
}

void pol_nn_pre(const struct pol_nn *nn, const float *x,
		const unsigned int *idx, unsigned int n, float *pre)
{
	memcpy(pre, nn->w + nn->n_in * nn->n_h1, nn->n_h1 * sizeof(float));
	fwd_layer1(nn, pre, x, idx, n, nn->n_h1);
}

float pol_nn_forward_pre(const struct pol_nn *nn, const float *pre,
			 const float *x, const unsigned int *idx,
			 unsigned int n)
{
	float a1[POL_NN_MAX];
	const unsigned int h1 = nn->n_h1;

	memcpy(a1, pre, h1 * sizeof(float));
	if (h1 == POL_NN_FAST_H1 && nn->n_h2 == POL_NN_FAST_H2) {
		fwd_layer1(nn, a1, x, idx, n, POL_NN_FAST_H1);
		return fwd_tail(nn, a1, NULL, POL_NN_FAST_H1, POL_NN_FAST_H2);
	}
	fwd_layer1(nn, a1, x, idx, n, h1);
	return fwd_tail(nn, a1, NULL, h1, nn->n_h2);
}

void pol_nn_backward(struct pol_nn *nn, const float *x, const float *act,
		     float dout)
{
	const unsigned int ni = nn->n_in, h1 = nn->n_h1, h2 = nn->n_h2;
	const float *w1 = nn->w, *b1 = w1 + ni * h1, *w2 = b1 + h1;
	const float *b2 = w2 + h1 * h2, *w3 = b2 + h2;
	float *g1 = nn->g, *gb1 = g1 + ni * h1, *g2 = gb1 + h1;
	float *gb2 = g2 + h1 * h2, *g3 = gb2 + h2, *gb3 = g3 + h2;
	const float *a1 = act, *a2 = act + h1;
	float d2[POL_NN_MAX], d1[POL_NN_MAX];
	unsigned int i, j;

	*gb3 += dout;
	for (j = 0; j < h2; j++) {
		g3[j] += dout * a2[j];
		d2[j] = a2[j] > 0 ? dout * w3[j] : 0;
		gb2[j] += d2[j];
	}
	for (i = 0; i < h1; i++) {
		float s = 0;

		for (j = 0; j < h2; j++) {
			g2[i * h2 + j] += a1[i] * d2[j];
			s += w2[i * h2 + j] * d2[j];
		}
		d1[i] = a1[i] > 0 ? s : 0;
		gb1[i] += d1[i];
	}
	for (i = 0; i < ni; i++)
		for (j = 0; j < h1; j++)
			g1[i * h1 + j] += x[i] * d1[j];
}

void pol_nn_adam(struct pol_nn *nn, float lr, unsigned int n)
{
	const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
	float norm = 0, scale, c1, c2, gi;
	unsigned int i;

	if (!n)
		return;
	for (i = 0; i < nn->n_params; i++) {
		nn->g[i] /= n;
		norm += nn->g[i] * nn->g[i];
	}
	norm = sqrtf(norm);
	scale = norm > CLIP_NORM ? CLIP_NORM / norm : 1;
	nn->adam_t++;
	c1 = 1 - powf(b1, (float)nn->adam_t);
	c2 = 1 - powf(b2, (float)nn->adam_t);
	for (i = 0; i < nn->n_params; i++) {
		gi = nn->g[i] * scale;
		nn->m[i] = b1 * nn->m[i] + (1 - b1) * gi;
		nn->v[i] = b2 * nn->v[i] + (1 - b2) * gi * gi;
		nn->w[i] -= lr * (nn->m[i] / c1) / (sqrtf(nn->v[i] / c2) + eps);
		nn->g[i] = 0;
	}
}
