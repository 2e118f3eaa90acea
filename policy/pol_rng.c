// SPDX-License-Identifier: GPL-2.0
/* splitmix64: tiny state, good enough statistics for simulation. */
#include "policy/pol_rng.h"

#include <math.h>

void pol_rng_seed(struct pol_rng *r, uint64_t seed)
{
	r->s = seed ^ 0x9e3779b97f4a7c15ULL;
}

uint64_t pol_rng_next(struct pol_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double pol_rng_uniform(struct pol_rng *r)
{
	return (double)(pol_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

unsigned int pol_rng_below(struct pol_rng *r, unsigned int n)
{
	return (unsigned int)(pol_rng_uniform(r) * n) % n;
}

double pol_rng_normal(struct pol_rng *r)
{
	double u1 = pol_rng_uniform(r), u2 = pol_rng_uniform(r);

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

unsigned int pol_rng_poisson(struct pol_rng *r, double mean)
{
	double l, p = 1.0, x;
	unsigned int k = 0;

	if (mean <= 0)
		return 0;
	if (mean > 30) {
		x = mean + sqrt(mean) * pol_rng_normal(r);
		return x < 0 ? 0 : (unsigned int)(x + 0.5);
	}
	l = exp(-mean);
	do {
		k++;
		p *= pol_rng_uniform(r);
	} while (p > l);
	return k - 1;
}
