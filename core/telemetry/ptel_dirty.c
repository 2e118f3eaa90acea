// SPDX-License-Identifier: GPL-2.0
/* Dirty-page windows, working-set curves and QMP fallbacks (ptel_dirty.h). */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "core/telemetry/ptel_dirty.h"
#include "qmp/qmp_client.h"
#include "qmp/qmp_commands.h"

/* QEMU reports MiB/s; palm counts 4 KiB pages. */
#define PTEL_PAGES_PER_MIB 256.0

static void sleep_until_ns(uint64_t t_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t_ns / 1000000000ULL),
		.tv_nsec = (long)(t_ns % 1000000000ULL),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

double ptel_expected_distinct(double ws_pages, double writes)
{
	if (ws_pages <= 0)
		return 0;
	return ws_pages * -expm1(-writes / ws_pages);
}

int ptel_dirty_window_open(struct ptel_bpf *b, pid_t vm_pid,
			   struct ptel_dirty_window *w)
{
	int err;

	memset(w, 0, sizeof(*w));
	w->pid = vm_pid;
	err = ptel_bpf_dirty_new_window(b, vm_pid);
	if (err)
		return err;
	w->t0_ns = ptel_now_ns();
	return ptel_bpf_dirty_read(b, vm_pid, w->vbase, PTEL_DIRTY_MAX_VCPUS,
				   &w->nvcpu, &w->base, &w->base_resets);
}

/*
 * The BPF side counts bits of the window's region, and two pages can share
 * a bit: n pages set N(1 - e^(-n/N)) of N bits on average, so invert that
 * (linear counting); without it 28k pages in 32k bits would read 40 % low.
 */
static uint64_t cells_to_pages(uint64_t cells)
{
	double n = (double)PTEL_REGION_BITS;

	if (cells >= PTEL_REGION_BITS)
		cells = PTEL_REGION_BITS - 1;
	return (uint64_t)(-n * log1p(-(double)cells / n) + 0.5);
}

/* uniq at the window's start for this tid: 0 for a vCPU that appeared since. */
static uint64_t vbase_uniq(const struct ptel_dirty_window *w, pid_t tid)
{
	int i, n = w->nvcpu < PTEL_DIRTY_MAX_VCPUS ? w->nvcpu : PTEL_DIRTY_MAX_VCPUS;

	for (i = 0; i < n; i++)
		if (w->vbase[i].tid == tid)
			return w->vbase[i].uniq;
	return 0;
}

/* Reads the window: the VM's totals into p, each vCPU into out (<= max). */
static int window_read(struct ptel_bpf *b, const struct ptel_dirty_window *w,
		       struct ptel_dirty_point *p, uint64_t *ring_full,
		       uint64_t *resets, struct ptel_dirty_vcpu *out, int max,
		       int *nvcpu)
{
	struct ptel_dirty_counts v[PTEL_DIRTY_MAX_VCPUS], sum;
	uint64_t r;
	int err, n, i;

	err = ptel_bpf_dirty_read(b, w->pid, v, PTEL_DIRTY_MAX_VCPUS, &n,
				  &sum, &r);
	if (err)
		return err;
	p->t_ms = (uint32_t)((ptel_now_ns() - w->t0_ns) / 1000000ULL);
	p->distinct = cells_to_pages(sum.uniq - w->base.uniq);
	p->pushes = sum.pushes - w->base.pushes;
	if (ring_full)
		*ring_full = sum.ring_full - w->base.ring_full;
	if (resets)
		*resets = r - w->base_resets;
	if (n > PTEL_DIRTY_MAX_VCPUS)
		n = PTEL_DIRTY_MAX_VCPUS;
	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		out[i].tid = v[i].tid;
		out[i].vcpu_idx = v[i].vcpu_idx;
		out[i].distinct = cells_to_pages(v[i].uniq -
						 vbase_uniq(w, v[i].tid));
	}
	*nvcpu = n;
	return 0;
}

int ptel_dirty_window_read_vcpus(struct ptel_bpf *b,
				 const struct ptel_dirty_window *w,
				 struct ptel_dirty_point *p,
				 struct ptel_dirty_vcpu *out, int max, int *n)
{
	if (max < 0)
		return -EINVAL;
	return window_read(b, w, p, NULL, NULL, out, max, n);
}

int ptel_dirty_window_read(struct ptel_bpf *b,
			   const struct ptel_dirty_window *w,
			   struct ptel_dirty_point *p, uint64_t *ring_full,
			   uint64_t *resets, uint64_t *vcpu_distinct,
			   int *nvcpu)
{
	struct ptel_dirty_vcpu v[PTEL_DIRTY_MAX_VCPUS];
	int err, n, i;

	err = window_read(b, w, p, ring_full, resets, v, PTEL_DIRTY_MAX_VCPUS,
			  &n);
	if (err)
		return err;
	if (vcpu_distinct)
		for (i = 0; i < n; i++)
			vcpu_distinct[i] = v[i].distinct;
	if (nvcpu)
		*nvcpu = n;
	return 0;
}

/*
 * calc-dirty-rate mode=dirty-ring crashes QEMU 7.2 under TCG (it asks KVM
 * state that does not exist): ask query-kvm first.  Without a ring under
 * KVM, QEMU answers with a clean error.
 */
