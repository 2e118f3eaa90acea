// SPDX-License-Identifier: GPL-2.0
/*
 * Throw-away bodies on kvm_dirty_ring_push, for `ptel_bench cost` only
 * (bench/telemetry/RESULTS.md): the floor of each attach type (empty and
 * one-counter programs as tp_btf, raw_tp and classic tp) and the price of
 * one random access into tables of several sizes.  palm never loads this.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cost_cnt SEC(".maps");

/* Tables of 2^N u64 words: 4 KiB (one page: mmapable aligns it), 32 KiB,
 * 256 KiB, 4 MiB. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1U << 9);
	__type(key, __u32);
	__type(value, __u64);
} cost_t4k SEC(".maps");

#define COST_TABLE(name, bits)						\
struct {								\
	__uint(type, BPF_MAP_TYPE_ARRAY);				\
	__uint(max_entries, 1U << (bits));				\
	__type(key, __u32);						\
	__type(value, __u64);						\
} name SEC(".maps")

COST_TABLE(cost_t32k, 12);
COST_TABLE(cost_t256k, 15);
COST_TABLE(cost_t4m, 19);

static __always_inline void count(void)
{
	__u32 k = 0;
	__u64 *c = bpf_map_lookup_elem(&cost_cnt, &k);

	if (c)
		(*c)++;
}

static __always_inline void set_bit_in(void *map, __u32 bits, __u32 slot,
				       __u64 offset)
{
	__u64 h = (offset ^ ((__u64)slot << 40)) * 0x9e3779b97f4a7c15ULL;
	__u32 word = (__u32)(h >> (64 - bits));
	__u64 *w = bpf_map_lookup_elem(map, &word);

	if (w)
		*w |= 1ULL << (h & 63);
}

SEC("tp_btf/kvm_dirty_ring_push")
int BPF_PROG(cost_btf_empty)
{
	return 0;
}

SEC("tp_btf/kvm_dirty_ring_push")
int BPF_PROG(cost_btf_cnt)
{
	count();
	return 0;
}

SEC("raw_tp/kvm_dirty_ring_push")
int cost_raw_empty(void *ctx)
{
	return 0;
}

SEC("raw_tp/kvm_dirty_ring_push")
int cost_raw_cnt(void *ctx)
{
	count();
	return 0;
}

SEC("tp/kvm/kvm_dirty_ring_push")
int cost_tp_empty(void *ctx)
{
	return 0;
}

SEC("tp/kvm/kvm_dirty_ring_push")
int cost_tp_cnt(void *ctx)
{
	count();
	return 0;
}

SEC("raw_tp/kvm_dirty_ring_push")
int BPF_PROG(cost_raw_bit4k, void *ring, __u32 slot, __u64 offset)
{
	set_bit_in(&cost_t4k, 9, slot, offset);
	return 0;
}

SEC("raw_tp/kvm_dirty_ring_push")
int BPF_PROG(cost_raw_bit32k, void *ring, __u32 slot, __u64 offset)
{
	set_bit_in(&cost_t32k, 12, slot, offset);
	return 0;
}

SEC("raw_tp/kvm_dirty_ring_push")
int BPF_PROG(cost_raw_bit256k, void *ring, __u32 slot, __u64 offset)
{
	set_bit_in(&cost_t256k, 15, slot, offset);
	return 0;
}

SEC("raw_tp/kvm_dirty_ring_push")
int BPF_PROG(cost_raw_bit4m, void *ring, __u32 slot, __u64 offset)
{
	set_bit_in(&cost_t4m, 19, slot, offset);
	return 0;
}

/* palm's dirty program before this change, with its own maps: a vCPU hash
 * entry, a per-vCPU last-page cache, an xchg into a 4 MiB array of window
 * ids (the epoch is 1 from user space, so every page takes that path). */
__u32 cost_old_epoch;

struct cost_old_vcpu {
	__u64 pushes, uniq, last_offset;
	__u32 last_slot, last_epoch;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct cost_old_vcpu);
} cost_old_vcpus SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1U << 20);
	__type(key, __u32);
	__type(value, __u32);
} cost_old_pages SEC(".maps");

SEC("tp_btf/kvm_dirty_ring_push")
int BPF_PROG(cost_btf_old, struct kvm_dirty_ring *ring, __u32 slot,
	     __u64 offset)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id, epoch = cost_old_epoch, cell;
	struct cost_old_vcpu *v, zero = { .last_slot = ~0U };
	__u64 h;
	__u32 *seen;

	v = bpf_map_lookup_elem(&cost_old_vcpus, &tid);
	if (!v) {
		bpf_map_update_elem(&cost_old_vcpus, &tid, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&cost_old_vcpus, &tid);
		if (!v)
			return 0;
	}
	v->pushes++;
	if (v->last_slot == slot && v->last_offset == offset &&
	    v->last_epoch == epoch)
		return 0;
	v->last_slot = slot;
	v->last_offset = offset;
	v->last_epoch = epoch;
	h = (offset ^ ((__u64)slot << 40)) * 0x9e3779b97f4a7c15ULL;
	h = (h ^ tgid) * 0xc2b2ae3d27d4eb4fULL;
	cell = (__u32)(h >> 44);
	seen = bpf_map_lookup_elem(&cost_old_pages, &cell);
	if (seen && __sync_lock_test_and_set(seen, epoch) != epoch)
		v->uniq++;
	return 0;
}
