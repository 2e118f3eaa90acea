// SPDX-License-Identifier: GPL-2.0
/*
 * libvirt connections, job statistics as query-migrate, and what the
 * controller measures before the start; see qmp_lv.h.
 */
#include "qmp/lv/qmp_lv_priv.h"

#include <errno.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qmp/qmp_clock.h"
#include "qmp/qmp_ctl_probe.h"
#include "qmp/qmp_ram_sample.h"

#define MEASURE_POLL_MS		100
#define MEASURE_SLACK_S		5	/* libvirt and QEMU's own delay */
/* compression "zstd" (multifd) in virDomainMigrate3's parameters */
#define LV_MULTIFD_ZSTD_VERSION	9004000UL

/* libvirt prints every error to stderr by default; palm reports its own. */
static void lv_quiet(void *data, virErrorPtr e)
{
	(void)data;
	(void)e;
}

/* libvirt's per-thread error state must exist before any libvirt call. */
static int lv_init(void)
{
	if (virInitialize() < 0)
		return -EIO;
	virSetErrorFunc(NULL, lv_quiet);
	return 0;
}

void qmp_lv_set_error(struct qmp_lv *lv, const char *what)
{
	const char *msg = virGetLastErrorMessage();

	snprintf(lv->error, sizeof(lv->error), "%s: %s", what,
		 msg ? msg : "unknown libvirt error");
}

const char *qmp_lv_error(const struct qmp_lv *lv)
{
	return lv->error;
}

int qmp_lv_open(const char *src_uri, const char *dst_uri, const char *domain,
		struct qmp_lv **out, char *err, size_t errlen)
{
	struct qmp_lv *lv;
	int ret = -EIO;

	*out = NULL;
	if (lv_init()) {
		snprintf(err, errlen, "libvirt would not initialise");
		return -EIO;
	}
	lv = calloc(1, sizeof(*lv));
	if (!lv) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	lv->bandwidth_bps = -1;
	lv->src_uri = src_uri;
	lv->src = virConnectOpen(src_uri);
	if (!lv->src) {
		qmp_lv_set_error(lv, src_uri);
		goto fail;
	}
	if (dst_uri) {
		lv->dst = virConnectOpen(dst_uri);
		if (!lv->dst) {
			qmp_lv_set_error(lv, dst_uri);
			goto fail;
		}
	}
	lv->dom = virDomainLookupByName(lv->src, domain);
	if (!lv->dom) {
		qmp_lv_set_error(lv, domain);
		ret = -ENOENT;
		goto fail;
	}
	*out = lv;
	return 0;
fail:
	snprintf(err, errlen, "%s", lv->error);
	qmp_lv_close(lv);
	return ret;
}

void qmp_lv_close(struct qmp_lv *lv)
{
	if (!lv)
		return;
	if (lv->dom)
		virDomainFree(lv->dom);
	if (lv->dst)
		virConnectClose(lv->dst);
	if (lv->src)
		virConnectClose(lv->src);
	free(lv);
}

static const char *job_status(int job_type, bool postcopy_paused)
{
	switch (job_type) {
	case VIR_DOMAIN_JOB_NONE:
		return "none";
	case VIR_DOMAIN_JOB_BOUNDED:
	case VIR_DOMAIN_JOB_UNBOUNDED:
		return postcopy_paused ? "postcopy-active" : "active";
	case VIR_DOMAIN_JOB_COMPLETED:
		return "completed";
	case VIR_DOMAIN_JOB_FAILED:
		return "failed";
	case VIR_DOMAIN_JOB_CANCELLED:
		return "cancelled";
	default:
		return NULL;
	}
}

struct lv_field {
	const char *name;
	uint64_t *u;		/* one of u, i */
	int64_t *i;
};

