// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: recorded ras:mc_event lines into the RAS aggregator. */
#include <stddef.h>
#include <stdint.h>

#include "core/telemetry/ptel_ras.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ptel_ras r;
	struct ptel_event ev;

	ptel_ras_init(&r, 3600);
	if (!ptel_ras_parse_line((const char *)data, size, &ev))
		ptel_ras_add(&r, &ev);
	return 0;
}
