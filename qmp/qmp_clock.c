// SPDX-License-Identifier: GPL-2.0
#include "qmp/qmp_clock.h"

#include <time.h>

double qmp_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
