/* SPDX-License-Identifier: GPL-2.0 */
/* PlanetLab CPU traces: one VM per row, utilisation samples per day. */
#ifndef PALM_POL_TRACE_H
#define PALM_POL_TRACE_H

#include <stddef.h>
#include <stdint.h>

#define POL_TRACE_MAX_VMS 100000
#define POL_TRACE_MAX_SAMPLES 4096
#define POL_DEFAULT_TRACES "../shared/traces/planetlab"

struct pol_trace {
	unsigned int n_vms;
	unsigned int n_samples;
	float *util;		/* n_vms x n_samples, fraction 0..1 */
};

/* Parse CSV text; on error returns -EINVAL and a message in err. */
int pol_trace_parse(struct pol_trace *t, const char *buf, size_t len,
		    char *err, size_t errlen);
int pol_trace_load(struct pol_trace *t, const char *path, char *err,
		   size_t errlen);
/* Load <dir>/<day>.csv; dir NULL means $PALM_TRACES or the default. */
int pol_trace_load_day(struct pol_trace *t, const char *dir, const char *day,
		       char *err, size_t errlen);
/* Synthetic day for tests: smooth daily wave plus noise. */
int pol_trace_synthetic(struct pol_trace *t, unsigned int n_vms,
			unsigned int n_samples, uint64_t seed);
const char *pol_trace_dir(const char *dir);
void pol_trace_free(struct pol_trace *t);

static inline float pol_trace_at(const struct pol_trace *t, unsigned int vm,
				 unsigned int k)
{
	return t->util[(size_t)vm * t->n_samples + k % t->n_samples];
}

#endif
