// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the PlanetLab CSV trace parser. */
#include <stddef.h>
#include <stdint.h>

#include "policy/pol_trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pol_trace t;
	char err[256];

	if (pol_trace_parse(&t, (const char *)data, size, err, sizeof(err)) == 0)
		pol_trace_free(&t);
	return 0;
}
