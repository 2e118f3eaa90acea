/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vCPU load: on-CPU time, run-queue wait (the steal the guest sees) and
 * wake-ups of vCPU threads, from eBPF scheduler accounting when the thread
 * is tracked, else from /proc/<pid>/task/<tid>/schedstat (no wake-ups).
 */
#ifndef PALM_TELEMETRY_PTEL_VCPU_H
#define PALM_TELEMETRY_PTEL_VCPU_H

#include <stdint.h>
#include <sys/types.h>

#include "core/telemetry/ptel.h"
#include "core/telemetry/ptel_bpf.h"

/* Cumulative times of one thread at t_ns. */
struct ptel_vcpu_times {
	enum ptel_source src;
	uint64_t t_ns;
	uint64_t oncpu_ns;
	uint64_t wait_ns;
	uint64_t slices;	/* times it got a CPU */
	uint64_t wakeups;	/* bpf only */
};

/* Load between two readings of the same thread from the same source. */
struct ptel_vcpu_load {
	enum ptel_source src;
	double load;		/* on-CPU share of the interval, 0..1 */
	double wait;		/* run-queue wait share, 0..1 */
	double wakeups_per_s;
};

/* "<oncpu ns> <wait ns> <slices>\n" as in schedstat; -EINVAL otherwise. */
int ptel_schedstat_parse(const char *buf, struct ptel_vcpu_times *out);
int ptel_schedstat_read(pid_t pid, pid_t tid, struct ptel_vcpu_times *out);

/* eBPF when b tracks tid, else schedstat. */
int ptel_vcpu_times_read(struct ptel_bpf *b, pid_t pid, pid_t tid,
			 struct ptel_vcpu_times *out);

/* -EINVAL when the two readings do not compare (source, order). */
int ptel_vcpu_load(const struct ptel_vcpu_times *a,
		   const struct ptel_vcpu_times *b, struct ptel_vcpu_load *out);

#endif /* PALM_TELEMETRY_PTEL_VCPU_H */
