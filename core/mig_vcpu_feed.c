// SPDX-License-Identifier: GPL-2.0
/* Per-vCPU dirty rates during a migration; see mig_vcpu_feed.h. */
#include "core/mig_vcpu_feed.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/telemetry/ptel_bpf.h"
#include "core/telemetry/ptel_vm.h"
#include "qmp/qmp_client.h"
#include "qmp/qmp_commands.h"
#include "qmp/qmp_ctl_commands.h"

/* Shorter windows see the harvest rhythm of the rings, not the guest. */
#define FEED_WINDOW_MS 1000
#define PAGE_BYTES 4096.0

int mig_vcpu_feed_open(struct mig_vcpu_feed *f, struct qmp_client *src,
		       char *why, size_t len)
{
	struct qmp_vcpu v[QMP_CTL_MAX_VCPUS];
	char bpf_why[160] = "";
	bool kvm = false;
	int err, n = 0, i;

	memset(f, 0, sizeof(*f));
	err = qmp_query_kvm_enabled(src, &kvm);
	if (err || !kvm) {
		snprintf(why, len, "the source does not run under KVM");
		return -EOPNOTSUPP;
	}
	err = ptel_socket_peer_pid(qmp_fd(src), &f->pid);
	if (err) {
		snprintf(why, len, "no local QEMU behind the QMP socket: %s",
			 strerror(-err));
		return err;
	}
	err = qmp_query_cpus_fast(src, v, QMP_CTL_MAX_VCPUS, &n);
	if (err && err != -ENOBUFS) {
		snprintf(why, len, "query-cpus-fast: %s", qmp_last_error(src));
		return err;
	}
	/* a partial map would misplace the dirtying: none at all */
	for (i = 0; !err && i < n; i++) {
		f->map_tid[i] = v[i].thread_id;
		f->map_cpu[i] = v[i].cpu_index;
	}
	f->nmap = err ? 0 : n;
	err = ptel_bpf_open(PTEL_BPF_DIRTY, &f->bpf, bpf_why, sizeof(bpf_why));
	if (!err && !(ptel_bpf_groups(f->bpf) & PTEL_BPF_DIRTY)) {
		snprintf(bpf_why, sizeof(bpf_why),
			 "the dirty-ring programs did not load");
		err = -EOPNOTSUPP;
	}
	if (err) {
		snprintf(why, len, "eBPF: %s", bpf_why);
		mig_vcpu_feed_close(f);
		return err;
	}
	return 0;
}

static int cpu_of(const struct mig_vcpu_feed *f, pid_t tid)
{
	int i;

	for (i = 0; i < f->nmap; i++)
		if (f->map_tid[i] == tid)
			return f->map_cpu[i];
	return -1;
}

/*
 * Every mapped vCPU gets a rate, 0 when it pushed nothing (a thread with
 * no entry in the BPF map has not dirtied since tracking began).
 */
static void fill(struct mig_vcpu_feed *f, const struct ptel_dirty_vcpu *v,
		 int n, double window_s, struct qmp_ctl_vcpu_dirty *out)
{
	int i, cpu, k;

	memset(out, 0, sizeof(*out));
	out->window_s = window_s;
	out->nvcpu = f->nmap;
	for (i = 0; i < f->nmap; i++)
		out->cpu_index[i] = f->map_cpu[i];
	for (i = 0; i < n; i++) {
		cpu = cpu_of(f, v[i].tid);
		for (k = 0; k < f->nmap; k++)
			if (out->cpu_index[k] == cpu)
				out->dirty_bps[k] += v[i].distinct *
						     PAGE_BYTES / window_s;
	}
}

int mig_vcpu_feed_hook(void *ctx, double elapsed_s,
		       struct qmp_ctl_vcpu_dirty *out)
{
	struct mig_vcpu_feed *f = ctx;
	struct ptel_dirty_vcpu v[PTEL_DIRTY_MAX_VCPUS];
	struct ptel_dirty_point p;
	int err, n = 0;

	(void)elapsed_s;
	if (!f->window_open) {
		err = ptel_dirty_window_open(f->bpf, f->pid, &f->w);
		if (err)
			return err;
		f->window_open = true;
		return -EAGAIN;
	}
	err = ptel_dirty_window_read_vcpus(f->bpf, &f->w, &p, v,
					   PTEL_DIRTY_MAX_VCPUS, &n);
	if (err)
		return err;
	if (p.t_ms < FEED_WINDOW_MS)
		return -EAGAIN;
	fill(f, v, n, p.t_ms / 1000.0, out);
	f->last = *out;
	f->observations++;
	/* the next window starts now: every page counts once more */
	f->window_open = false;
	err = ptel_dirty_window_open(f->bpf, f->pid, &f->w);
	if (!err)
		f->window_open = true;
	return 0;
}

void mig_vcpu_feed_close(struct mig_vcpu_feed *f)
{
	if (f->bpf)
		ptel_bpf_dirty_forget(f->bpf, f->pid);
	ptel_bpf_close(f->bpf);
	f->bpf = NULL;
}
