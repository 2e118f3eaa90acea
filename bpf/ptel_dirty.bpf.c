// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty pages per vCPU thread from KVM's dirty ring.  A push is counted
 * once per window and page: on PVM every vCPU entry pushes the same
 * shared page again, so raw pushes overstate what a migration must send.
 * User space opens a window for a VM by giving it a cleared region of the
 * page bitmap; a push that sets a bit is new to the window (ptel_shared.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/ptel_shared.h"

char LICENSE[] SEC("license") = "GPL";

/* Window word of each VM (ptel_shared.h), indexed by tgid % PTEL_EPOCH_SLOTS. */
__u32 ptel_vm_win[PTEL_EPOCH_SLOTS];

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PTEL_MAX_VCPUS);
	__type(key, __u32);			/* vCPU thread id */
	__type(value, struct ptel_vcpu_dirty);
} ptel_vcpu_dirty SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);			/* QEMU tgid */
	__type(value, struct ptel_vm_dirty);
} ptel_vm_dirty SEC(".maps");

/*
 * The page bitmap: PTEL_REGIONS regions of one page each, cleared by user
 * space through mmap when a window opens (so mmapable, which also aligns
 * the regions to pages).  Was a 4 MiB array of window ids: one random
 * page of 1024 per event, ~200 ns of TLB and cache misses here.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, PTEL_REGIONS * PTEL_REGION_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} ptel_page_bits SEC(".maps");

/*
 * (slot, offset) to a bit of a region: murmur3's 64-bit finaliser.  Must
 * behave like a random function for linear counting to hold: a plain
 * multiplicative hash spreads a guest's dense page numbers more evenly
 * than chance, and the correction then overcounts (+34 % at 28k pages).
 */
static __always_inline __u32 page_bit(__u32 slot, __u64 offset)
{
	__u64 h = offset ^ ((__u64)slot << 48);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (__u32)(h >> (64 - PTEL_REGION_BITS_LOG2));
}

static struct ptel_vcpu_dirty *vcpu_entry(__u32 tid, __u32 tgid, int idx)
{
	struct ptel_vcpu_dirty *v, zero = {};

	v = bpf_map_lookup_elem(&ptel_vcpu_dirty, &tid);
	if (v)
		return v;
	zero.tgid = tgid;
	zero.vcpu_idx = idx;
	zero.last_slot = ~0U;
	bpf_map_update_elem(&ptel_vcpu_dirty, &tid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&ptel_vcpu_dirty, &tid);
}

SEC("tp_btf/kvm_dirty_ring_push")
int BPF_PROG(ptel_dirty_push, struct kvm_dirty_ring *ring, __u32 slot,
	     __u64 offset)
{
	__u64 id = bpf_get_current_pid_tgid(), bit, *w;
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct ptel_vcpu_dirty *v;
	__u32 win, word;
	int region;

	win = ptel_vm_win[tgid & (PTEL_EPOCH_SLOTS - 1)];
	v = vcpu_entry(tid, tgid, ring->index);
	if (!v)
		return 0;
	v->pushes++;
	/* The same page again (PVM's shared page): no bitmap access. */
	if (v->last_slot == slot && v->last_offset == offset &&
	    v->last_win == win)
		return 0;
	v->last_slot = slot;
	v->last_offset = offset;
	v->last_win = win;
	region = PTEL_WIN_REGION(win);
	if (region < 0)
		return 0;
	bit = page_bit(slot, offset);
	word = (__u32)region * PTEL_REGION_WORDS + (__u32)(bit >> 6);
	w = bpf_map_lookup_elem(&ptel_page_bits, &word);
	if (!w)
		return 0;
	bit = 1ULL << (bit & 63);
	/* Test first: a page seen before costs no locked write. */
	if (*w & bit)
		return 0;
	/* fetch_or: two vCPUs racing on one page count it once */
	if (!(__sync_fetch_and_or(w, bit) & bit))
		v->uniq++;
	return 0;
}

SEC("tp_btf/kvm_dirty_ring_exit")
int BPF_PROG(ptel_dirty_exit, struct kvm_vcpu *vcpu)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ptel_vcpu_dirty *v;

	v = vcpu_entry((__u32)id, id >> 32, vcpu->vcpu_idx);
	if (v)
		v->ring_full++;
	return 0;
}

SEC("tp_btf/kvm_dirty_ring_reset")
int BPF_PROG(ptel_dirty_reset, struct kvm_dirty_ring *ring)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct ptel_vm_dirty *vm, zero = {};

	vm = bpf_map_lookup_elem(&ptel_vm_dirty, &tgid);
	if (!vm) {
		bpf_map_update_elem(&ptel_vm_dirty, &tgid, &zero, BPF_NOEXIST);
		vm = bpf_map_lookup_elem(&ptel_vm_dirty, &tgid);
		if (!vm)
			return 0;
	}
	__sync_fetch_and_add(&vm->resets, 1);
	return 0;
}
