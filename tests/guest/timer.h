/* SPDX-License-Identifier: GPL-2.0 */
/* Guest time: the TSC, calibrated once against the PIT. */
#ifndef PALM_GUEST_TIMER_H
#define PALM_GUEST_TIMER_H

#include <stdint.h>

/* TSC ticks per millisecond, or 0 if the PIT did not respond. */
uint32_t tsc_calibrate_khz(void);

#endif