int qmp_lv_job_decode(int job_type, const void *params, int nparams,
		      bool postcopy_paused, struct qmp_migrate_info *out,
		      char *err, size_t errlen)
{
	virTypedParameterPtr p = (virTypedParameterPtr)params;
	unsigned long long bps = 0, v;
	const char *status, *msg = NULL;
	int throttle = 0, got;
	const struct lv_field fields[] = {
		{ VIR_DOMAIN_JOB_TIME_ELAPSED, NULL, &out->total_time_ms },
		{ VIR_DOMAIN_JOB_DOWNTIME, NULL, &out->downtime_ms },
		{ VIR_DOMAIN_JOB_SETUP_TIME, NULL, &out->setup_time_ms },
		{ VIR_DOMAIN_JOB_MEMORY_TOTAL, &out->ram_total, NULL },
		{ VIR_DOMAIN_JOB_MEMORY_PROCESSED, &out->ram_transferred, NULL },
		{ VIR_DOMAIN_JOB_MEMORY_REMAINING, &out->ram_remaining, NULL },
		{ VIR_DOMAIN_JOB_MEMORY_CONSTANT, &out->ram_duplicate, NULL },
		{ VIR_DOMAIN_JOB_MEMORY_NORMAL, &out->ram_normal, NULL },
		{ VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE, &out->ram_dirty_pages_rate, NULL },
		{ VIR_DOMAIN_JOB_MEMORY_ITERATION, &out->ram_dirty_sync_count, NULL },
		{ VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE, &out->ram_page_size, NULL },
		{ VIR_DOMAIN_JOB_MEMORY_POSTCOPY_REQS, &out->ram_postcopy_requests, NULL },
		{ VIR_DOMAIN_JOB_COMPRESSION_CACHE, &out->xbzrle_cache_size, NULL },
		{ VIR_DOMAIN_JOB_COMPRESSION_BYTES, &out->xbzrle_bytes, NULL },
		{ VIR_DOMAIN_JOB_COMPRESSION_PAGES, &out->xbzrle_pages, NULL },
		{ VIR_DOMAIN_JOB_COMPRESSION_CACHE_MISSES, &out->xbzrle_cache_miss, NULL },
		{ VIR_DOMAIN_JOB_COMPRESSION_OVERFLOW, &out->xbzrle_overflow, NULL },
	};
	size_t k;

	memset(out, 0, sizeof(*out));
	if (lv_init()) {
		snprintf(err, errlen, "libvirt would not initialise");
		return -EIO;
	}
	if (nparams < 0 || (nparams && !params)) {
		snprintf(err, errlen, "job statistics: %d parameters", nparams);
		return -EINVAL;
	}
	status = job_status(job_type, postcopy_paused);
	if (!status) {
		snprintf(err, errlen, "job statistics: unknown job type %d",
			 job_type);
		return -EINVAL;
	}
	snprintf(out->status, sizeof(out->status), "%s", status);
	for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
		got = virTypedParamsGetULLong(p, nparams, fields[k].name, &v);
		if (got < 0 || (fields[k].i && v > INT64_MAX)) {
			snprintf(err, errlen, "job statistics: '%s' is not a count",
				 fields[k].name);
			return -EINVAL;
		}
		if (!got)
			continue;
		if (fields[k].u)
			*fields[k].u = v;
		else
			*fields[k].i = (int64_t)v;
	}
	if (out->ram_page_size & (out->ram_page_size - 1)) {
		snprintf(err, errlen, "job statistics: page size %llu",
			 (unsigned long long)out->ram_page_size);
		return -EINVAL;
	}
	got = virTypedParamsGetULLong(p, nparams, VIR_DOMAIN_JOB_MEMORY_BPS, &bps);
	if (got < 0) {
		snprintf(err, errlen, "job statistics: memory_bps is not a count");
		return -EINVAL;
	}
	out->ram_mbps = (double)bps * 8 / 1e6;
	if (virTypedParamsGetInt(p, nparams, VIR_DOMAIN_JOB_AUTO_CONVERGE_THROTTLE,
				 &throttle) < 0 || throttle < 0 || throttle > 100) {
		snprintf(err, errlen, "job statistics: bad throttle");
		return -EINVAL;
	}
	out->cpu_throttle_percentage = throttle;
	if (virTypedParamsGetString(p, nparams, VIR_DOMAIN_JOB_ERRMSG, &msg) > 0)
		snprintf(out->error_desc, sizeof(out->error_desc), "%s", msg);
	/* query-migrate has RAM figures once the first pass has begun */
	out->has_ram = virTypedParamsGetULLong(p, nparams,
					       VIR_DOMAIN_JOB_MEMORY_TOTAL, &v) > 0;
	/* libvirt reports xbzrle's cache as query-migrate's xbzrle-cache */
	out->has_xbzrle = virTypedParamsGetULLong(p, nparams,
						  VIR_DOMAIN_JOB_COMPRESSION_CACHE,
						  &v) > 0;
	return 0;
}

