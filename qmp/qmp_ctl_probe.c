// SPDX-License-Identifier: GPL-2.0
/* Features and measurements before the plan; see qmp_ctl_probe.h. */
#include "qmp/qmp_ctl_probe.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "qmp/qmp_commands.h"
#include "qmp/qmp_ctl_commands.h"
#include "qmp/qmp_features.h"
#include "qmp/qmp_peer.h"

#define MAX_VCPUS 256
/* QEMU's default multifd-channels: more buys nothing on a slow link */
#define MAX_COMPRESS_THREADS 2

void qmp_ctl_known_init(struct qmp_ctl_known *k)
{
	k->link_bps = -1;
	k->used_bytes = -1;
	k->ws_bytes = -1;
	k->dirty_bps = -1;
	k->measure_s = 1;
	k->want_dirty_limit = false;
	k->allow_compress = false;
	k->host_cpus = 1;
	k->zstd_ratio = 0;
	k->zstd_thread_bps = 0;
	k->xbzrle_ratio = 0;
}

int qmp_ctl_compress_threads(int host_cpus, int nvcpu)
{
	/* the vCPUs keep their CPUs; the channels share the rest */
	int n = host_cpus - nvcpu;

	return n < 1 ? 1 : n > MAX_COMPRESS_THREADS ? MAX_COMPRESS_THREADS : n;
}

static bool has_multifd_zstd(const struct qmp_features *f)
{
	return qmp_has_capability(f, "multifd") &&
	       qmp_has_multifd_compression(f, "zstd");
}

/*
 * The ring's size bounds how long QEMU's dirty limit stalls a vCPU.
 * QMP does not tell it; a local QEMU's command line does.
 */
static void source_dirty_ring(struct qmp_client *src, struct qmp_ctl_caps *caps)
{
	char why[sizeof(caps->dirty_ring_unknown)];
	bool kvm = false;
	int pages;

	if (qmp_peer_dirty_ring(src, &pages, why, sizeof(why))) {
		snprintf(caps->dirty_ring_unknown, sizeof(caps->dirty_ring_unknown),
			 "%s", why);
		return;
	}
	if (qmp_query_kvm_enabled(src, &kvm)) {
		snprintf(caps->dirty_ring_unknown, sizeof(caps->dirty_ring_unknown),
			 "query-kvm: %s", qmp_last_error(src));
		return;
	}
	caps->dirty_ring_pages = kvm && pages > 0 ? pages : -1;
}

int qmp_ctl_probe_caps(struct qmp_client *src, struct qmp_client *dst,
		       const struct qmp_ctl_known *k, struct qmp_ctl_caps *caps,
		       char *err, size_t errlen)
{
	struct qmp_features *fs = NULL, *fd = NULL;
	struct qmp_vcpu vcpus[MAX_VCPUS];
	int ret, n = 0;

	memset(caps, 0, sizeof(*caps));
	ret = qmp_features_probe(src, &fs);
	if (ret) {
		snprintf(err, errlen, "source: feature probe: %s", qmp_last_error(src));
		goto out;
	}
	if (dst) {
		ret = qmp_features_probe(dst, &fd);
		if (ret) {
			snprintf(err, errlen, "destination: feature probe: %s",
				 qmp_last_error(dst));
			goto out;
		}
	}
	caps->postcopy = fd && qmp_has_capability(fs, "postcopy-ram") &&
			 qmp_has_capability(fd, "postcopy-ram") &&
			 qmp_has_command(fs, "migrate-start-postcopy");
	caps->postcopy_preempt = caps->postcopy &&
				 qmp_has_capability(fs, "postcopy-preempt") &&
				 qmp_has_capability(fd, "postcopy-preempt");
	caps->auto_converge = qmp_has_capability(fs, "auto-converge");
	caps->live_cpu_throttle = caps->auto_converge;
	caps->xbzrle = k->allow_compress && qmp_has_capability(fs, "xbzrle");
	caps->switchover_bandwidth =
		qmp_has_parameter(fs, "avail-switchover-bandwidth");
	/* the command exists without a dirty ring but then refuses */
	caps->vcpu_dirty_limit = k->want_dirty_limit &&
				 qmp_has_command(fs, "set-vcpu-dirty-limit");
	if (caps->vcpu_dirty_limit)
		source_dirty_ring(src, caps);
	ret = qmp_query_cpus_fast(src, vcpus, MAX_VCPUS, &n);
	if (ret && ret != -ENOBUFS) {
		snprintf(err, errlen, "source: query-cpus-fast: %s",
			 qmp_last_error(src));
		goto out;
	}
	ret = 0;
	caps->nvcpu = n > 0 ? n : 1;
	if (k->allow_compress && fd && has_multifd_zstd(fs) &&
	    has_multifd_zstd(fd))
		caps->compress_threads = qmp_ctl_compress_threads(k->host_cpus,
								  caps->nvcpu);
out:
	qmp_features_free(fs);
	qmp_features_free(fd);
	return ret;
}

