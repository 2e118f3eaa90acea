// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: HMP `info mtree -f` text as palm's RAM sampler reads
 * it.  Whatever it accepts must be ordered, non-overlapping and sum to
 * the size it reports.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "qmp/qmp_ram_sample.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qmp_ram_map m;
	uint64_t sum = 0;
	char err[160];
	unsigned int i;

	if (qmp_ram_map_parse((const char *)data, size, &m, err, sizeof(err)))
		return 0;
	if (!m.n || m.n > QMP_RAM_MAX_RANGES)
		abort();
	for (i = 0; i < m.n; i++) {
		if (!m.r[i].size)
			abort();
		if (i && m.r[i].start < m.r[i - 1].start + m.r[i - 1].size)
			abort();
		sum += m.r[i].size;
	}
	if (sum != m.bytes)
		abort();
	return 0;
}
