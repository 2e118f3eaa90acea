/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the controller needs to know before it plans: the QEMU pair's
 * features and the guest's RAM, dirty rate and working set, measured on
 * the source or given by the caller (e.g. from palm's telemetry).
 */
#ifndef PALM_QMP_CTL_PROBE_H
#define PALM_QMP_CTL_PROBE_H

#include "qmp/qmp_client.h"
#include "qmp/qmp_ctl.h"
#include "qmp/qmp_model.h"

/* Given figures; < 0 = measure (dirty) or unknown (link, used). */
struct qmp_ctl_known {
	double link_bps;	/* unknown: no prediction before the start */
	double used_bytes;	/* unknown: all of RAM */
	double ws_bytes;
	double dirty_bps;
	int measure_s;		/* calc-dirty-rate window, >= 1 */
	bool want_dirty_limit;	/* the source runs KVM with a dirty ring */
	bool allow_compress;	/* the operator lets palm use multifd zstd, xbzrle */
	int host_cpus;		/* the source host's, for compress_threads */
	/* from the RAM sample (qmp_ram_sample); <= 0: not measured */
	double zstd_ratio;
	double zstd_thread_bps;
	double xbzrle_ratio;	/* page bytes per wire byte of rewritten pages */
};

void qmp_ctl_known_init(struct qmp_ctl_known *k);

/* multifd channels (compressing threads) for nvcpu vCPUs on host_cpus. */
int qmp_ctl_compress_threads(int host_cpus, int nvcpu);

/*
 * Fills caps from both ends (dst may be NULL: no post-copy).  Errors go
 * to err; 0 or a negative errno.
 */
int qmp_ctl_probe_caps(struct qmp_client *src, struct qmp_client *dst,
		       const struct qmp_ctl_known *k, struct qmp_ctl_caps *caps,
		       char *err, size_t errlen);

/*
 * Fills the model's input.  Compression enters it (per compressing
 * thread) only when allowed and measured; qmp_ctl_plan scales it by
 * caps->compress_threads.  *have_prediction is false (and 0 returned)
 * when the link rate is unknown.  Measuring blocks ~3 * measure_s.
 */
int qmp_ctl_probe_input(struct qmp_client *src, const struct qmp_ctl_known *k,
			struct qmp_model_input *in, bool *have_prediction,
			char *err, size_t errlen);

/*
 * Two windows of the guest's distinct-page dirtying, measure_s and
 * 2 * measure_s long, in bytes/s; errors described in err.
 */
typedef int qmp_ctl_measure_fn(void *ctx, int measure_s, double *r1,
			       double *r2, char *err, size_t errlen);

/*
 * What qmp_ctl_probe_input does after asking QEMU for the RAM size,
 * for any backend's measurement: the dirtying given in k or measured and
 * fitted, the sample's compression when allowed, the link when known.
 */
int qmp_ctl_fill_input(const struct qmp_ctl_known *k, uint64_t ram_bytes,
		       qmp_ctl_measure_fn *measure, void *ctx,
		       struct qmp_model_input *in, bool *have_prediction,
		       char *err, size_t errlen);

#endif /* PALM_QMP_CTL_PROBE_H */
