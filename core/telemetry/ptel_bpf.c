// SPDX-License-Identifier: GPL-2.0
/* Loads palm's eBPF skeletons and reads their maps (ptel_bpf.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "generated/palm_config.h"
#include "core/telemetry/ptel.h"
#include "core/telemetry/ptel_bpf.h"
#include "ptel_dirty.skel.h"
#include "ptel_host.skel.h"
#include "ptel_sched.skel.h"

struct ptel_bpf {
	unsigned int groups;
	struct ptel_dirty_bpf *dirty;
	struct ptel_sched_bpf *sched;
	struct ptel_host_bpf *host;
	struct ring_buffer *events;
	ptel_event_fn *event_fn;
	void *event_ctx;
	uint32_t epoch;
	/* the page bitmap (ptel_page_bits), mapped; which VM slot owns a region */
	uint64_t *bits;
	int region_slot[PTEL_REGIONS];	/* tgid slot + 1, 0 = free */
	int next_region;
	int ncpus;
	/* one pass over the vCPU map, shared by reads close together */
	uint64_t snap_ns;
	int nsnap, snap_cap;
	uint32_t *snap_tid;
	struct ptel_vcpu_dirty *snap;
};

/*
 * get_next_key walks every bucket of the hash map, so a pass costs the
 * map's size, not its entries: the sampler reads many VMs in one tick,
 * and they share one pass taken at most this long ago.
 */
#define PTEL_SNAP_NS 5000000ULL

