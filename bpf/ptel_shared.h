/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layouts shared by palm's eBPF programs (bpf/NAME.bpf.c) and their
 * loader (core/telemetry/).  Fixed-width types and explicit padding only:
 * both sides read the same bytes.
 */
#ifndef PALM_BPF_PTEL_SHARED_H
#define PALM_BPF_PTEL_SHARED_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Per-VM window ids live in an array indexed by tgid % this (power of 2). */
#define PTEL_EPOCH_SLOTS 4096
#define PTEL_MAX_VCPUS 8192		/* dirty-ring vCPU threads tracked */
#define PTEL_MAX_TASKS 8192		/* threads with scheduler accounting */
/*
 * Distinct pages: a VM with a window open owns one region of the page
 * bitmap; a (slot, offset) hashes to one bit of it, set on its first push
 * of the window.  Two pages of one window on one bit count once; user
 * space corrects for that (linear counting).  A region is 2^15 bits =
 * 4 KiB, one page: on this host every memory page an event touches costs
 * a TLB miss (the TLB is cold after each vCPU exit), so the region's size
 * is the per-event cost, see bench/telemetry/RESULTS.md.
 */
#define PTEL_REGION_BITS_LOG2 15
#define PTEL_REGION_BITS (1U << PTEL_REGION_BITS_LOG2)
#define PTEL_REGION_WORDS (PTEL_REGION_BITS / 64)
#define PTEL_REGIONS 64			/* VMs with a window open at once */
/*
 * Per-VM window word, ptel_vm_win[tgid % PTEL_EPOCH_SLOTS]: window id << 8
 * | (region + 1); region 0 = no window (pushes counted, pages not).
 */
#define PTEL_WIN_REGION(w) ((int)((w) & 0xff) - 1)
#define PTEL_RAS_STR 64

/* Dirty-ring counters of one vCPU thread; only that thread writes them. */
struct ptel_vcpu_dirty {
	__u32 tgid;
	__s32 vcpu_idx;		/* kvm_dirty_ring.index: KVM's vCPU index */
	__u64 pushes;		/* every kvm_dirty_ring_push */
	__u64 uniq;		/* pushes that set a bit of the window's region */
	__u64 ring_full;	/* kvm_dirty_ring_exit: vCPU stopped, ring full */
	__u64 last_offset;	/* last page pushed, to skip repeats cheaply */
	__u32 last_slot;
	__u32 last_win;	/* window word of last_offset */
};

/* Per-VM dirty-ring harvests (KVM_RESET_DIRTY_RINGS, per ring reset). */
struct ptel_vm_dirty {
	__u64 resets;
};

/* Scheduler accounting of one tracked thread (a vCPU). */
struct ptel_task_sched {
	__u64 oncpu_ns;		/* completed on-CPU slices */
	__u64 wait_ns;		/* runnable but not running (run-queue wait) */
	__u64 wakeups;
	__u64 switches_in;
	__u64 preempted;	/* switched out while still runnable */
	__u64 last_in_ns;	/* bpf_ktime_get_ns of the last switch-in */
	__u64 queued_ns;	/* when it became runnable; 0 when not queued */
	__u32 running;		/* 1 while on a CPU */
	__u32 pad;
};

/* Host-wide per-CPU counters, indexed by enum ptel_host_counter. */
enum ptel_host_counter {
	PTEL_HOST_DIRECT_RECLAIM = 0,
	PTEL_HOST_OOM_VICTIM,
	PTEL_HOST_MC_EVENT,
	PTEL_HOST_NR_COUNTERS,
};

/* Ring-buffer events: only what must be seen one by one. */
enum ptel_event_type {
	PTEL_EV_OOM = 1,
	PTEL_EV_MC = 2,
};

struct ptel_event {
	__u32 type;		/* enum ptel_event_type */
	__u32 pid;		/* OOM victim */
	__u64 ts_ns;
	/* ras:mc_event */
	__u32 error_type;	/* 0 corrected, 1 uncorrected, 2 deferred, 3 fatal, 4 info */
	__s32 error_count;
	__u8 mc_index;
	__s8 top_layer;
	__s8 middle_layer;
	__s8 lower_layer;
	__u32 pad;
	__u64 address;
	char label[PTEL_RAS_STR];
	char msg[PTEL_RAS_STR];
};

#endif /* PALM_BPF_PTEL_SHARED_H */
