// SPDX-License-Identifier: GPL-2.0
/*
 * On-CPU time, run-queue wait and wake-ups of the threads user space
 * tracks (vCPU threads).  Untracked threads cost one failed lookup.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/ptel_shared.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PTEL_MAX_TASKS);
	__type(key, __u32);			/* thread id */
	__type(value, struct ptel_task_sched);
} ptel_tasks SEC(".maps");

SEC("tp_btf/sched_switch")
int BPF_PROG(ptel_sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	__u64 now = bpf_ktime_get_ns();
	struct ptel_task_sched *t;
	__u32 tid;

	tid = prev->pid;
	t = bpf_map_lookup_elem(&ptel_tasks, &tid);
	if (t) {
		if (t->running && now > t->last_in_ns)
			t->oncpu_ns += now - t->last_in_ns;
		t->running = 0;
		/* still runnable: it waits in the run queue from now */
		if (prev_state == 0) {
			t->queued_ns = now;
			t->preempted++;
		}
	}
	tid = next->pid;
	t = bpf_map_lookup_elem(&ptel_tasks, &tid);
	if (t) {
		if (t->queued_ns && now > t->queued_ns)
			t->wait_ns += now - t->queued_ns;
		/* seeded as running by ptel_bpf_track while it was queued:
		 * the time since the seed was run-queue wait */
		else if (t->running && now > t->last_in_ns)
			t->wait_ns += now - t->last_in_ns;
		t->queued_ns = 0;
		t->last_in_ns = now;
		t->running = 1;
		t->switches_in++;
	}
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(ptel_sched_wakeup, struct task_struct *p)
{
	struct ptel_task_sched *t;
	__u32 tid = p->pid;

	t = bpf_map_lookup_elem(&ptel_tasks, &tid);
	if (t) {
		if (!t->queued_ns && !t->running)
			t->queued_ns = bpf_ktime_get_ns();
		t->wakeups++;
	}
	return 0;
}
