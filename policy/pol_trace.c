// SPDX-License-Identifier: GPL-2.0
/*
 * Trace loader.  The CSV is outside input: every field is checked and a
 * bad file gives a message naming the line, never a crash.
 */
#include "policy/pol_trace.h"
#include "policy/pol_err.h"
#include "policy/pol_rng.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Count comma-separated fields of the header "vm,t0,t1,...". */
static unsigned int header_samples(const char *p, const char *end)
{
	unsigned int n = 0;

	for (; p < end; p++)
		if (*p == ',')
			n++;
	return n;
}

static int parse_row(struct pol_trace *t, const char *p, const char *end,
		     unsigned int row, unsigned int line, char *err,
		     size_t errlen)
{
	char num[32];
	unsigned int k = 0;
	const char *q;
	char *ep;
	double v;
	size_t n;

	q = memchr(p, ',', (size_t)(end - p));
	if (!q || q == p)
		return pol_errf(err, errlen, "line %u: missing VM name", line);
	p = q + 1;
	while (p <= end) {
		q = memchr(p, ',', (size_t)(end - p));
		if (!q)
			q = end;
		n = (size_t)(q - p);
		if (n == 0 || n >= sizeof(num))
			return pol_errf(err, errlen,
					"line %u: field %u empty or too long",
					line, k + 2);
		if (k >= t->n_samples)
			return pol_errf(err, errlen,
					"line %u: more than %u samples", line,
					t->n_samples);
		memcpy(num, p, n);
		num[n] = '\0';
		errno = 0;
		v = strtod(num, &ep);
		if (errno || *ep || !isfinite(v) || v < 0 || v > 100)
			return pol_errf(err, errlen,
					"line %u: field %u \"%s\" is not a CPU percentage 0..100",
					line, k + 2, num);
		t->util[(size_t)row * t->n_samples + k++] = (float)(v / 100.0);
		p = q + 1;
	}
	if (k != t->n_samples)
		return pol_errf(err, errlen, "line %u: %u samples, header says %u",
				line, k, t->n_samples);
	return 0;
}

int pol_trace_parse(struct pol_trace *t, const char *buf, size_t len,
		    char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len, *eol, *le;
	unsigned int line = 0, rows = 0, cap = 0;
	float *grown;
	int ret = 0;

	memset(t, 0, sizeof(*t));
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		le = eol;
		if (le > p && le[-1] == '\r')
			le--;
		line++;
		if (le == p || *p == '#')
			goto next;
		if (!t->n_samples) {
			if (le - p < 3 || strncmp(p, "vm,", 3) != 0) {
				ret = pol_errf(err, errlen,
					       "line %u: expected header \"vm,t0,...\"",
					       line);
				goto fail;
			}
			t->n_samples = header_samples(p, le);
			if (t->n_samples == 0 ||
			    t->n_samples > POL_TRACE_MAX_SAMPLES) {
				ret = pol_errf(err, errlen,
					       "line %u: %u samples (1..%u allowed)",
					       line, t->n_samples,
					       POL_TRACE_MAX_SAMPLES);
				goto fail;
			}
			goto next;
		}
		if (rows >= POL_TRACE_MAX_VMS) {
			ret = pol_errf(err, errlen, "more than %u VMs",
				       POL_TRACE_MAX_VMS);
			goto fail;
		}
		if (rows == cap) {
			cap = cap ? cap * 2 : 256;
			grown = realloc(t->util, (size_t)cap * t->n_samples *
					sizeof(*t->util));
			if (!grown) {
				ret = -ENOMEM;
				goto fail;
			}
			t->util = grown;
		}
		ret = parse_row(t, p, le, rows, line, err, errlen);
		if (ret)
			goto fail;
		rows++;
next:
		p = eol + 1;
	}
	if (!rows) {
		ret = pol_errf(err, errlen, "no VM rows");
		goto fail;
	}
	t->n_vms = rows;
	return 0;
fail:
	pol_trace_free(t);
	return ret;
}

int pol_trace_load(struct pol_trace *t, const char *path, char *err,
		   size_t errlen)
{
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f;
	int ret = 0;

	memset(t, 0, sizeof(*t));
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	for (;;) {
		if (len == cap) {
			char *g;

			cap = cap ? cap * 2 : 1 << 20;
			if (cap > (size_t)1 << 30) {
				ret = pol_errf(err, errlen, "%s: too large", path);
				goto out;
			}
			g = realloc(buf, cap);
			if (!g) {
				ret = -ENOMEM;
				goto out;
			}
			buf = g;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		ret = -EIO;
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	ret = pol_trace_parse(t, buf, len, err, errlen);
	if (ret && err && errlen) {
		char tmp[256];

		snprintf(tmp, sizeof(tmp), "%s", err);
		snprintf(err, errlen, "%s: %s", path, tmp);
	}
out:
	free(buf);
	fclose(f);
	return ret;
}

const char *pol_trace_dir(const char *dir)
{
	const char *env;

	if (dir && *dir)
		return dir;
	env = getenv("PALM_TRACES");
	return env && *env ? env : POL_DEFAULT_TRACES;
}

int pol_trace_load_day(struct pol_trace *t, const char *dir, const char *day,
		       char *err, size_t errlen)
{
	char path[4096];
	size_t i;

	/* a day is a file stem; refuse anything that could leave dir */
	for (i = 0; day[i]; i++)
		if (day[i] == '/' || (day[i] == '.' && day[i + 1] == '.'))
			return pol_errf(err, errlen, "bad day name \"%s\"", day);
	if (i == 0)
		return pol_errf(err, errlen, "empty day name");
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.csv",
			     pol_trace_dir(dir), day) >= sizeof(path))
		return pol_errf(err, errlen, "trace path too long");
	return pol_trace_load(t, path, err, errlen);
}

int pol_trace_synthetic(struct pol_trace *t, unsigned int n_vms,
			unsigned int n_samples, uint64_t seed)
{
	struct pol_rng r;
	unsigned int v, k;
	double base, amp, ph, u;

	memset(t, 0, sizeof(*t));
	if (!n_vms || !n_samples || n_samples > POL_TRACE_MAX_SAMPLES ||
	    n_vms > POL_TRACE_MAX_VMS)
		return -EINVAL;
	t->util = calloc((size_t)n_vms * n_samples, sizeof(*t->util));
	if (!t->util)
		return -ENOMEM;
	t->n_vms = n_vms;
	t->n_samples = n_samples;
	pol_rng_seed(&r, seed);
	for (v = 0; v < n_vms; v++) {
		base = 0.05 + 0.2 * pol_rng_uniform(&r);
		amp = 0.1 * pol_rng_uniform(&r);
		ph = 2 * M_PI * pol_rng_uniform(&r);
		for (k = 0; k < n_samples; k++) {
			u = base + amp * sin(ph + 2 * M_PI * k / n_samples) +
			    0.03 * pol_rng_normal(&r);
			t->util[(size_t)v * n_samples + k] =
				(float)(u < 0 ? 0 : u > 1 ? 1 : u);
		}
	}
	return 0;
}

void pol_trace_free(struct pol_trace *t)
{
	free(t->util);
	t->util = NULL;
	t->n_vms = 0;
	t->n_samples = 0;
}