int qmp_lv_query(struct qmp_lv *lv, virDomainPtr dom, unsigned int flags,
		 struct qmp_migrate_info *out)
{
	virTypedParameterPtr params = NULL;
	int type = 0, nparams = 0, state = 0, reason = 0, ret;
	bool postcopy = false;
	char why[200];

	if (virDomainGetJobStats(dom, &type, &params, &nparams, flags) < 0) {
		qmp_lv_set_error(lv, "virDomainGetJobStats");
		return -EIO;
	}
	/* The source pauses for post-copy; the job statistics do not say. */
	if (!flags && virDomainGetState(dom, &state, &reason, 0) == 0)
		postcopy = state == VIR_DOMAIN_PAUSED &&
			   reason == VIR_DOMAIN_PAUSED_POSTCOPY;
	ret = qmp_lv_job_decode(type, params, nparams, postcopy, out, why,
				sizeof(why));
	if (ret)
		snprintf(lv->error, sizeof(lv->error), "%s", why);
	virTypedParamsFree(params, nparams);
	return ret;
}

int qmp_lv_ram_size(struct qmp_lv *lv, uint64_t *bytes)
{
	virDomainInfo info;

	if (virDomainGetInfo(lv->dom, &info) < 0) {
		qmp_lv_set_error(lv, "virDomainGetInfo");
		return -EIO;
	}
	*bytes = (uint64_t)info.maxMem * 1024;
	return 0;
}

/* set-vcpu-dirty-limit needs a KVM dirty ring, so it exists only then. */
static bool has_dirty_limit(struct qmp_lv *lv)
{
	return qmp_lv_monitor(lv, "query-vcpu-dirty-limit",
			      "{\"execute\":\"query-vcpu-dirty-limit\"}") == 0;
}

/*
 * multifd zstd goes with the migrate call, which both daemons must know
 * (libvirt >= 9.4); whether QEMU has it, libvirt checks when the
 * migration starts.  Each daemon tells its own version.
 */
static void compress_caps(struct qmp_lv *lv, const struct qmp_ctl_known *k,
			  struct qmp_ctl_caps *caps)
{
	unsigned long vs = 0, vd = 0;

	if (!k->allow_compress)
		return;
	if (!lv->dst) {
		snprintf(caps->compress_why, sizeof(caps->compress_why),
			 "multifd needs the destination's libvirtd");
		return;
	}
	if (virConnectGetLibVersion(lv->src, &vs) < 0 ||
	    virConnectGetLibVersion(lv->dst, &vd) < 0) {
		snprintf(caps->compress_why, sizeof(caps->compress_why),
			 "a libvirtd did not tell its version: %.80s",
			 virGetLastErrorMessage());
		return;
	}
	if (vs < LV_MULTIFD_ZSTD_VERSION || vd < LV_MULTIFD_ZSTD_VERSION) {
		/* major * 1,000,000 + minor * 1,000 + micro, each < 1000 */
		snprintf(caps->compress_why, sizeof(caps->compress_why),
			 "libvirt %lu.%lu.%lu (source) and %lu.%lu.%lu (destination): multifd zstd through libvirt needs 9.4 on both",
			 vs / 1000000 % 1000, vs / 1000 % 1000, vs % 1000,
			 vd / 1000000 % 1000, vd / 1000 % 1000, vd % 1000);
		return;
	}
	caps->compress_threads = qmp_ctl_compress_threads(k->host_cpus,
							  caps->nvcpu);
}

