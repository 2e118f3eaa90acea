/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loaders' error helper: the message formatted into (err, errlen),
 * when err is given, and -EINVAL returned, for "return pol_errf(...)".
 */
#ifndef PALM_POL_ERR_H
#define PALM_POL_ERR_H

#include <stddef.h>

int pol_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
