/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-vCPU dirty rates during a migration, from eBPF on the source's KVM
 * dirty ring, for the controller's per-pass decisions.  While QEMU
 * migrates, dirty logging is on and every vCPU's first write to a page
 * pushes to its ring: one eBPF window per second gives each vCPU's
 * distinct pages, mapped to QEMU's cpu-index through query-cpus-fast.
 * query-migrate has only the whole guest's rate, so this is what lets
 * palm limit just the vCPUs that dirty.
 */
#ifndef PALM_CORE_MIG_VCPU_FEED_H
#define PALM_CORE_MIG_VCPU_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/telemetry/ptel_dirty.h"
#include "qmp/qmp_ctl.h"

struct qmp_client;

struct mig_vcpu_feed {
	struct ptel_bpf *bpf;
	pid_t pid;
	bool window_open;
	struct ptel_dirty_window w;
	int nmap;
	pid_t map_tid[QMP_CTL_MAX_VCPUS];
	int map_cpu[QMP_CTL_MAX_VCPUS];
	unsigned int observations;	/* windows handed to the controller */
	struct qmp_ctl_vcpu_dirty last;
};

/*
 * Loads the dirty-ring programs and maps the source's vCPU threads; the
 * same programs serve the pre-start measurement (mig_dirty_measure_ebpf
 * with f->bpf and f->pid).  0, or a negative errno with the reason in
 * why (not root, no BTF, not a local QEMU under KVM, ...).  A guest with
 * more vCPUs than palm maps opens with nmap 0: measurable as a whole,
 * no per-vCPU rates.
 */
int mig_vcpu_feed_open(struct mig_vcpu_feed *f, struct qmp_client *src,
		       char *why, size_t len);

/*
 * The run loop's vcpu_dirty hook (ctx: the feed): 0 and out filled when
 * a window of at least a second closed, -EAGAIN before, or another
 * negative errno when the read failed.
 */
int mig_vcpu_feed_hook(void *ctx, double elapsed_s,
		       struct qmp_ctl_vcpu_dirty *out);

void mig_vcpu_feed_close(struct mig_vcpu_feed *f);

#endif /* PALM_CORE_MIG_VCPU_FEED_H */
