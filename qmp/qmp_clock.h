/* SPDX-License-Identifier: GPL-2.0 */
/* The one clock the migration loops and their watchers time with. */
#ifndef PALM_QMP_CLOCK_H
#define PALM_QMP_CLOCK_H

/* Seconds on CLOCK_MONOTONIC: never steps with the wall clock. */
double qmp_now_s(void);

#endif /* PALM_QMP_CLOCK_H */
