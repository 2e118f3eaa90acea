// SPDX-License-Identifier: GPL-2.0
/*
 * One error helper for the trace and scenario loaders: a bad input's
 * message goes into the caller's buffer and the loader returns -EINVAL.
 */
#include "policy/pol_err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int pol_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}
