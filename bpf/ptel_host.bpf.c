// SPDX-License-Identifier: GPL-2.0
/*
 * Host pressure events: direct reclaim (a counter), OOM victims and RAS
 * memory-controller errors (ring-buffer events: each one matters).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/ptel_shared.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PTEL_HOST_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} ptel_host_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} ptel_events SEC(".maps");

static void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&ptel_host_counters, &idx);

	if (c)
		(*c)++;
}

SEC("tp_btf/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(ptel_direct_reclaim, int order, gfp_t gfp_flags)
{
	count(PTEL_HOST_DIRECT_RECLAIM);
	return 0;
}

SEC("tp_btf/mark_victim")
int BPF_PROG(ptel_oom_victim, struct task_struct *task, uid_t uid)
{
	struct ptel_event *e;

	count(PTEL_HOST_OOM_VICTIM);
	e = bpf_ringbuf_reserve(&ptel_events, sizeof(*e), 0);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->type = PTEL_EV_OOM;
	e->pid = task->pid;
	e->ts_ns = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* ras:mc_event(err_type, msg, label, count, mc, top, mid, low, addr, grain, syndrome, detail) */
SEC("tp_btf/mc_event")
int ptel_mc_event(__u64 *ctx)
{
	struct ptel_event *e;

	count(PTEL_HOST_MC_EVENT);
	e = bpf_ringbuf_reserve(&ptel_events, sizeof(*e), 0);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->type = PTEL_EV_MC;
	e->ts_ns = bpf_ktime_get_ns();
	e->error_type = (__u32)ctx[0];
	e->error_count = (__s32)ctx[3];
	e->mc_index = (__u8)ctx[4];
	e->top_layer = (__s8)ctx[5];
	e->middle_layer = (__s8)ctx[6];
	e->lower_layer = (__s8)ctx[7];
	e->address = ctx[8];
	bpf_probe_read_kernel_str(e->msg, sizeof(e->msg), (void *)ctx[1]);
	bpf_probe_read_kernel_str(e->label, sizeof(e->label), (void *)ctx[2]);
	bpf_ringbuf_submit(e, 0);
	return 0;
}