/* libbpf's own messages only on request: palm reports failures once itself. */
__attribute__((format(printf, 2, 0)))
static int ptel_libbpf_print(enum libbpf_print_level level, const char *fmt,
			     va_list ap)
{
	if (level == LIBBPF_DEBUG || !getenv("PALM_BPF_VERBOSE"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int why_from_err(int err, const char *what, char *why, size_t len)
{
	if (err == -EPERM || err == -EACCES)
		snprintf(why, len, "%s: not permitted (needs CAP_BPF and CAP_PERFMON, or root)",
			 what);
	else
		snprintf(why, len, "%s: %s", what, strerror(-err));
	return err;
}

static bool kernel_has_tracepoint(const struct btf *vmlinux, const char *tp)
{
	char name[128];

	if (!vmlinux)
		return true;	/* let the load decide */
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) > 0;
}

static int load_dirty(struct ptel_bpf *b)
{
	int err;

	b->dirty = ptel_dirty_bpf__open_and_load();
	if (!b->dirty)
		return -errno;
	b->bits = mmap(NULL, sizeof(uint64_t) * PTEL_REGIONS * PTEL_REGION_WORDS,
		       PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(b->dirty->maps.ptel_page_bits), 0);
	if (b->bits == MAP_FAILED) {
		b->bits = NULL;
		return -errno;
	}
	err = ptel_dirty_bpf__attach(b->dirty);
	if (err)
		return err;
	b->groups |= PTEL_BPF_DIRTY;
	return 0;
}

static int load_sched(struct ptel_bpf *b)
{
	int err;

	b->sched = ptel_sched_bpf__open_and_load();
	if (!b->sched)
		return -errno;
	err = ptel_sched_bpf__attach(b->sched);
	if (err)
		return err;
	b->groups |= PTEL_BPF_SCHED;
	return 0;
}

static int ptel_ring_cb(void *ctx, void *data, size_t size)
{
	struct ptel_bpf *b = ctx;

	if (size >= sizeof(struct ptel_event) && b->event_fn)
		b->event_fn(b->event_ctx, data);
	return 0;
}

static int load_host(struct ptel_bpf *b, unsigned int mask,
		     const struct btf *vmlinux)
{
	bool ras = (mask & PTEL_BPF_RAS) &&
		   kernel_has_tracepoint(vmlinux, "mc_event");
	int err;

	b->host = ptel_host_bpf__open();
	if (!b->host)
		return -errno;
	/* Kernels without CONFIG_RAS have no mc_event: the rest still loads. */
	bpf_program__set_autoload(b->host->progs.ptel_mc_event, ras);
	err = ptel_host_bpf__load(b->host);
	if (err)
		return err;
	err = ptel_host_bpf__attach(b->host);
	if (err)
		return err;
	b->events = ring_buffer__new(bpf_map__fd(b->host->maps.ptel_events),
				     ptel_ring_cb, b, NULL);
	if (!b->events)
		return -errno;
	b->groups |= PTEL_BPF_HOST | (ras ? PTEL_BPF_RAS : 0);
	return 0;
}

int ptel_bpf_open(unsigned int mask, struct ptel_bpf **out, char *why,
		  size_t len)
{
	struct btf *vmlinux = NULL;
	struct ptel_bpf *b;
	int err = 0, e;

	*out = NULL;
	snprintf(why, len, "ok");
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(why, len, "no kernel BTF (/sys/kernel/btf/vmlinux): needs CONFIG_DEBUG_INFO_BTF");
		return -ENOENT;
	}
	libbpf_set_print(ptel_libbpf_print);
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->ncpus = libbpf_num_possible_cpus();
	if (b->ncpus <= 0) {
		err = b->ncpus ? b->ncpus : -EINVAL;
		why_from_err(err, "possible CPUs", why, len);
		goto fail;
	}
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		vmlinux = NULL;	/* checks fall back to trying the load */

	/* Each group on its own; the first failure is the one reported. */
	if (mask & PTEL_BPF_DIRTY) {
		e = load_dirty(b);
		if (e && !err)
			err = why_from_err(e, "dirty-ring programs", why, len);
	}
	if (mask & PTEL_BPF_SCHED) {
		e = load_sched(b);
		if (e && !err)
			err = why_from_err(e, "scheduler programs", why, len);
	}
	if (mask & (PTEL_BPF_HOST | PTEL_BPF_RAS)) {
		e = load_host(b, mask, vmlinux);
		if (e && !err)
			err = why_from_err(e, "host programs", why, len);
	}
	btf__free(vmlinux);
	if (!b->groups)
		goto fail;
	*out = b;
	return 0;
fail:
	ptel_bpf_close(b);
	return err ? err : -ENOENT;
}

void ptel_bpf_close(struct ptel_bpf *b)
{
	if (!b)
		return;
	ring_buffer__free(b->events);
	ptel_host_bpf__destroy(b->host);
	ptel_sched_bpf__destroy(b->sched);
	if (b->bits)
		munmap(b->bits, sizeof(uint64_t) * PTEL_REGIONS * PTEL_REGION_WORDS);
	ptel_dirty_bpf__destroy(b->dirty);
	free(b->snap_tid);
	free(b->snap);
	free(b);
}

unsigned int ptel_bpf_groups(const struct ptel_bpf *b)
{
	return b ? b->groups : 0;
}

/* The region of a VM slot: its own, else a free one, else the oldest taken. */
static int region_for(struct ptel_bpf *b, int slot)
{
	int r, n;

	for (r = 0; r < PTEL_REGIONS; r++)
		if (b->region_slot[r] == slot + 1)
			return r;
	for (n = 0; n < PTEL_REGIONS; n++) {
		r = (b->next_region + n) % PTEL_REGIONS;
		if (!b->region_slot[r])
			break;
	}
	r = (b->next_region + (n < PTEL_REGIONS ? n : 0)) % PTEL_REGIONS;
	b->next_region = (r + 1) % PTEL_REGIONS;
	if (b->region_slot[r])	/* more open windows than regions: end that one */
		__atomic_store_n(&b->dirty->bss->ptel_vm_win[b->region_slot[r] - 1],
				 0, __ATOMIC_RELEASE);
	b->region_slot[r] = slot + 1;
	return r;
}

int ptel_bpf_dirty_new_window(struct ptel_bpf *b, pid_t vm_pid)
{
	int slot = vm_pid & (PTEL_EPOCH_SLOTS - 1), r;
	uint32_t *win;

	if (!b || !(b->groups & PTEL_BPF_DIRTY))
		return -EOPNOTSUPP;
	win = &b->dirty->bss->ptel_vm_win[slot];
	r = region_for(b, slot);
	/*
	 * No region while it is cleared, then the new window id with it: the
	 * BPF side reads the word racily, which only moves the boundary by the
	 * events in flight.
	 */
	++b->epoch;
	__atomic_store_n(win, (b->epoch & 0xffffff) << 8, __ATOMIC_RELEASE);
	memset(b->bits + (size_t)r * PTEL_REGION_WORDS, 0,
	       sizeof(uint64_t) * PTEL_REGION_WORDS);
	__atomic_store_n(win, (b->epoch & 0xffffff) << 8 | (uint32_t)(r + 1),
			 __ATOMIC_RELEASE);
	b->snap_ns = 0;		/* the window's base must be read after this */
	return 0;
}

static int cmp_tid(const void *a, const void *b)
{
	const struct ptel_dirty_counts *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

static int dirty_snapshot(struct ptel_bpf *b)
{
	uint32_t key, next;
	void *prev = NULL;
	uint64_t now = ptel_now_ns();
	int fd;

	if (b->snap_ns && now - b->snap_ns < PTEL_SNAP_NS)
		return 0;
	if (!b->snap) {
		b->snap_cap = PTEL_MAX_VCPUS;
		b->snap_tid = calloc(PTEL_MAX_VCPUS, sizeof(*b->snap_tid));
		b->snap = calloc(PTEL_MAX_VCPUS, sizeof(*b->snap));
		if (!b->snap_tid || !b->snap)
			return -ENOMEM;
	}
	fd = bpf_map__fd(b->dirty->maps.ptel_vcpu_dirty);
	b->nsnap = 0;
	while (b->nsnap < b->snap_cap && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &b->snap[b->nsnap]))
			continue;
		b->snap_tid[b->nsnap++] = key;
	}
	b->snap_ns = ptel_now_ns();
	return 0;
}

