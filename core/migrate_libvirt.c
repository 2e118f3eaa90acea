// SPDX-License-Identifier: GPL-2.0
/*
 * palmctl migrate --libvirt: the same controllers and report as over QMP,
 * for a guest that libvirt owns.  This file: what palm measures and plans
 * through libvirt before the start, and the run (qmp/lv/ does the libvirt
 * calls).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/migrate_cmd.h"
#include "qmp/lv/qmp_lv.h"

#define DEST_XML_MAX	(1 << 20)

static void sample_used(struct qmp_lv *lv, struct qmp_ctl_known *known,
			struct migrate_ctl *mc)
{
	int err;

	if (known->used_bytes >= 0) {
		snprintf(mc->ram_sample_why, sizeof(mc->ram_sample_why),
			 "given (--guest-used)");
		return;
	}
	err = qmp_lv_sample_used(lv, &mc->ram_sample);
	migrate_record_ram_sample(mc, known, "virDomainMemoryPeek", err,
				  qmp_lv_error(lv));
}

static int palm_input(const struct migrate_args *a, struct qmp_lv *lv,
		      struct migrate_ctl *mc)
{
	struct qmp_ctl_known known = a->known;
	struct mig_dirty_source *d = &mc->dirty;
	int ret;

	memset(d, 0, sizeof(*d));
	sample_used(lv, &known, mc);
	if (known.dirty_bps >= 0 && known.ws_bytes >= 0) {
		d->src = MIG_DIRTY_GIVEN;
	} else {
		d->src = MIG_DIRTY_LIBVIRT;
		d->short_ms = (uint32_t)known.measure_s * 1000;
		d->window_ms = 2 * d->short_ms;
		snprintf(d->why_not_ebpf, sizeof(d->why_not_ebpf),
			 "the libvirt backend measures through libvirt");
	}
	ret = qmp_lv_probe_input(lv, &known, &mc->input, &mc->have_prediction);
	if (ret)
		return ret;
	migrate_record_dirty_input(mc);
	return 0;
}

static int setup_controller(const struct migrate_args *a, struct qmp_lv *lv,
			    struct migrate_ctl *mc,
			    struct qmp_migration_result *res)
{
	struct qmp_ctl_known known = a->known;
	struct qmp_ctl_caps caps;
	uint64_t ram = 0;
	int ret;

	ret = migrate_ctl_begin(a, mc, res);
	if (ret)
		return ret;
	if (a->kind == QMP_CTL_PALM) {
		ret = palm_input(a, lv, mc);
		if (ret)
			goto fail;
		mc->have_input = mc->have_prediction;
		snprintf(mc->feed_why, sizeof(mc->feed_why),
			 "the libvirt backend has no eBPF feed");
		qmp_ctl_log(&mc->ctl, -1, "vcpu-feed", 0,
			    "no per-vCPU dirty rates (%s): libvirt's whole-guest rate",
			    mc->feed_why);
	}
	ret = qmp_lv_probe_caps(lv, &known, &caps);
	if (!ret && a->kind != QMP_CTL_PALM)
		ret = qmp_lv_ram_size(lv, &ram);
	if (ret)
		goto fail;
	if (known.want_dirty_limit && caps.vcpu_dirty_limit)
		qmp_ctl_log(&mc->ctl, -1, "note", 0,
			    "dirty limits go through libvirt's monitor pass-through (no API before libvirt 9.6, and palm is built against the system's libvirt): libvirt marks the domain tainted");
	return migrate_ctl_plan(a, mc, &caps, ram, res);
fail:
	snprintf(res->reason, sizeof(res->reason), "%.250s", qmp_lv_error(lv));
	return ret;
}

static int read_dest_xml(const char *path, char **out, char *err,
			 size_t errlen)
{
	FILE *f = fopen(path, "r");
	size_t n;
	char *buf;

	*out = NULL;
	if (!f) {
		snprintf(err, errlen, "--dest-xml %s: %s", path, strerror(errno));
		return -errno;
	}
	buf = malloc(DEST_XML_MAX + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "--dest-xml: out of memory");
		return -ENOMEM;
	}
	n = fread(buf, 1, DEST_XML_MAX + 1, f);
	fclose(f);
	if (n == 0 || n > DEST_XML_MAX) {
		free(buf);
		snprintf(err, errlen, "--dest-xml %s: %s", path,
			 n ? "larger than 1 MiB" : "empty or unreadable");
		return -EINVAL;
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

int migrate_libvirt(const struct migrate_args *a, struct migrate_ctl *mc,
		    struct migrate_watch *w,
		    const struct qmp_migration_hooks *hooks,
		    struct qmp_migration_result *res)
{
	struct qmp_lv_migration_opts o = {
		.uri = a->opts.uri,
		.budget_s = a->opts.budget_s,
		.poll_ms = a->opts.poll_ms,
	};
	struct qmp_ctl_setup plain = {
		.downtime_ms = a->opts.downtime_limit_ms,
		.bandwidth_bps = a->opts.max_bandwidth_bps,
		.max_cpu_throttle_pct = -1,
		.cpu_throttle_initial_pct = -1,
	};
	struct qmp_lv *lv = NULL;
	char *dest_xml = NULL;
	int ret;

	ret = qmp_lv_open(a->src_addr, a->dst_addr, a->domain, &lv, res->reason,
			  sizeof(res->reason));
	if (ret)
		return 0;
	if (a->dest_xml_path) {
		ret = read_dest_xml(a->dest_xml_path, &dest_xml, res->reason,
				    sizeof(res->reason));
		if (ret)
			goto out;
		o.dest_xml = dest_xml;
	}
	o.setup = &plain;
	if (a->use_ctl) {
		if (setup_controller(a, lv, mc, res))
			goto out;
		/* what the operator set stands unless the controller sets it */
		if (mc->setup.downtime_ms < 0)
			mc->setup.downtime_ms = plain.downtime_ms;
		if (mc->setup.bandwidth_bps < 0)
			mc->setup.bandwidth_bps = plain.bandwidth_bps;
		o.ctl = &mc->ctl;
		o.setup = &mc->setup;
		/* the guest's pause counts from here, not the measurements */
		migrate_restart_watch(w);
		if (a->predict_only) {
			snprintf(res->reason, sizeof(res->reason), "%s",
				 mc->have_prediction ? mc->ctl.plan.reason :
						       "no prediction without --link-rate");
			goto out;
		}
	}
	ret = qmp_lv_migration_run(lv, &o, hooks, res);
out:
	free(dest_xml);
	qmp_lv_close(lv);
	return ret;
}
