// SPDX-License-Identifier: GPL-2.0
/* The per-host telemetry loop (ptel_sampler.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/telemetry/ptel_ras.h"
#include "core/telemetry/ptel_sampler.h"

struct ptel_vm_state {
	struct ptel_vm_sample out;
	struct ptel_vcpu_times prev[PTEL_VM_MAX_VCPUS];
	bool have_prev;
	bool window_open;
	struct ptel_dirty_window win;
	int statm_fd;
};

struct ptel_sampler {
	struct ptel_bpf *bpf;
	unsigned int dirty_window_ms;
	int nvm, cap;
	struct ptel_vm_state *vms;
	struct ptel_host_sample host;
	struct ptel_host_snap host_prev;
	bool have_host_prev;
	struct ptel_ras ras;
};

int ptel_sampler_new(struct ptel_bpf *b, unsigned int dirty_window_ms,
		     struct ptel_sampler **out)
{
	struct ptel_sampler *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->bpf = b;
	s->dirty_window_ms = dirty_window_ms ? dirty_window_ms : 1000;
	ptel_ras_init(&s->ras, 3600);
	*out = s;
	return 0;
}

void ptel_sampler_free(struct ptel_sampler *s)
{
	int i, c;

	if (!s)
		return;
	for (i = 0; i < s->nvm; i++) {
		for (c = 0; c < s->vms[i].out.vm.nvcpu; c++)
			ptel_bpf_untrack(s->bpf, s->vms[i].out.vm.vcpu_tid[c]);
		if (s->vms[i].statm_fd >= 0)
			close(s->vms[i].statm_fd);
	}
	free(s->vms);
	free(s);
}

int ptel_sampler_add_vm(struct ptel_sampler *s, const struct ptel_vm *vm)
{
	struct ptel_vm_state *v;
	int c;

	if (s->nvm == s->cap) {
		int cap = s->cap ? s->cap * 2 : 8;

		v = realloc(s->vms, (size_t)cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->vms = v;
		s->cap = cap;
	}
	v = &s->vms[s->nvm++];
	memset(v, 0, sizeof(*v));
	v->out.vm = *vm;
	v->out.alive = true;
	v->statm_fd = -1;
	/* Not tracked (no bpf, map full): schedstat serves instead. */
	for (c = 0; c < vm->nvcpu; c++)
		if (vm->vcpu_tid[c])
			ptel_bpf_track(s->bpf, vm->vcpu_tid[c]);
	return 0;
}

int ptel_sampler_nvm(const struct ptel_sampler *s)
{
	return s->nvm;
}

const struct ptel_vm_sample *ptel_sampler_vm(const struct ptel_sampler *s,
					     int i)
{
	return i >= 0 && i < s->nvm ? &s->vms[i].out : NULL;
}

const struct ptel_host_sample *ptel_sampler_host(const struct ptel_sampler *s)
{
	return &s->host;
}

void ptel_sampler_set_measure(struct ptel_sampler *s, int i,
			      const struct ptel_dirty_measure *m)
{
	if (i < 0 || i >= s->nvm)
		return;
	s->vms[i].out.measure = *m;
	s->vms[i].out.has_measure = true;
}

/*
 * RSS from statm, not status (far less to format), through an fd kept
 * open: one pread per tick.  0 when the process is gone.
 */