int ptel_bpf_dirty_read(struct ptel_bpf *b, pid_t vm_pid,
			struct ptel_dirty_counts *vcpus, int max, int *n,
			struct ptel_dirty_counts *sum, uint64_t *resets)
{
	const struct ptel_vcpu_dirty *v;
	uint32_t tgid = (uint32_t)vm_pid;
	struct ptel_vm_dirty vm;
	int i, err, found = 0;

	if (!b || !(b->groups & PTEL_BPF_DIRTY))
		return -EOPNOTSUPP;
	err = dirty_snapshot(b);
	if (err)
		return err;
	memset(sum, 0, sizeof(*sum));
	sum->vcpu_idx = -1;
	for (i = 0; i < b->nsnap; i++) {
		v = &b->snap[i];
		if (v->tgid != tgid)
			continue;
		sum->pushes += v->pushes;
		sum->uniq += v->uniq;
		sum->ring_full += v->ring_full;
		if (vcpus && found < max) {
			vcpus[found].tid = (pid_t)b->snap_tid[i];
			vcpus[found].vcpu_idx = v->vcpu_idx;
			vcpus[found].pushes = v->pushes;
			vcpus[found].uniq = v->uniq;
			vcpus[found].ring_full = v->ring_full;
		}
		found++;
	}
	if (vcpus)
		qsort(vcpus, found < max ? found : max, sizeof(*vcpus), cmp_tid);
	if (n)
		*n = found;
	if (resets) {
		*resets = 0;
		/* harvests only matter when pages were pushed: spare a syscall */
		if (found && sum->pushes &&
		    !bpf_map_lookup_elem(bpf_map__fd(b->dirty->maps.ptel_vm_dirty),
					 &tgid, &vm))
			*resets = vm.resets;
	}
	return 0;
}

void ptel_bpf_dirty_forget(struct ptel_bpf *b, pid_t vm_pid)
{
	struct ptel_vcpu_dirty v;
	uint32_t key, next, tgid = (uint32_t)vm_pid;
	void *prev = NULL;
	int fd;

	if (!b || !(b->groups & PTEL_BPF_DIRTY))
		return;
	fd = bpf_map__fd(b->dirty->maps.ptel_vcpu_dirty);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		if (!bpf_map_lookup_elem(fd, &key, &v) && v.tgid == tgid) {
			bpf_map_delete_elem(fd, &key);
			prev = NULL;	/* restart: the deleted key cannot lead on */
			continue;
		}
		prev = &key;
	}
	bpf_map_delete_elem(bpf_map__fd(b->dirty->maps.ptel_vm_dirty), &tgid);
	key = tgid & (PTEL_EPOCH_SLOTS - 1);
	for (next = 0; next < PTEL_REGIONS; next++)
		if (b->region_slot[next] == (int)key + 1) {
			__atomic_store_n(&b->dirty->bss->ptel_vm_win[key], 0,
					 __ATOMIC_RELEASE);
			b->region_slot[next] = 0;
		}
	b->snap_ns = 0;
}

/* The thread's state letter from /proc/<tid>/stat, or 0 when unreadable. */
static char task_state(pid_t tid)
{
	char path[64], buf[512], *paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "pid (comm) S ...": comm may hold spaces and parentheses */
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' ? paren[2] : 0;
}

