// SPDX-License-Identifier: GPL-2.0
/* Paired percentile bootstrap of a difference of means (pol_paired.h). */
#include "policy/pol_paired.h"
#include "policy/pol_rng.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of sorted v[0..n) (nearest rank). */
static double quantile(const double *v, unsigned int n, double q)
{
	unsigned int i = (unsigned int)floor(q * (n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

int pol_paired_compare(const double *base, const double *other,
		       unsigned int runs, unsigned int resamples,
		       uint64_t seed, struct pol_paired *out)
{
	double sb = 0, so = 0, *diff = NULL, *rel = NULL;
	unsigned int i, k, undefined = 0;
	struct pol_rng rng;
	int ret = 0;

	if (!runs || resamples < 100)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	for (i = 0; i < runs; i++) {
		if (!isfinite(base[i]) || !isfinite(other[i]))
			return -EINVAL;
		sb += base[i];
		so += other[i];
		out->better += other[i] < base[i];
		out->worse += other[i] > base[i];
	}
	out->runs = runs;
	out->ties = runs - out->better - out->worse;
	out->mean_base = sb / runs;
	out->mean_other = so / runs;
	out->diff = out->mean_other - out->mean_base;
	out->rel = sb != 0 ? so / sb - 1 : NAN;

	diff = malloc(resamples * sizeof(*diff));
	rel = malloc(resamples * sizeof(*rel));
	if (!diff || !rel) {
		ret = -ENOMEM;
		goto out;
	}
	pol_rng_seed(&rng, seed);
	for (k = 0; k < resamples; k++) {
		double b = 0, o = 0;

		for (i = 0; i < runs; i++) {
			unsigned int j = pol_rng_below(&rng, runs);

			b += base[j];
			o += other[j];
		}
		diff[k] = (o - b) / runs;
		if (b != 0)
			rel[k] = o / b - 1;
		else
			undefined++;
	}
	qsort(diff, resamples, sizeof(*diff), cmp_double);
	out->diff_lo = quantile(diff, resamples, 0.025);
	out->diff_hi = quantile(diff, resamples, 0.975);
	if (undefined) {
		out->rel_lo = out->rel_hi = NAN;
	} else {
		qsort(rel, resamples, sizeof(*rel), cmp_double);
		out->rel_lo = quantile(rel, resamples, 0.025);
		out->rel_hi = quantile(rel, resamples, 0.975);
	}
out:
	free(diff);
	free(rel);
	return ret;
}
