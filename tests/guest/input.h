/* SPDX-License-Identifier: GPL-2.0 */
/* Verify requests from the host: 'v' on COM1 or the 'v' key on PS/2. */
#ifndef PALM_GUEST_INPUT_H
#define PALM_GUEST_INPUT_H

#include <stdbool.h>

/* Drains whatever is waiting, never blocks; true if a 'v' was seen. */
bool input_poll_verify(void);

#endif
