// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: libvirt job statistics (a job type and typed
 * parameters of any name, type and value, as a libvirtd could send) read
 * as query-migrate.  Whatever palm accepts must be consistent.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "generated/palm_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#if CONFIG_PALM_LIBVIRT
#include <libvirt/libvirt.h>

#include "qmp/lv/qmp_lv.h"

static const char *const names[] = {
	VIR_DOMAIN_JOB_TIME_ELAPSED, VIR_DOMAIN_JOB_DOWNTIME,
	VIR_DOMAIN_JOB_SETUP_TIME, VIR_DOMAIN_JOB_MEMORY_TOTAL,
	VIR_DOMAIN_JOB_MEMORY_PROCESSED, VIR_DOMAIN_JOB_MEMORY_REMAINING,
	VIR_DOMAIN_JOB_MEMORY_CONSTANT, VIR_DOMAIN_JOB_MEMORY_NORMAL,
	VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE, VIR_DOMAIN_JOB_MEMORY_ITERATION,
	VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE, VIR_DOMAIN_JOB_MEMORY_POSTCOPY_REQS,
	VIR_DOMAIN_JOB_MEMORY_BPS, VIR_DOMAIN_JOB_AUTO_CONVERGE_THROTTLE,
	VIR_DOMAIN_JOB_ERRMSG, "disk_total", "x",
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	virTypedParameterPtr p = NULL;
	struct qmp_migrate_info i;
	int n = 0, max = 0, type;
	char err[160], s[9];
	uint64_t v;
	bool postcopy;

	if (size < 2 || virInitialize() < 0)
		return 0;
	type = (int8_t)data[0];
	postcopy = data[1] & 1;
	data += 2;
	size -= 2;
	/* records of: name index, type, 8 value bytes */
	while (size >= 10 && n < 64) {
		const char *name = names[data[0] % NNAMES];

		memcpy(&v, data + 2, 8);
		switch (data[1] % 4) {
		case 0:
			virTypedParamsAddULLong(&p, &n, &max, name, v);
			break;
		case 1:
			virTypedParamsAddInt(&p, &n, &max, name, (int)v);
			break;
		case 2:
			memcpy(s, data + 2, 8);
			s[8] = '\0';
			virTypedParamsAddString(&p, &n, &max, name, s);
			break;
		default:
			virTypedParamsAddLLong(&p, &n, &max, name, (long long)v);
			break;
		}
		data += 10;
		size -= 10;
	}
	if (qmp_lv_job_decode(type, p, n, postcopy, &i, err, sizeof(err)) == 0) {
		if (!i.status[0] || memchr(i.error_desc, '\0',
					  sizeof(i.error_desc)) == NULL)
			abort();
		if (i.ram_page_size & (i.ram_page_size - 1))
			abort();
		if (i.cpu_throttle_percentage < 0 || i.cpu_throttle_percentage > 100)
			abort();
		if (i.total_time_ms < 0 || i.downtime_ms < 0 || i.setup_time_ms < 0)
			abort();
	}
	virTypedParamsFree(p, n);
	return 0;
}
#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}
#endif