static int require_kvm(struct qmp_client *qmp)
{
	json_t *ret = NULL;
	int err;

	err = qmp_execute(qmp, "query-kvm", NULL, 0, &ret);
	if (err)
		return err;
	if (!json_is_true(json_object_get(ret, "enabled"))) {
		qmp_set_error(qmp, "dirty-ring mode needs KVM; this VM runs without it");
		err = -EOPNOTSUPP;
	}
	json_decref(ret);
	return err;
}

/* Polls query-dirty-rate until QEMU has its answer. */
static int wait_measured(struct qmp_client *qmp, int timeout_ms,
			 struct qmp_dirty_rate *dr)
{
	uint64_t end = ptel_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	int err;

	for (;;) {
		err = qmp_query_dirty_rate(qmp, dr);
		if (err)
			return err;
		if (!strcmp(dr->status, "measured"))
			return 0;
		if (ptel_now_ns() > end)
			return -ETIMEDOUT;
		sleep_until_ns(ptel_now_ns() + 20000000ULL);
	}
}

int ptel_dirty_measure(struct ptel_bpf *b, struct qmp_client *qmp,
		       pid_t vm_pid, int calc_s, unsigned int step_ms,
		       struct ptel_dirty_measure *out)
{
	struct ptel_dirty_window w;
	struct ptel_dirty_point p;
	struct qmp_dirty_rate dr;
	uint64_t t_req, next;
	int err;

	memset(out, 0, sizeof(*out));
	out->src = PTEL_SRC_BPF_DIRTY_RING;
	out->qemu_mbps = -1;
	if (calc_s < 1 || !step_ms)
		return -EINVAL;
	err = ptel_dirty_window_open(b, vm_pid, &w);
	if (err)
		return err;
	err = require_kvm(qmp);
	if (err)
		return err;
	t_req = ptel_now_ns();
	err = qmp_calc_dirty_rate(qmp, calc_s, "dirty-ring", 0);
	if (err)
		return err;
	/* The curve while QEMU logs; the window grows from its start. */
	for (next = t_req + step_ms * 1000000ULL;
	     next < t_req + (uint64_t)calc_s * 1000000000ULL;
	     next += step_ms * 1000000ULL) {
		sleep_until_ns(next);
		err = ptel_dirty_window_read(b, &w, &p, NULL, NULL, NULL, NULL);
		if (err)
			return err;
		if (out->npoints < PTEL_CURVE_MAX)
			out->curve[out->npoints++] = p;
	}
	err = wait_measured(qmp, calc_s * 1000 + 10000, &dr);
	if (err)
		return err;
	out->time_to_answer_ms = (uint32_t)((ptel_now_ns() - t_req) / 1000000ULL);
	out->qemu_mbps = dr.dirty_rate_mbps;
	/* Logging is off again: the last read covers QEMU's whole period. */
	err = ptel_dirty_window_read(b, &w, &p, &out->ring_full, &out->resets,
				     out->vcpu_distinct, &out->nvcpu);
	if (err)
		return err;
	p.t_ms = (uint32_t)(calc_s * 1000);
	if (out->npoints < PTEL_CURVE_MAX)
		out->curve[out->npoints++] = p;
	out->window_ms = p.t_ms;
	out->distinct = p.distinct;
	out->pushes = p.pushes;
	out->pages_per_s = (double)p.distinct * 1000.0 / p.t_ms;
	out->raw_pages_per_s = (double)p.pushes * 1000.0 / p.t_ms;
	return 0;
}

int ptel_dirty_measure_qmp(struct qmp_client *qmp, int calc_s,
			   const char *mode, struct ptel_dirty_measure *out)
{
	struct qmp_dirty_rate dr;
	uint64_t t_req;
	int err;

	memset(out, 0, sizeof(*out));
	out->src = strcmp(mode, "dirty-ring") ? PTEL_SRC_QMP_SAMPLING :
						 PTEL_SRC_QMP_DIRTY_RING;
	out->qemu_mbps = -1;
	if (out->src == PTEL_SRC_QMP_DIRTY_RING) {
		err = require_kvm(qmp);
		if (err)
			return err;
	}
	t_req = ptel_now_ns();
	err = qmp_calc_dirty_rate(qmp, calc_s, mode, 0);
	if (err)
		return err;
	sleep_until_ns(t_req + (uint64_t)calc_s * 1000000000ULL);
	err = wait_measured(qmp, 10000, &dr);
	if (err)
		return err;
	out->time_to_answer_ms = (uint32_t)((ptel_now_ns() - t_req) / 1000000ULL);
	out->window_ms = (uint32_t)(calc_s * 1000);
	out->qemu_mbps = dr.dirty_rate_mbps;
	out->pages_per_s = (double)dr.dirty_rate_mbps * PTEL_PAGES_PER_MIB;
	out->raw_pages_per_s = out->pages_per_s;
	return 0;
}

int ptel_dirty_from_migrate(struct qmp_client *qmp,
			    struct ptel_dirty_measure *out)
{
	struct qmp_migrate_info mi;
	int err;

	memset(out, 0, sizeof(*out));
	out->src = PTEL_SRC_QMP_MIGRATE;
	out->qemu_mbps = -1;
	err = qmp_query_migrate(qmp, &mi);
	if (err)
		return err;
	if (!mi.has_ram)
		return -ENODATA;	/* no migration running */
	out->pages_per_s = (double)mi.ram_dirty_pages_rate;
	out->raw_pages_per_s = out->pages_per_s;
	out->qemu_mbps = (int64_t)(out->pages_per_s / PTEL_PAGES_PER_MIB);
	return 0;
}