/*
 * What the domain XML says of its accelerator: KVM or not, and its KVM
 * dirty ring in entries per vCPU (libvirt >= 8.0: <features><kvm>
 * <dirty-ring state='on' size='N'/>): -1 when it has none, 0 when its
 * size is missing or one libvirt would not take (a power of 2, 1024 to
 * 65536).  Read once: neither changes while the domain runs.
 */
static void read_domain_accel(struct qmp_lv *lv)
{
	char *xml, *stop;
	const char *ring, *size, *end;
	long n;

	if (lv->xml_read)
		return;
	xml = virDomainGetXMLDesc(lv->dom, 0);
	ring = xml ? strstr(xml, "<dirty-ring state='on'") : NULL;
	size = ring ? strstr(ring, "size='") : NULL;
	end = ring ? strchr(ring, '>') : NULL;
	/* a ring whose size palm cannot read is one of unknown size */
	n = ring ? 0 : -1;
	if (size && end && size < end) {
		n = strtol(size + strlen("size='"), &stop, 10);
		if (*stop != '\'' || n < 1024 || n > QMP_DIRTY_RING_MAX_PAGES ||
		    (n & (n - 1)))
			n = 0;
	}
	lv->kvm = xml && strstr(xml, "<domain type='kvm'");
	lv->dirty_ring_pages = (int)n;
	/* a failed fetch is tried again next time */
	lv->xml_read = xml != NULL;
	free(xml);
}

int qmp_lv_probe_caps(struct qmp_lv *lv, const struct qmp_ctl_known *k,
		      struct qmp_ctl_caps *caps)
{
	virDomainInfo info;

	memset(caps, 0, sizeof(*caps));
	if (virDomainGetInfo(lv->dom, &info) < 0) {
		qmp_lv_set_error(lv, "virDomainGetInfo");
		return -EIO;
	}
	caps->nvcpu = info.nrVirtCpu > 0 ? info.nrVirtCpu : 1;
	/*
	 * libvirt has had post-copy and auto-converge for years and checks
	 * QEMU's capabilities itself when the migration starts (and says
	 * so); post-copy needs the destination's libvirtd.
	 */
	caps->postcopy = lv->dst != NULL;
	caps->auto_converge = true;
	/* VIR_MIGRATE_COMPRESSED with the xbzrle method (libvirt >= 1.0.3) */
	caps->xbzrle = k->allow_compress;
	compress_caps(lv, k, caps);
	caps->vcpu_dirty_limit = k->want_dirty_limit && has_dirty_limit(lv);
	/* whether QEMU limits dirtying at all, QEMU itself said just now */
	read_domain_accel(lv);
	caps->dirty_ring_pages = lv->xml_read && lv->dirty_ring_pages > 0 ?
				 lv->dirty_ring_pages : 0;
	if (!caps->dirty_ring_pages)
		snprintf(caps->dirty_ring_unknown, sizeof(caps->dirty_ring_unknown),
			 "%s", lv->xml_read ? "the domain XML gives no ring size palm can read" :
					      "the domain XML could not be read");
	/* through the same monitor pass-through as the dirty limits */
	caps->live_cpu_throttle = caps->vcpu_dirty_limit;
	return 0;
}

