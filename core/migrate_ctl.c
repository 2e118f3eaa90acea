// SPDX-License-Identifier: GPL-2.0
/*
 * palmctl migrate's controller, before the start: palm's model input
 * (non-zero RAM, dirty rate and working set, the per-vCPU feed), the
 * model coefficients and the plan, for either backend (QMP or libvirt).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/migrate_cmd.h"
#include "core/mig_dirty_source.h"
#include "qmp/qmp_ctl.h"
#include "qmp/qmp_ctl_commands.h"
#include "qmp/qmp_ctl_probe.h"
#include "qmp/qmp_migration.h"
#include "qmp/qmp_model.h"

void migrate_record_ram_sample(struct migrate_ctl *mc,
			       struct qmp_ctl_known *known, const char *how,
			       int err, const char *why)
{
	const struct qmp_ram_sample *rs = &mc->ram_sample;

	if (err) {
		snprintf(mc->ram_sample_why, sizeof(mc->ram_sample_why),
			 "not sampled (%.200s): all of RAM assumed", why);
		qmp_ctl_log(&mc->ctl, -1, "guest-used", 0, "%s",
			    mc->ram_sample_why);
		return;
	}
	mc->have_ram_sample = true;
	known->used_bytes = rs->used_bytes;
	known->zstd_ratio = qmp_ram_sample_zstd_ratio(rs);
	known->zstd_thread_bps = qmp_ram_sample_zstd_bps(rs);
	known->xbzrle_ratio = qmp_ram_sample_xbzrle_ratio(rs);
	snprintf(mc->ram_sample_why, sizeof(mc->ram_sample_why),
		 "%.1f MiB of %.1f MiB non-zero (%s sample: %u chunks, %llu of %llu pages non-zero; zstd-%d %.2fx at %.0f MB/s per thread)",
		 rs->used_bytes / 1048576, rs->mapped_bytes / 1048576.0, how,
		 rs->chunks, (unsigned long long)rs->nonzero_pages,
		 (unsigned long long)rs->pages, QMP_RAM_ZSTD_LEVEL,
		 known->zstd_ratio, known->zstd_thread_bps / 1e6);
	qmp_ctl_log(&mc->ctl, -1, "guest-used", rs->used_bytes / 1048576, "%s",
		    mc->ram_sample_why);
	if (rs->xbzrle_pages)
		qmp_ctl_log(&mc->ctl, -1, "rewrites", known->xbzrle_ratio,
			    "%llu sampled pages changed between two reads %.2f s apart; as xbzrle would send them, %.1fx smaller",
			    (unsigned long long)rs->xbzrle_pages,
			    rs->xbzrle_interval_s, known->xbzrle_ratio);
}

void migrate_record_dirty_input(struct migrate_ctl *mc)
{
	struct mig_dirty_source *d = &mc->dirty;
	char desc[320];

	d->dirty_bps = mc->input.dirty_bps;
	d->ws_bytes = mc->input.ws_bytes;
	mc->have_dirty = true;
	mig_dirty_describe(d, desc, sizeof(desc));
	qmp_ctl_log(&mc->ctl, -1, "dirty-input", d->dirty_bps / 4096 / 1000,
		    "%s", desc);
}

/*
 * Non-zero guest RAM, unless given: the model's zero pages cost a header
 * each, so guessing "all of it" over-predicts an idle guest many times.
 * Without a sample (QEMU cannot write where palm reads, no info mtree)
 * palm goes on with all of RAM and says why.
 */
static void sample_used(struct qmp_client *src, struct qmp_ctl_known *known,
			struct migrate_ctl *mc)
{
	const char *dir = getenv("TMPDIR");
	char why[240] = "";
	int err;

	if (known->used_bytes >= 0) {
		snprintf(mc->ram_sample_why, sizeof(mc->ram_sample_why),
			 "given (--guest-used)");
		return;
	}
	if (!dir || !*dir)
		dir = "/tmp";
	err = qmp_ram_sample_used(src, dir, &mc->ram_sample, why, sizeof(why));
	migrate_record_ram_sample(mc, known, "pmemsave", err, why);
}

/*
 * palm's model input: the dirty rate and working set given, else measured
 * with eBPF on the source's dirty ring, else by qmp_ctl_probe_input's
 * calc-dirty-rate windows.  The source goes to the log and the report.
 */
int migrate_palm_input(const struct migrate_args *a, struct qmp_client *src,
		       struct migrate_ctl *mc, char *err, size_t errlen)
{
	struct qmp_ctl_known known = a->known;
	struct mig_dirty_source *d = &mc->dirty;
	uint64_t ram;
	double cap;
	bool kvm = false;
	int ret;

