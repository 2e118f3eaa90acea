// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the scenario file parser must reject, never crash. */
#include <stddef.h>
#include <stdint.h>

#include "policy/pol_scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pol_scenario s;
	char err[256];

	if (pol_scenario_parse(&s, (const char *)data, size, err, sizeof(err)) == 0)
		(void)pol_scenario_check(&s, err, sizeof(err));
	return 0;
}
