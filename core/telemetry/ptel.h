/* SPDX-License-Identifier: GPL-2.0 */
/*
 * palm's telemetry on one host ("ptel"): what every sample carries, and
 * the sources that can produce it.  eBPF when the kernel lets us, QMP and
 * /proc otherwise; a sample always says which one it came from.
 */
#ifndef PALM_TELEMETRY_PTEL_H
#define PALM_TELEMETRY_PTEL_H

#include <stdint.h>

enum ptel_source {
	PTEL_SRC_NONE = 0,
	PTEL_SRC_BPF_DIRTY_RING,	/* eBPF on kvm:kvm_dirty_ring_push */
	PTEL_SRC_BPF_SCHED,		/* eBPF on sched_switch / sched_wakeup */
	PTEL_SRC_BPF_HOST,		/* eBPF on vmscan, oom, ras */
	PTEL_SRC_QMP_DIRTY_RING,	/* QEMU calc-dirty-rate, dirty-ring mode */
	PTEL_SRC_QMP_SAMPLING,		/* QEMU calc-dirty-rate, page-sampling */
	PTEL_SRC_QMP_MIGRATE,		/* query-migrate dirty-pages-rate */
	PTEL_SRC_SCHEDSTAT,		/* /proc/<pid>/task/<tid>/schedstat */
	PTEL_SRC_PROC,			/* /proc/pressure, meminfo, stat, vmstat */
	PTEL_SRC_RECORDED,		/* events replayed from a recording */
};

/* "bpf-dirty-ring", "qmp-page-sampling", ...; never NULL. */
const char *ptel_source_name(enum ptel_source src);

/* CLOCK_MONOTONIC in ns: the clock bpf_ktime_get_ns() reads too. */
uint64_t ptel_now_ns(void);

#endif /* PALM_TELEMETRY_PTEL_H */
