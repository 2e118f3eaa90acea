/* SPDX-License-Identifier: GPL-2.0 */
/* Small MLP (in -> h1 -> h2 -> 1, ReLU) with Adam, written for palm. */
#ifndef PALM_POL_NN_H
#define PALM_POL_NN_H

#include "policy/pol_rng.h"

#define POL_NN_MAX 64		/* widest layer */
/* the shape the DQN uses gets constant-width (vectorised) loops */
#define POL_NN_FAST_H1 24
#define POL_NN_FAST_H2 12

struct pol_nn {
	unsigned int n_in, n_h1, n_h2, n_params;
	/* W1[in][h1] b1[h1] W2[h1][h2] b2[h2] w3[h2] b3 (input-major so
	 * the inner loops are axpy and vectorise without -ffast-math) */
	float *w, *g, *m, *v;
	unsigned long adam_t;
};

unsigned int pol_nn_param_count(unsigned int n_in, unsigned int h1,
				 unsigned int h2);
int pol_nn_init(struct pol_nn *nn, unsigned int n_in, unsigned int h1,
		unsigned int h2, struct pol_rng *r);
void pol_nn_free(struct pol_nn *nn);
int pol_nn_copy_weights(struct pol_nn *dst, const struct pol_nn *src);
/* act (h1 + h2 floats) receives activations for backward; may be NULL. */
float pol_nn_forward(const struct pol_nn *nn, const float *x, float *act);
/*
 * Split evaluation for many inputs sharing most features: pol_nn_pre()
 * sums layer 1 over the shared inputs idx[0..n) once, then
 * pol_nn_forward_pre() adds the remaining ones and finishes.
 */
void pol_nn_pre(const struct pol_nn *nn, const float *x,
		const unsigned int *idx, unsigned int n, float *pre);
float pol_nn_forward_pre(const struct pol_nn *nn, const float *pre,
			 const float *x, const unsigned int *idx,
			 unsigned int n);
/* Accumulate d(out)/d(w) * dout into g. */
void pol_nn_backward(struct pol_nn *nn, const float *x, const float *act,
		     float dout);
/* Adam step on the mean of n accumulated gradients, then clear g. */
void pol_nn_adam(struct pol_nn *nn, float lr, unsigned int n);

#endif