int ptel_bpf_track(struct ptel_bpf *b, pid_t tid)
{
	struct ptel_task_sched seed = {};
	uint32_t key = (uint32_t)tid;

	if (!b || !(b->groups & PTEL_BPF_SCHED))
		return -EOPNOTSUPP;
	/*
	 * sched_switch accounts a slice when the thread leaves the CPU, so
	 * a thread tracked while on a CPU would count nothing until it next
	 * came back to one -- never, for a vCPU spinning on an idle host.
	 * Seed a runnable thread as running from now: if it was in fact
	 * queued, its next switch-in counts the time since as run-queue
	 * wait and starts the slice.
	 */
	if (task_state(tid) == 'R') {
		seed.running = 1;
		seed.last_in_ns = ptel_now_ns();
	}
	if (bpf_map_update_elem(bpf_map__fd(b->sched->maps.ptel_tasks), &key,
				&seed, BPF_NOEXIST) && errno != EEXIST)
		return -errno;
	return 0;
}

int ptel_bpf_untrack(struct ptel_bpf *b, pid_t tid)
{
	uint32_t key = (uint32_t)tid;

	if (!b || !(b->groups & PTEL_BPF_SCHED))
		return -EOPNOTSUPP;
	if (bpf_map_delete_elem(bpf_map__fd(b->sched->maps.ptel_tasks), &key))
		return -errno;
	return 0;
}

int ptel_bpf_task_read(struct ptel_bpf *b, pid_t tid,
		       struct ptel_task_sched *out)
{
	uint32_t key = (uint32_t)tid;
	uint64_t now;

	if (!b || !(b->groups & PTEL_BPF_SCHED))
		return -EOPNOTSUPP;
	if (bpf_map_lookup_elem(bpf_map__fd(b->sched->maps.ptel_tasks), &key,
				out))
		return -errno;
	now = ptel_now_ns();
	if (out->running && now > out->last_in_ns && out->last_in_ns)
		out->oncpu_ns += now - out->last_in_ns;
	if (out->queued_ns && now > out->queued_ns)
		out->wait_ns += now - out->queued_ns;
	return 0;
}

int ptel_bpf_host_read(struct ptel_bpf *b,
		       uint64_t counters[PTEL_HOST_NR_COUNTERS])
{
	uint64_t *vals;
	uint32_t i;
	int c, fd, err = 0;

	if (!b || !(b->groups & PTEL_BPF_HOST))
		return -EOPNOTSUPP;
	vals = calloc((size_t)b->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	fd = bpf_map__fd(b->host->maps.ptel_host_counters);
	for (i = 0; i < PTEL_HOST_NR_COUNTERS; i++) {
		counters[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, vals)) {
			err = -errno;
			break;
		}
		for (c = 0; c < b->ncpus; c++)
			counters[i] += vals[c];
	}
	free(vals);
	return err;
}

int ptel_bpf_poll_events(struct ptel_bpf *b, ptel_event_fn *fn, void *ctx)
{
	int n;

	if (!b || !(b->groups & PTEL_BPF_HOST))
		return -EOPNOTSUPP;
	b->event_fn = fn;
	b->event_ctx = ctx;
	n = ring_buffer__consume(b->events);
	b->event_fn = NULL;
	return n;
}

static struct bpf_program *find_prog(struct ptel_bpf *b, const char *name)
{
	struct bpf_object *objs[3] = {
		b->dirty ? b->dirty->obj : NULL,
		b->sched ? b->sched->obj : NULL,
		b->host ? b->host->obj : NULL,
	};
	struct bpf_program *p;
	size_t i;

	for (i = 0; i < 3; i++) {
		if (!objs[i])
			continue;
		p = bpf_object__find_program_by_name(objs[i], name);
		if (p)
			return p;
	}
	return NULL;
}

int ptel_bpf_prog_stats(struct ptel_bpf *b, const char *prog,
			uint64_t *run_ns, uint64_t *run_cnt)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	struct bpf_program *p;

	if (!b)
		return -EOPNOTSUPP;
	p = find_prog(b, prog);
	if (!p || bpf_program__fd(p) < 0)
		return -ENOENT;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
		return -errno;
	*run_ns = info.run_time_ns;
	*run_cnt = info.run_cnt;
	return 0;
}
