/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where palmctl migrate's pre-start dirty rate and working set come from:
 * given by the caller, measured with eBPF on the source's KVM dirty ring
 * (distinct pages over one calc-dirty-rate window in dirty-ring mode, and
 * the working-set curve inside it), or, when eBPF cannot be used, left to
 * qmp_ctl_probe_input's calc-dirty-rate windows (page-sampling, or
 * dirty-bitmap under KVM).  qmp/ does not see core/telemetry: this file
 * picks the source and hands the numbers to the plan as given figures.
 */
#ifndef PALM_CORE_MIG_DIRTY_SOURCE_H
#define PALM_CORE_MIG_DIRTY_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ptel_bpf;
struct qmp_client;

enum mig_dirty_src {
	MIG_DIRTY_GIVEN,	/* --dirty-rate and --working-set */
	MIG_DIRTY_EBPF,		/* eBPF on kvm_dirty_ring_push */
	MIG_DIRTY_QMP_SAMPLING,	/* calc-dirty-rate page-sampling (TCG) */
	MIG_DIRTY_QMP_BITMAP,	/* calc-dirty-rate dirty-bitmap (KVM) */
	MIG_DIRTY_LIBVIRT,	/* libvirt's dirty-rate calculation */
};

struct mig_dirty_source {
	enum mig_dirty_src src;
	double dirty_bps;	/* page writes into the working set, bytes/s */
	double ws_bytes;
	uint32_t window_ms;	/* eBPF: the window; QMP: the longer one */
	uint32_t short_ms;	/* QMP: the shorter window; eBPF: fit's t1 */
	uint64_t distinct;	/* eBPF: distinct pages in the window */
	uint64_t pushes;	/* eBPF: raw dirty-ring pushes */
	char why_not_ebpf[200];	/* why eBPF was not used ("" when it was) */
};

/*
 * Measures the source's dirtying for 2 * measure_s seconds with eBPF on
 * the dirty-ring programs b has loaded (mig_vcpu_feed_open loads them
 * and checks the source is a local QEMU under KVM; pid is that QEMU).
 * 0 with d->src == MIG_DIRTY_EBPF and the rate and working set (at most
 * cap_bytes) filled in; a negative errno with the reason in
 * d->why_not_ebpf otherwise (QEMU has no dirty ring, the curve does not
 * fit): the caller then falls back to QMP's measurement.
 */
int mig_dirty_measure_ebpf(struct ptel_bpf *b, pid_t pid,
			   struct qmp_client *src, int measure_s,
			   double cap_bytes, struct mig_dirty_source *d);

/*
 * Working set and write rate from a distinct-pages curve W(t_ms) (pages,
 * t_ms growing), through the model's two-window fit at t1 and 2 t1: the
 * longest t1 whose windows still show saturation clearly, else the
 * shortest.  0 or -EINVAL (too few points).
 */
int mig_dirty_fit_curve(const uint32_t *t_ms, const uint64_t *pages,
			unsigned int n, double cap_bytes, double *ws_bytes,
			double *dirty_bps, uint32_t *t1_ms);

const char *mig_dirty_src_name(enum mig_dirty_src src);
/* "dirty rate 48.6 pages/ms, working set 64.0 MiB (eBPF dirty ring, 2 s window)" */
void mig_dirty_describe(const struct mig_dirty_source *d, char *buf,
			size_t len);

#endif /* PALM_CORE_MIG_DIRTY_SOURCE_H */
