/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dirty pages of one VM: distinct guest pages per window (eBPF on the KVM
 * dirty ring) and the working-set curve W(T) = distinct pages dirtied in
 * the first T ms of a window.  KVM pushes only while dirty logging is on,
 * so on a VM that is not migrating ptel_dirty_measure opens the window
 * with QEMU's calc-dirty-rate in dirty-ring mode.  Fallbacks without eBPF:
 * calc-dirty-rate page-sampling, or query-migrate during a migration.
 */
#ifndef PALM_TELEMETRY_PTEL_DIRTY_H
#define PALM_TELEMETRY_PTEL_DIRTY_H

#include <stdint.h>
#include <sys/types.h>

#include "core/telemetry/ptel.h"
#include "core/telemetry/ptel_bpf.h"

struct qmp_client;

#define PTEL_DIRTY_MAX_VCPUS 64
#define PTEL_CURVE_MAX 128

/* A window of one VM: the counters when it opened. */
struct ptel_dirty_window {
	pid_t pid;
	uint64_t t0_ns;
	struct ptel_dirty_counts base;
	uint64_t base_resets;
	int nvcpu;
	struct ptel_dirty_counts vbase[PTEL_DIRTY_MAX_VCPUS];
};

/* What a window saw so far. */
struct ptel_dirty_point {
	uint32_t t_ms;		/* since the window opened */
	uint64_t distinct;	/* distinct pages dirtied in the window */
	uint64_t pushes;	/* raw dirty-ring pushes (QEMU counts these) */
};

int ptel_dirty_window_open(struct ptel_bpf *b, pid_t vm_pid,
			   struct ptel_dirty_window *w);
/* One vCPU thread's share of a window. */
struct ptel_dirty_vcpu {
	pid_t tid;
	int vcpu_idx;		/* KVM's index, -1 if unknown */
	uint64_t distinct;	/* pages this vCPU dirtied first in the window */
};

/*
 * Like ptel_dirty_window_read, with each vCPU thread named: up to max
 * entries into out, *n set to how many.
 */
int ptel_dirty_window_read_vcpus(struct ptel_bpf *b,
				 const struct ptel_dirty_window *w,
				 struct ptel_dirty_point *p,
				 struct ptel_dirty_vcpu *out, int max, int *n);

/* Totals since the window opened; vcpu_distinct (may be NULL, up to
 * PTEL_DIRTY_MAX_VCPUS, in tid order) per vCPU thread. */
int ptel_dirty_window_read(struct ptel_bpf *b,
			   const struct ptel_dirty_window *w,
			   struct ptel_dirty_point *p, uint64_t *ring_full,
			   uint64_t *resets, uint64_t *vcpu_distinct,
			   int *nvcpu);

/* One measurement of a VM's dirtying. */
struct ptel_dirty_measure {
	enum ptel_source src;
	uint32_t window_ms;		/* measured span */
	uint64_t distinct;		/* distinct pages in the window (bpf) */
	uint64_t pushes;		/* raw pushes (bpf) */
	uint64_t ring_full, resets;	/* bpf */
	double pages_per_s;		/* distinct / window: the unique rate */
	double raw_pages_per_s;		/* pushes / window */
	int64_t qemu_mbps;		/* QEMU's own answer, -1 if none */
	uint32_t time_to_answer_ms;	/* from request to result */
	unsigned int npoints;		/* the working-set curve W(t_ms) */
	struct ptel_dirty_point curve[PTEL_CURVE_MAX];
	int nvcpu;
	uint64_t vcpu_distinct[PTEL_DIRTY_MAX_VCPUS];
};

/*
 * Opens a window on the VM and runs calc-dirty-rate (dirty-ring mode) for
 * calc_s seconds through qmp, reading the window every step_ms into the
 * curve; the final point covers QEMU's whole logging period.  Needs the
 * dirty group loaded and QEMU started with -accel kvm,dirty-ring-size=N.
 */
int ptel_dirty_measure(struct ptel_bpf *b, struct qmp_client *qmp,
		       pid_t vm_pid, int calc_s, unsigned int step_ms,
		       struct ptel_dirty_measure *out);

/* Fallback: QEMU alone (mode "page-sampling" or "dirty-ring"). */
int ptel_dirty_measure_qmp(struct qmp_client *qmp, int calc_s,
			   const char *mode, struct ptel_dirty_measure *out);

/* During a migration: query-migrate's dirty-pages-rate (pages/s). */
int ptel_dirty_from_migrate(struct qmp_client *qmp,
			    struct ptel_dirty_measure *out);

/* Expected distinct pages after `writes` uniform writes over ws pages. */
double ptel_expected_distinct(double ws_pages, double writes);

#endif /* PALM_TELEMETRY_PTEL_DIRTY_H */
