/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Strict parsing of numbers with units from the command line and the
 * configuration: a value either parses completely or is rejected.
 */
#ifndef PALM_PARSE_UNITS_H
#define PALM_PARSE_UNITS_H

#include <stdint.h>

/* Decimal integer in [min, max]; -EINVAL or -ERANGE otherwise. */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);

/*
 * A link rate, returned in bytes per second.  Units are required, since a
 * bare number is ambiguous between bits and bytes: bit, kbit, mbit, gbit
 * (decimal, per second, as tc writes them) or B, KiB, MiB, GiB (binary).
 */
int parse_rate_bps(const char *s, int64_t *bytes_per_s);

/* A duration in seconds: "90", "90s", "1.5s", "250ms", "2m". */
int parse_duration_s(const char *s, double *seconds);

#endif /* PALM_PARSE_UNITS_H */