/* One libvirt dirty-rate window of t_s seconds, in bytes/s. */
static int measure_once(struct qmp_lv *lv, int t_s, unsigned int mode,
			double *bps)
{
	virDomainStatsRecordPtr *recs = NULL;
	virDomainPtr doms[] = { lv->dom, NULL };
	double deadline = qmp_now_s() + t_s + MEASURE_SLACK_S;
	long long mibps;
	int status, n;

	if (virDomainStartDirtyRateCalc(lv->dom, t_s, mode) < 0) {
		qmp_lv_set_error(lv, "virDomainStartDirtyRateCalc");
		return -EIO;
	}
	usleep((useconds_t)t_s * 1000000);
	while (qmp_now_s() < deadline) {
		n = virDomainListGetStats(doms, VIR_DOMAIN_STATS_DIRTYRATE, &recs, 0);
		if (n < 1) {
			qmp_lv_set_error(lv, "dirty rate statistics");
			virDomainStatsRecordListFree(recs);
			return -EIO;
		}
		status = -1;
		mibps = -1;
		virTypedParamsGetInt(recs[0]->params, recs[0]->nparams,
				     "dirtyrate.calc_status", &status);
		virTypedParamsGetLLong(recs[0]->params, recs[0]->nparams,
				       "dirtyrate.megabytes_per_second", &mibps);
		virDomainStatsRecordListFree(recs);
		recs = NULL;
		if (status == VIR_DOMAIN_DIRTYRATE_MEASURED && mibps >= 0) {
			/* QEMU's "MB" here is MiB (it shifts by 20) */
			*bps = (double)mibps * 1048576;
			return 0;
		}
		usleep(MEASURE_POLL_MS * 1000);
	}
	snprintf(lv->error, sizeof(lv->error),
		 "dirty rate: no result %d s after a %d s window",
		 MEASURE_SLACK_S, t_s);
	return -ETIMEDOUT;
}

/*
 * How libvirt should count: the KVM dirty ring when the domain has one
 * (QEMU then refuses the bitmap), else the dirty bitmap under KVM (every
 * page; it crashes QEMU 7.2 under TCG), else page sampling.
 */
static unsigned int dirty_rate_mode(struct qmp_lv *lv)
{
	read_domain_accel(lv);
	if (lv->dirty_ring_pages >= 0 && lv->xml_read)
		return VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING;
	if (lv->kvm)
		return VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_BITMAP;
	return VIR_DOMAIN_DIRTYRATE_MODE_PAGE_SAMPLING;
}

/* libvirt's dirty-rate calculation, twice, in the domain's best mode */
static int measure_lv(void *ctx, int measure_s, double *r1, double *r2,
		      char *err, size_t errlen)
{
	struct qmp_lv *lv = ctx;
	unsigned int mode = dirty_rate_mode(lv);
	int ret;

	/* measure_once says what failed in lv->error, which err is here */
	(void)err;
	(void)errlen;
	ret = measure_once(lv, measure_s, mode, r1);
	if (!ret)
		ret = measure_once(lv, 2 * measure_s, mode, r2);
	return ret;
}

int qmp_lv_probe_input(struct qmp_lv *lv, const struct qmp_ctl_known *k,
		       struct qmp_model_input *in, bool *have_prediction)
{
	uint64_t ram;
	int ret;

	ret = qmp_lv_ram_size(lv, &ram);
	if (ret)
		return ret;
	return qmp_ctl_fill_input(k, ram, measure_lv, lv, in, have_prediction,
				  lv->error, sizeof(lv->error));
}

static int peek_read(void *ctx, uint64_t addr, uint64_t len,
		     unsigned char *buf)
{
	struct qmp_lv *lv = ctx;

	if (virDomainMemoryPeek(lv->dom, addr, len, buf, VIR_MEMORY_PHYSICAL) < 0) {
		qmp_lv_set_error(lv, "virDomainMemoryPeek");
		return -EIO;
	}
	return 0;
}

int qmp_lv_sample_used(struct qmp_lv *lv, struct qmp_ram_sample *s)
{
	struct qmp_ram_map map;
	char *mtree = NULL;
	int ret;

	if (virDomainQemuMonitorCommand(lv->dom, "info mtree -f", &mtree,
					VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) < 0) {
		qmp_lv_set_error(lv, "info mtree (monitor pass-through)");
		return -EIO;
	}
	ret = qmp_ram_map_parse(mtree, strlen(mtree), &map, lv->error,
				sizeof(lv->error));
	if (ret)
		goto out;
	ret = qmp_ram_sample_map(&map, peek_read, lv, s);
	if (ret == -ENOMEM)
		snprintf(lv->error, sizeof(lv->error), "out of memory for the sample");
out:
	free(mtree);
	return ret;
}
