// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the test guest's serial lines, as a host reads them. */
#include <stddef.h>
#include <stdint.h>

#include "core/guest_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_pause_meter m;
	struct guest_line line;

	guest_pause_meter_init(&m, 10);
	if (guest_parse_line((const char *)data, size, &line) == 0)
		guest_pause_meter_feed(&m, &line, 1.0);
	return 0;
}
