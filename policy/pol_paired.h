/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Paired comparison of two policies run on the same days and seeds.
 *
 * The SLA figures are carried by a few rare runs (one VM caught by a
 * failure is most of a day's violation), so means with a standard
 * deviation larger than themselves say little.  Pairing each run of
 * one policy with the other's on the same day and seed, and
 * resampling the runs (percentile bootstrap), says whether a
 * difference is larger than that noise.
 */
#ifndef PALM_POL_PAIRED_H
#define PALM_POL_PAIRED_H

#include <stdint.h>

struct pol_paired {
	unsigned int runs;
	double mean_base, mean_other;
	double diff, diff_lo, diff_hi;	/* other - base, 95 % interval */
	/* other / base - 1 and its 95 % interval; NAN where a resample
	 * of the base has mean 0 (no relative change is defined) */
	double rel, rel_lo, rel_hi;
	/* lower is better: runs where other < base, other > base, equal */
	unsigned int better, worse, ties;
};

/*
 * Compare other[i] against base[i], i < runs (both finite), with
 * `resamples` bootstrap resamples from `seed`.  Returns 0, -EINVAL for
 * no runs, too few resamples (< 100) or a non-finite value, -ENOMEM.
 */
int pol_paired_compare(const double *base, const double *other,
		       unsigned int runs, unsigned int resamples,
		       uint64_t seed, struct pol_paired *out);

#endif
