// SPDX-License-Identifier: GPL-2.0
/* Strict unit parsing; see parse_units.h. */
#include "core/parse_units.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* A non-negative finite decimal, and where its unit starts. */
static int parse_number(const char *s, double *v, const char **unit)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	*v = strtod(s, &end);
	if (end == s || errno == ERANGE || !isfinite(*v) || *v < 0)
		return -EINVAL;
	/* strtod accepts hex and inf; a rate is written in decimal */
	if (strpbrk(s, "xXnN") && strpbrk(s, "xXnN") < end)
		return -EINVAL;
	*unit = end;
	return 0;
}

int parse_rate_bps(const char *s, int64_t *bytes_per_s)
{
	static const struct {
		const char *name;
		double bytes;
	} units[] = {
		{ "bit", 1.0 / 8 },	 { "kbit", 1e3 / 8 },
		{ "mbit", 1e6 / 8 },	 { "gbit", 1e9 / 8 },
		{ "B", 1 },		 { "KiB", 1024.0 },
		{ "MiB", 1048576.0 },	 { "GiB", 1073741824.0 },
	};
	const char *unit;
	double v;
	size_t i;

	if (parse_number(s, &v, &unit))
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		double bytes;

		if (strcmp(unit, units[i].name))
			continue;
		bytes = v * units[i].bytes;
		if (bytes < 1 || bytes > 1e15)
			return -ERANGE;
		*bytes_per_s = (int64_t)llround(bytes);
		return 0;
	}
	return -EINVAL;
}

int parse_duration_s(const char *s, double *seconds)
{
	const char *unit;
	double v;

	if (parse_number(s, &v, &unit))
		return -EINVAL;
	if (!strcmp(unit, "") || !strcmp(unit, "s"))
		;
	else if (!strcmp(unit, "ms"))
		v /= 1000;
	else if (!strcmp(unit, "m"))
		v *= 60;
	else if (!strcmp(unit, "h"))
		v *= 3600;
	else
		return -EINVAL;
	if (v > 365.0 * 86400)
		return -ERANGE;
	*seconds = v;
	return 0;
}
