/* SPDX-License-Identifier: GPL-2.0 */
/* Small deterministic PRNG (splitmix64) so every run is reproducible. */
#ifndef PALM_POL_RNG_H
#define PALM_POL_RNG_H

#include <stdint.h>

struct pol_rng {
	uint64_t s;
};

void pol_rng_seed(struct pol_rng *r, uint64_t seed);
uint64_t pol_rng_next(struct pol_rng *r);
/* Uniform in [0, 1). */
double pol_rng_uniform(struct pol_rng *r);
/* Uniform integer in [0, n); n > 0. */
unsigned int pol_rng_below(struct pol_rng *r, unsigned int n);
double pol_rng_normal(struct pol_rng *r);
/* Poisson sample, Knuth's method (small means) or normal approximation. */
unsigned int pol_rng_poisson(struct pol_rng *r, double mean);

#endif