static uint64_t rss_kib(struct ptel_vm_state *v)
{
	unsigned long long size, resident;
	char path[64], buf[128];
	ssize_t n;

	if (v->statm_fd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/statm", (int)v->out.vm.pid);
		v->statm_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (v->statm_fd < 0)
			return 0;
	}
	n = pread(v->statm_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return 0;
	return resident * (uint64_t)(sysconf(_SC_PAGESIZE) / 1024);
}

static void tick_vcpus(struct ptel_sampler *s, struct ptel_vm_state *v)
{
	struct ptel_vm_sample *o = &v->out;
	struct ptel_vcpu_times t;
	bool all = true;
	int c;

	o->load_sum = 0;
	o->wait_max = 0;
	for (c = 0; c < o->vm.nvcpu; c++) {
		if (!o->vm.vcpu_tid[c] ||
		    ptel_vcpu_times_read(s->bpf, o->vm.pid, o->vm.vcpu_tid[c], &t)) {
			all = false;
			continue;
		}
		o->vcpu_src = t.src;
		if (v->have_prev && !ptel_vcpu_load(&v->prev[c], &t, &o->vcpu[c])) {
			o->load_sum += o->vcpu[c].load;
			if (o->vcpu[c].wait > o->wait_max)
				o->wait_max = o->vcpu[c].wait;
		}
		v->prev[c] = t;
	}
	v->have_prev = all || v->have_prev;
}

static void tick_dirty(struct ptel_sampler *s, struct ptel_vm_state *v)
{
	struct ptel_dirty_point p;

	if (!(ptel_bpf_groups(s->bpf) & PTEL_BPF_DIRTY) || !v->out.vm.kvm)
		return;
	if (!v->window_open) {
		v->window_open = !ptel_dirty_window_open(s->bpf, v->out.vm.pid,
							 &v->win);
		return;
	}
	if (ptel_dirty_window_read(s->bpf, &v->win, &p, NULL, NULL, NULL, NULL))
		return;
	if (p.t_ms < s->dirty_window_ms)
		return;
	/* No pushes: KVM is not logging, so the rate is unknown, not 0. */
	v->out.dirty_src = p.pushes ? PTEL_SRC_BPF_DIRTY_RING : PTEL_SRC_NONE;
	v->out.dirty_window_distinct = p.distinct;
	v->out.dirty_pages_per_s = (double)p.distinct * 1000.0 / p.t_ms;
	v->window_open = !ptel_dirty_window_open(s->bpf, v->out.vm.pid,
						 &v->win);
}

static void host_event(void *ctx, const struct ptel_event *ev)
{
	struct ptel_sampler *s = ctx;

	if (ev->type == PTEL_EV_OOM)
		s->host.oom_events++;
	if (ev->type == PTEL_EV_MC) {
		s->host.ras_events++;
		ptel_ras_add(&s->ras, ev);
	}
}

int ptel_sampler_tick(struct ptel_sampler *s)
{
	struct ptel_host_snap h;
	struct ptel_vm_state *v;
	int i, err;

	for (i = 0; i < s->nvm; i++) {
		v = &s->vms[i];
		if (!v->out.alive)
			continue;
		v->out.rss_kib = rss_kib(v);
		/* a dead process's statm reads nothing (ESRCH) */
		if (!v->out.rss_kib && kill(v->out.vm.pid, 0) && errno == ESRCH) {
			v->out.alive = false;
			ptel_bpf_dirty_forget(s->bpf, v->out.vm.pid);
			continue;
		}
		tick_vcpus(s, v);
		tick_dirty(s, v);
	}
	ptel_bpf_poll_events(s->bpf, host_event, s);
	err = ptel_host_read(s->bpf, &h);
	if (err)
		return err;
	if (s->have_host_prev)
		ptel_host_rates(&s->host_prev, &h, &s->host.rates);
	s->host.snap = h;
	s->host_prev = h;
	s->have_host_prev = true;
	return 0;
}

static json_t *measure_json(const struct ptel_dirty_measure *m)
{
	json_t *o, *curve;
	unsigned int i;

	o = json_pack("{s:s, s:i, s:I, s:I, s:f, s:f, s:I, s:i}",
		      "source", ptel_source_name(m->src),
		      "window_ms", (int)m->window_ms,
		      "distinct_pages", (json_int_t)m->distinct,
		      "pushes", (json_int_t)m->pushes,
		      "pages_per_s", m->pages_per_s,
		      "raw_pages_per_s", m->raw_pages_per_s,
		      "qemu_mbps", (json_int_t)m->qemu_mbps,
		      "time_to_answer_ms", (int)m->time_to_answer_ms);
	curve = json_array();
	for (i = 0; o && curve && i < m->npoints; i++)
		json_array_append_new(curve, json_pack("{s:i, s:I}",
			"t_ms", (int)m->curve[i].t_ms,
			"distinct_pages", (json_int_t)m->curve[i].distinct));
	if (o)
		json_object_set_new(o, "working_set", curve);
	else
		json_decref(curve);
	return o;
}

static json_t *vm_json(const struct ptel_vm_sample *v)
{
	json_t *o, *vcpus;
	int c;

	o = json_pack("{s:i, s:s, s:s, s:b, s:b, s:I, s:s, s:f, s:f, s:s, s:f}",
		      "pid", (int)v->vm.pid, "name", v->vm.name,
		      "qmp", v->vm.qmp_path, "kvm", v->vm.kvm, "alive", v->alive,
		      "rss_kib", (json_int_t)v->rss_kib,
		      "vcpu_source", ptel_source_name(v->vcpu_src),
		      "vcpu_load", v->load_sum, "vcpu_wait_max", v->wait_max,
		      "dirty_source", ptel_source_name(v->dirty_src),
		      "dirty_pages_per_s",
		      v->dirty_src == PTEL_SRC_NONE ? -1.0 : v->dirty_pages_per_s);
	if (!o)
		return NULL;
	vcpus = json_array();
	for (c = 0; vcpus && c < v->vm.nvcpu; c++)
		json_array_append_new(vcpus, json_pack("{s:i, s:i, s:f, s:f, s:f}",
			"index", c, "tid", (int)v->vm.vcpu_tid[c],
			"load", v->vcpu[c].load, "wait", v->vcpu[c].wait,
			"wakeups_per_s", v->vcpu[c].wakeups_per_s));
	json_object_set_new(o, "vcpus", vcpus ? vcpus : json_null());
	if (v->has_measure)
		json_object_set_new(o, "dirty_measure", measure_json(&v->measure));
	return o;
}

json_t *ptel_sampler_json(const struct ptel_sampler *s)
{
	const struct ptel_host_snap *h = &s->host.snap;
	json_t *root, *vms, *host, *ras;
	unsigned int i;
	int v;

	host = json_pack("{s:f, s:I, s:I, s:I, s:{s:f, s:f, s:f}, s:{s:f, s:f, s:f, s:f}, "
			 "s:s, s:f, s:I, s:I, s:I}",
			 "cpu_use", s->host.rates.cpu_use,
			 "mem_total_kib", (json_int_t)h->mem_total_kib,
			 "mem_free_kib", (json_int_t)h->mem_free_kib,
			 "mem_available_kib", (json_int_t)h->mem_avail_kib,
			 "psi_cpu", "some_avg10", h->cpu.some.avg10,
			 "some_avg60", h->cpu.some.avg60, "full_avg10", h->cpu.full.avg10,
			 "psi_memory", "some_avg10", h->mem.some.avg10,
			 "some_avg60", h->mem.some.avg60, "full_avg10", h->mem.full.avg10,
			 "full_avg60", h->mem.full.avg60,
			 "reclaim_source", ptel_source_name(h->reclaim_src),
			 "direct_reclaims_per_s", s->host.rates.direct_reclaims_per_s,
			 "oom_kills", (json_int_t)h->oom_kills,
			 "oom_events", (json_int_t)s->host.oom_events,
			 "ras_events", (json_int_t)s->host.ras_events);
	ras = json_array();
	for (i = 0; ras && i < s->ras.n; i++)
		json_array_append_new(ras, json_pack("{s:i, s:s, s:I, s:I, s:f}",
			"mc", s->ras.dimm[i].mc, "label", s->ras.dimm[i].label,
			"corrected", (json_int_t)s->ras.dimm[i].count[PTEL_RAS_CORRECTED],
			"uncorrected", (json_int_t)s->ras.dimm[i].count[PTEL_RAS_UNCORRECTED],
			"ce_per_hour", ptel_ras_ce_rate(&s->ras, &s->ras.dimm[i], h->t_ns)));
	if (host && ras)
		json_object_set_new(host, "ras", ras);
	else
		json_decref(ras);
	vms = json_array();
	for (v = 0; vms && v < s->nvm; v++)
		json_array_append_new(vms, vm_json(&s->vms[v].out));
	root = json_pack("{s:I, s:i, s:o*, s:o*}",
			 "t_ns", (json_int_t)h->t_ns,
			 "bpf_groups", (int)ptel_bpf_groups(s->bpf),
			 "host", host, "vms", vms);
	return root;
}
