// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty pages per vCPU thread from KVM's dirty ring.  A push is counted
 * once per window and page: on PVM every vCPU entry pushes the same
 * shared page again, so raw pushes overstate what a migration must send.
 * User space opens a window for a VM by bumping its epoch; a page whose
 * cell holds another epoch is new to the window (ptel_shared.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/ptel_shared.h"

char LICENSE[] SEC("license") = "GPL";

/* Window id of each VM, indexed by tgid % PTEL_EPOCH_SLOTS; set by user space. */
__u32 ptel_vm_epoch[PTEL_EPOCH_SLOTS];

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
 * Last window each page cell was hit in.  An array, not a hash keyed by
 * page: its lookup is inlined and needs no allocation, where an LRU hash
 * insert per new page cost ~480 ns here.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PTEL_PAGE_CELLS);
	__type(key, __u32);
	__type(value, __u32);
} ptel_pages SEC(".maps");

/* (VM, slot, offset) to a cell: two multiplicative (Fibonacci) hash rounds. */
static __always_inline __u32 page_cell(__u32 tgid, __u32 slot, __u64 offset)
{
	__u64 h = (offset ^ ((__u64)slot << 40)) * 0x9e3779b97f4a7c15ULL;

	h = (h ^ tgid) * 0xc2b2ae3d27d4eb4fULL;
	return (__u32)(h >> (64 - PTEL_PAGE_CELL_BITS));
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
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct ptel_vcpu_dirty *v;
	__u32 epoch, old, cell, *seen;

	epoch = ptel_vm_epoch[tgid & (PTEL_EPOCH_SLOTS - 1)];
	v = vcpu_entry(tid, tgid, ring->index);
	if (!v)
		return 0;
	v->pushes++;
	/* The same page again (PVM's shared page): no map lookup needed. */
	if (v->last_slot == slot && v->last_offset == offset &&
	    v->last_epoch == epoch)
		return 0;
	v->last_slot = slot;
	v->last_offset = offset;
	v->last_epoch = epoch;

	cell = page_cell(tgid, slot, offset);
	seen = bpf_map_lookup_elem(&ptel_pages, &cell);
	if (!seen)
		return 0;
	/* xchg: two vCPUs racing on one page count it once */
	old = __sync_lock_test_and_set(seen, epoch);
	if (old != epoch)
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