	memset(d, 0, sizeof(*d));
	sample_used(src, &known, mc);
	if (known.dirty_bps >= 0 && known.ws_bytes >= 0) {
		d->src = MIG_DIRTY_GIVEN;
	} else {
		ret = qmp_query_ram_size(src, &ram);
		if (ret) {
			snprintf(err, errlen, "source: %s", qmp_last_error(src));
			return ret;
		}
		cap = known.used_bytes >= 0 && known.used_bytes < ram ?
		      known.used_bytes : (double)ram;
		/* one load of the programs for the measurement and the feed */
		if (!mig_vcpu_feed_open(&mc->feed, src, d->why_not_ebpf,
					sizeof(d->why_not_ebpf)) &&
		    mig_dirty_measure_ebpf(mc->feed.bpf, mc->feed.pid, src,
					   known.measure_s, cap, d))
			mig_vcpu_feed_close(&mc->feed);
		if (d->src == MIG_DIRTY_EBPF) {
			known.dirty_bps = d->dirty_bps;
			known.ws_bytes = d->ws_bytes;
		} else {
			/* what qmp_ctl_probe_input will measure with */
			if (qmp_query_kvm_enabled(src, &kvm))
				kvm = false;
			d->src = kvm ? MIG_DIRTY_QMP_BITMAP : MIG_DIRTY_QMP_SAMPLING;
			d->short_ms = (uint32_t)known.measure_s * 1000;
			d->window_ms = 2 * d->short_ms;
		}
	}
	ret = qmp_ctl_probe_input(src, &known, &mc->input, &mc->have_prediction,
				  err, errlen);
	if (ret)
		return ret;
	migrate_record_dirty_input(mc);
	return 0;
}

/*
 * palm's per-pass view of which vCPUs dirty: the programs
 * migrate_palm_input loaded, kept when they measured (KVM pushes nothing
 * without a dirty ring).  Without it palm decides on query-migrate's
 * whole-guest rate, and says why.
 */
void migrate_keep_vcpu_feed(struct migrate_ctl *mc)
{
	if (mc->dirty.src == MIG_DIRTY_GIVEN)
		snprintf(mc->feed_why, sizeof(mc->feed_why),
			 "dirty input given: no eBPF attempted");
	else if (mc->dirty.src != MIG_DIRTY_EBPF)
		snprintf(mc->feed_why, sizeof(mc->feed_why), "%s",
			 mc->dirty.why_not_ebpf);
	else if (!mc->feed.nmap)
		snprintf(mc->feed_why, sizeof(mc->feed_why),
			 "more than %d vCPUs", QMP_CTL_MAX_VCPUS);
	else
		mc->have_feed = true;
	if (mc->dirty.src == MIG_DIRTY_EBPF && !mc->have_feed)
		mig_vcpu_feed_close(&mc->feed);
	if (mc->have_feed)
		qmp_ctl_log(&mc->ctl, -1, "vcpu-feed", 1,
			    "per-vCPU dirty rates from eBPF on the dirty ring: %d vCPUs, 1 s windows",
			    mc->feed.nmap);
	else
		qmp_ctl_log(&mc->ctl, -1, "vcpu-feed", 0,
			    "no per-vCPU dirty rates (%s): query-migrate's whole-guest rate",
			    mc->feed_why);
}

int migrate_ctl_begin(const struct migrate_args *a, struct migrate_ctl *mc,
		      struct qmp_migration_result *res)
{
	struct qmp_model_coef coef;
	char err[240];
	int ret;

	qmp_model_coef_defaults(&coef);
	if (a->model_path) {
		ret = qmp_model_coef_load(a->model_path, &coef, err, sizeof(err));
		if (ret) {
			snprintf(res->reason, sizeof(res->reason), "model: %s", err);
			return ret;
		}
	}
	qmp_ctl_init(&mc->ctl, a->kind, &coef, &a->target);
	return 0;
}

int migrate_ctl_plan(const struct migrate_args *a, struct migrate_ctl *mc,
		     const struct qmp_ctl_caps *caps, uint64_t ram_bytes,
		     struct qmp_migration_result *res)
{
	struct qmp_nova_opts nova;
	int ret;

	if (a->kind != QMP_CTL_PALM) {
		memset(&mc->input, 0, sizeof(mc->input));
		mc->input.ram_bytes = (double)ram_bytes;
		mc->have_input = true;
		qmp_nova_opts_defaults(&nova);
		nova.time_scale = a->nova_scale;
		if (a->kind == QMP_CTL_NOVA &&
		    qmp_nova_schedule(&nova, mc->input.ram_bytes, &mc->ctl.nova)) {
			snprintf(res->reason, sizeof(res->reason),
				 "Nova schedule: bad options");
			return -EINVAL;
		}
	}
	ret = qmp_ctl_plan(&mc->ctl, mc->have_input ? &mc->input : NULL, caps,
			   &mc->setup);
	if (ret == -ECANCELED) {
		res->outcome = QMP_MIG_INFEASIBLE;
		snprintf(res->reason, sizeof(res->reason), "%s",
			 mc->ctl.plan.reason);
	} else if (ret == -EOPNOTSUPP) {
		snprintf(res->reason, sizeof(res->reason),
			 "this QEMU lacks what the %s controller needs",
			 qmp_ctl_kind_name(a->kind));
	} else if (ret) {
		snprintf(res->reason, sizeof(res->reason),
			 "the %s controller could not plan: %s",
			 qmp_ctl_kind_name(a->kind), strerror(-ret));
	}
	return ret;
}
