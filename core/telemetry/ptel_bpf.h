/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loader of palm's eBPF programs (bpf/) and readers of their maps.  Each
 * program group (dirty ring, scheduler, host) loads on its own: a kernel
 * without one tracepoint loses that group only.  Without CONFIG_PALM_BPF,
 * BTF or privileges, ptel_bpf_open fails with a reason and callers use
 * the QMP and /proc fallbacks.
 */
#ifndef PALM_TELEMETRY_PTEL_BPF_H
#define PALM_TELEMETRY_PTEL_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf/ptel_shared.h"

struct ptel_bpf;

enum ptel_bpf_group {
	PTEL_BPF_DIRTY = 1 << 0,
	PTEL_BPF_SCHED = 1 << 1,
	PTEL_BPF_HOST = 1 << 2,
	PTEL_BPF_RAS = 1 << 3,		/* ras:mc_event, part of the host group */
	PTEL_BPF_ALL = 0xf,
};

/*
 * Loads and attaches the groups in mask.  0 when at least one loaded
 * (ptel_bpf_groups says which); otherwise -EOPNOTSUPP (built without
 * CONFIG_PALM_BPF), -ENOENT (no kernel BTF), -EPERM (needs CAP_BPF and
 * CAP_PERFMON) or another errno, with the reason in why.
 */
int ptel_bpf_open(unsigned int mask, struct ptel_bpf **out, char *why,
		  size_t len);
void ptel_bpf_close(struct ptel_bpf *b);
unsigned int ptel_bpf_groups(const struct ptel_bpf *b);

/* Dirty-ring counters of one vCPU thread (or their sum over a VM). */
struct ptel_dirty_counts {
	pid_t tid;		/* 0 in a sum */
	int vcpu_idx;		/* KVM's vCPU index, -1 in a sum */
	uint64_t pushes;	/* raw kvm_dirty_ring_push events */
	uint64_t uniq;		/* first pushes of a page in the VM's window */
	uint64_t ring_full;	/* kvm_dirty_ring_exit */
};

/* Starts a new window for the VM: every page counts once more from now. */
int ptel_bpf_dirty_new_window(struct ptel_bpf *b, pid_t vm_pid);
/*
 * The VM's vCPU threads (up to max, sorted by tid) and their sum; *n gets
 * the number found.  resets (may be NULL): the VM's ring harvests.
 * Reads less than 5 ms apart share one pass over the map (a pass costs
 * the map's size); a new window always reads afresh.
 */
int ptel_bpf_dirty_read(struct ptel_bpf *b, pid_t vm_pid,
			struct ptel_dirty_counts *vcpus, int max, int *n,
			struct ptel_dirty_counts *sum, uint64_t *resets);
/* Drops the VM's entries (it exited). */
void ptel_bpf_dirty_forget(struct ptel_bpf *b, pid_t vm_pid);

/* Scheduler accounting for one thread, from when it is tracked. */
int ptel_bpf_track(struct ptel_bpf *b, pid_t tid);
int ptel_bpf_untrack(struct ptel_bpf *b, pid_t tid);
/* -ENOENT when not tracked.  oncpu_ns includes the running slice. */
int ptel_bpf_task_read(struct ptel_bpf *b, pid_t tid,
		       struct ptel_task_sched *out);

/* Host counters summed over CPUs, indexed by enum ptel_host_counter. */
int ptel_bpf_host_read(struct ptel_bpf *b,
		       uint64_t counters[PTEL_HOST_NR_COUNTERS]);

/* Consumes pending OOM / RAS events; returns how many, or -errno. */
typedef void ptel_event_fn(void *ctx, const struct ptel_event *ev);
int ptel_bpf_poll_events(struct ptel_bpf *b, ptel_event_fn *fn, void *ctx);

/* run_time_ns and run_cnt of one program (needs kernel.bpf_stats_enabled). */
int ptel_bpf_prog_stats(struct ptel_bpf *b, const char *prog,
			uint64_t *run_ns, uint64_t *run_cnt);

#endif /* PALM_TELEMETRY_PTEL_BPF_H */
