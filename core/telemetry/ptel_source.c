// SPDX-License-Identifier: GPL-2.0
/* Source tags of telemetry samples, and the clock they are stamped with. */
#include <time.h>

#include "core/telemetry/ptel.h"

const char *ptel_source_name(enum ptel_source src)
{
	switch (src) {
	case PTEL_SRC_NONE:		return "none";
	case PTEL_SRC_BPF_DIRTY_RING:	return "bpf-dirty-ring";
	case PTEL_SRC_BPF_SCHED:	return "bpf-sched";
	case PTEL_SRC_BPF_HOST:		return "bpf-host";
	case PTEL_SRC_QMP_DIRTY_RING:	return "qmp-dirty-ring";
	case PTEL_SRC_QMP_SAMPLING:	return "qmp-page-sampling";
	case PTEL_SRC_QMP_MIGRATE:	return "qmp-query-migrate";
	case PTEL_SRC_SCHEDSTAT:	return "schedstat";
	case PTEL_SRC_PROC:		return "proc";
	case PTEL_SRC_RECORDED:		return "recorded";
	}
	return "unknown";
}

uint64_t ptel_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