int qmp_ctl_fill_input(const struct qmp_ctl_known *k, uint64_t ram_bytes,
		       qmp_ctl_measure_fn *measure, void *ctx,
		       struct qmp_model_input *in, bool *have_prediction,
		       char *err, size_t errlen)
{
	double r1, r2, ws, rate;
	int ret;

	memset(in, 0, sizeof(*in));
	*have_prediction = false;
	in->ram_bytes = (double)ram_bytes;
	in->used_bytes = k->used_bytes >= 0 ? fmin(k->used_bytes, in->ram_bytes) :
					      in->ram_bytes;
	if (k->dirty_bps >= 0 && k->ws_bytes >= 0) {
		ws = fmin(k->ws_bytes, in->ram_bytes);
		rate = k->dirty_bps;
	} else {
		ret = measure(ctx, k->measure_s, &r1, &r2, err, errlen);
		if (ret)
			return ret;
		ret = qmp_model_fit_dirty(r1, r2, k->measure_s, in->used_bytes,
					  &ws, &rate);
		if (ret) {
			snprintf(err, errlen, "dirty rate %g/%g B/s does not fit", r1, r2);
			return ret;
		}
	}
	in->ws_bytes = ws;
	in->dirty_bps = rate;
	if (k->allow_compress && k->zstd_ratio > 0 && k->zstd_thread_bps > 0) {
		in->compress_ratio = k->zstd_ratio;
		in->compress_bps = k->zstd_thread_bps;
	}
	if (k->allow_compress && k->xbzrle_ratio > 1)
		in->xbzrle_ratio = k->xbzrle_ratio;
	if (k->link_bps <= 0)
		return 0;
	in->link_bps = k->link_bps;
	*have_prediction = true;
	return 0;
}

/* calc-dirty-rate: the dirty bitmap under KVM, page sampling otherwise */
static int measure_qmp(void *ctx, int measure_s, double *r1, double *r2,
		       char *err, size_t errlen)
{
	struct qmp_client *src = ctx;
	bool kvm = false;
	int ret;

	/* an old QEMU without query-kvm samples */
	if (qmp_query_kvm_enabled(src, &kvm))
		kvm = false;
	ret = qmp_measure_dirty(src, measure_s, kvm, r1, r2);
	if (ret)
		snprintf(err, errlen, "source: dirty rate: %s", qmp_last_error(src));
	return ret;
}

int qmp_ctl_probe_input(struct qmp_client *src, const struct qmp_ctl_known *k,
			struct qmp_model_input *in, bool *have_prediction,
			char *err, size_t errlen)
{
	uint64_t ram;
	int ret;

	ret = qmp_query_ram_size(src, &ram);
	if (ret) {
		snprintf(err, errlen, "source: %s", qmp_last_error(src));
		return ret;
	}
	return qmp_ctl_fill_input(k, ram, measure_qmp, src, in, have_prediction,
				  err, errlen);
}
