// SPDX-License-Identifier: GPL-2.0
/* The libvirt backend of the control loop (struct qmp_ctl_backend). */
#include "qmp/lv/qmp_lv_priv.h"

#include <errno.h>
#include <libvirt/libvirt-qemu.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB 1048576.0
/* libvirt's own "unlimited" (QEMU_DOMAIN_MIG_BANDWIDTH_MAX), MiB/s */
#define LV_BANDWIDTH_MAX_MIBPS ((unsigned long long)(INT64_MAX >> 20))

static struct qmp_lv *lvp(struct qmp_ctl_backend *b)
{
	return b->priv;
}

/* bytes/s to libvirt's whole MiB/s: nearest, never 0 (0 means unlimited) */
static unsigned long bps_to_mibps(int64_t bps)
{
	unsigned long long m = (unsigned long long)(bps / MIB + 0.5);

	if (m < 1)
		m = 1;
	if (m > LV_BANDWIDTH_MAX_MIBPS || m > (unsigned long long)~0ul)
		m = LV_BANDWIDTH_MAX_MIBPS;
	return (unsigned long)m;
}

static int lv_set_downtime(struct qmp_ctl_backend *b, int64_t ms)
{
	struct qmp_lv *lv = lvp(b);

	if (virDomainMigrateSetMaxDowntime(lv->dom, (unsigned long long)ms, 0) < 0) {
		qmp_lv_set_error(lv, "virDomainMigrateSetMaxDowntime");
		return -EIO;
	}
	return 0;
}

static int lv_set_bandwidth(struct qmp_ctl_backend *b, int64_t bps)
{
	struct qmp_lv *lv = lvp(b);

	if (virDomainMigrateSetMaxSpeed(lv->dom, bps_to_mibps(bps), 0) < 0) {
		qmp_lv_set_error(lv, "virDomainMigrateSetMaxSpeed");
		return -EIO;
	}
	return 0;
}

int qmp_lv_monitor(struct qmp_lv *lv, const char *what, const char *cmd)
{
	char *reply = NULL;
	int ret = 0;

	if (virDomainQemuMonitorCommand(lv->dom, cmd, &reply, 0) < 0) {
		qmp_lv_set_error(lv, what);
		ret = -EIO;
	} else if (!reply || strstr(reply, "\"error\"")) {
		snprintf(lv->error, sizeof(lv->error), "%s: %.250s", what,
			 reply ? reply : "no reply");
		ret = -EIO;
	}
	free(reply);
	return ret;
}

static int lv_set_dirty_limit(struct qmp_ctl_backend *b, int cpu_index,
			      uint64_t mbps)
{
	char cmd[160];

	if (cpu_index >= 0)
		snprintf(cmd, sizeof(cmd),
			 "{\"execute\":\"set-vcpu-dirty-limit\",\"arguments\":{\"cpu-index\":%d,\"dirty-rate\":%llu}}",
			 cpu_index, (unsigned long long)mbps);
	else
		snprintf(cmd, sizeof(cmd),
			 "{\"execute\":\"set-vcpu-dirty-limit\",\"arguments\":{\"dirty-rate\":%llu}}",
			 (unsigned long long)mbps);
	return qmp_lv_monitor(lvp(b), "set-vcpu-dirty-limit (monitor pass-through)", cmd);
}

static int lv_cancel_dirty_limit(struct qmp_ctl_backend *b)
{
	return qmp_lv_monitor(lvp(b), "cancel-vcpu-dirty-limit (monitor pass-through)",
		       "{\"execute\":\"cancel-vcpu-dirty-limit\"}");
}

/* One migration parameter through the pass-through: libvirt has no API
 * for auto-converge's parameters once its job runs. */
static int lv_set_param(struct qmp_lv *lv, const char *name, int64_t v)
{
	char cmd[160], what[80];

	snprintf(cmd, sizeof(cmd),
		 "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"%s\":%lld}}",
		 name, (long long)v);
	snprintf(what, sizeof(what), "%s (monitor pass-through)", name);
	return qmp_lv_monitor(lv, what, cmd);
}

static int lv_set_cpu_throttle(struct qmp_ctl_backend *b, int64_t max_pct,
			       int64_t increment_pct)
{
	int ret = lv_set_param(lvp(b), "cpu-throttle-increment", increment_pct);

	return ret ? ret : lv_set_param(lvp(b), "max-cpu-throttle", max_pct);
}

static int lv_start_postcopy(struct qmp_ctl_backend *b)
{
	struct qmp_lv *lv = lvp(b);

	if (virDomainMigrateStartPostCopy(lv->dom, 0) < 0) {
		qmp_lv_set_error(lv, "virDomainMigrateStartPostCopy");
		return -EIO;
	}
	return 0;
}

/*
 * Capabilities and the bandwidth go with the migrate call (libvirt sets
 * them on both QEMUs itself); the downtime limit is a parameter of the
 * source that stays until libvirt's migration resets it afterwards.
 */
static int lv_setup(struct qmp_ctl_backend *b, const struct qmp_ctl_setup *s)
{
	struct qmp_lv *lv = lvp(b);
	int ret;

	if (s->postcopy)
		lv->flags |= VIR_MIGRATE_POSTCOPY;
	if (s->auto_converge)
		lv->flags |= VIR_MIGRATE_AUTO_CONVERGE;
	lv->bandwidth_bps = s->bandwidth_bps;
	lv->xbzrle_cache_bytes = s->xbzrle_cache_bytes;
	if (s->xbzrle_cache_bytes > 0)
		lv->flags |= VIR_MIGRATE_COMPRESSED;
	lv->compress_channels = s->compress_channels;
	if (s->compress_channels > 0)
		lv->flags |= VIR_MIGRATE_COMPRESSED | VIR_MIGRATE_PARALLEL;
	if (s->downtime_ms >= 0) {
		ret = lv_set_downtime(b, s->downtime_ms);
		if (ret)
			return ret;
	}
	/* QEMU wants initial <= max at every step: initial first */
	if (s->cpu_throttle_initial_pct >= 0) {
		ret = lv_set_param(lv, "cpu-throttle-initial",
				   s->cpu_throttle_initial_pct);
		if (ret)
			return ret;
	}
	if (s->max_cpu_throttle_pct >= 0)
		return lv_set_param(lv, "max-cpu-throttle", s->max_cpu_throttle_pct);
	return 0;
}

static const char *lv_error(struct qmp_ctl_backend *b)
{
	return lvp(b)->error;
}

void qmp_ctl_backend_libvirt(struct qmp_ctl_backend *b, struct qmp_lv *lv)
{
	memset(b, 0, sizeof(*b));
	b->set_downtime_ms = lv_set_downtime;
	b->set_bandwidth_bps = lv_set_bandwidth;
	b->set_dirty_limit = lv_set_dirty_limit;
	b->cancel_dirty_limit = lv_cancel_dirty_limit;
	b->start_postcopy = lv_start_postcopy;
	b->set_cpu_throttle = lv_set_cpu_throttle;
	b->setup = lv_setup;
	b->error = lv_error;
	b->priv = lv;
}

/* The migrate call's bandwidth, MiB/s; 0 when libvirt's default stands. */
unsigned long qmp_lv_bandwidth_mibps(const struct qmp_lv *lv)
{
	return lv->bandwidth_bps < 0 ? 0 : bps_to_mibps(lv->bandwidth_bps);
}
