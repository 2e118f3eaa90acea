// SPDX-License-Identifier: GPL-2.0
/* ptel_bpf.h without CONFIG_PALM_BPF: every call says "not built". */
#include <errno.h>
#include <stdio.h>

#include "core/telemetry/ptel_bpf.h"

int ptel_bpf_open(unsigned int mask, struct ptel_bpf **out, char *why,
		  size_t len)
{
	(void)mask;
	*out = NULL;
	snprintf(why, len, "built without eBPF telemetry (CONFIG_PALM_BPF=n)");
	return -EOPNOTSUPP;
}

void ptel_bpf_close(struct ptel_bpf *b) { (void)b; }
unsigned int ptel_bpf_groups(const struct ptel_bpf *b) { (void)b; return 0; }

int ptel_bpf_dirty_new_window(struct ptel_bpf *b, pid_t vm_pid)
{
	(void)b; (void)vm_pid;
	return -EOPNOTSUPP;
}

int ptel_bpf_dirty_read(struct ptel_bpf *b, pid_t vm_pid,
			struct ptel_dirty_counts *vcpus, int max, int *n,
			struct ptel_dirty_counts *sum, uint64_t *resets)
{
	(void)b; (void)vm_pid; (void)vcpus; (void)max; (void)n; (void)sum;
	(void)resets;
	return -EOPNOTSUPP;
}

void ptel_bpf_dirty_forget(struct ptel_bpf *b, pid_t vm_pid)
{
	(void)b; (void)vm_pid;
}

int ptel_bpf_track(struct ptel_bpf *b, pid_t tid)
{
	(void)b; (void)tid;
	return -EOPNOTSUPP;
}

int ptel_bpf_untrack(struct ptel_bpf *b, pid_t tid)
{
	(void)b; (void)tid;
	return -EOPNOTSUPP;
}

int ptel_bpf_task_read(struct ptel_bpf *b, pid_t tid,
		       struct ptel_task_sched *out)
{
	(void)b; (void)tid; (void)out;
	return -EOPNOTSUPP;
}

int ptel_bpf_host_read(struct ptel_bpf *b,
		       uint64_t counters[PTEL_HOST_NR_COUNTERS])
{
	(void)b; (void)counters;
	return -EOPNOTSUPP;
}

int ptel_bpf_poll_events(struct ptel_bpf *b, ptel_event_fn *fn, void *ctx)
{
	(void)b; (void)fn; (void)ctx;
	return -EOPNOTSUPP;
}

int ptel_bpf_prog_stats(struct ptel_bpf *b, const char *prog,
			uint64_t *run_ns, uint64_t *run_cnt)
{
	(void)b; (void)prog; (void)run_ns; (void)run_cnt;
	return -EOPNOTSUPP;
}
