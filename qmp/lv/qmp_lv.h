/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The libvirt backend: the same controller and loop decisions as over QMP
 * direct, for guests that libvirt owns.  palm talks only to libvirtd
 * (official API) and never to the QEMU monitor behind it, with two
 * exceptions that libvirt 9.0 has no API for: set-vcpu-dirty-limit and the
 * guest's RAM map for the zero-page sample.  Those go through libvirt's
 * monitor pass-through (virDomainQemuMonitorCommand), which marks the
 * domain "tainted: custom-monitor" -- palm says so in its log.
 *
 * Units at the boundary: libvirt takes bandwidth in MiB/s (palm rounds
 * to the nearest, at least 1) and downtime in ms; job statistics map
 * onto struct qmp_migrate_info as QEMU's query-migrate would fill it.
 */
#ifndef PALM_QMP_LV_H
#define PALM_QMP_LV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qmp/qmp_commands.h"
#include "qmp/qmp_ctl.h"
#include "qmp/qmp_ctl_backend.h"
#include "qmp/qmp_ctl_probe.h"
#include "qmp/qmp_migration.h"
#include "qmp/qmp_model.h"
#include "qmp/qmp_ram_sample.h"

struct qmp_lv;	/* opaque: libvirt's handles stay out of palm's headers */

/*
 * Connects to both libvirtds (dst_uri may be NULL: then only planning
 * and prediction work) and looks the domain up on the source.
 * -EOPNOTSUPP when palm was built without CONFIG_PALM_LIBVIRT.
 */
int qmp_lv_open(const char *src_uri, const char *dst_uri, const char *domain,
		struct qmp_lv **out, char *err, size_t errlen);
void qmp_lv_close(struct qmp_lv *lv);
const char *qmp_lv_error(const struct qmp_lv *lv);

/* What the libvirt pair offers the controller. */
int qmp_lv_probe_caps(struct qmp_lv *lv, const struct qmp_ctl_known *k,
		      struct qmp_ctl_caps *caps);

/*
 * The model's input, as qmp_ctl_probe_input over QMP: RAM from the
 * domain, the dirty rate measured with libvirt's dirty-rate calculation
 * (virDomainStartDirtyRateCalc, two windows) unless given.
 */
int qmp_lv_probe_input(struct qmp_lv *lv, const struct qmp_ctl_known *k,
		       struct qmp_model_input *in, bool *have_prediction);

/* The domain's memory in bytes. */
int qmp_lv_ram_size(struct qmp_lv *lv, uint64_t *bytes);

/*
 * Non-zero RAM from a sample read with virDomainMemoryPeek (64 KiB a
 * call, libvirt's limit), over the RAM ranges of HMP `info mtree -f`.
 */
int qmp_lv_sample_used(struct qmp_lv *lv, struct qmp_ram_sample *s);

struct qmp_lv_migration_opts {
	const char *uri;	/* migration stream, e.g. tcp://10.0.0.2 */
	const char *dest_xml;	/* the domain's XML on the destination, or NULL */
	double budget_s;
	int poll_ms;
	struct qmp_ctl *ctl;	/* may be NULL */
	const struct qmp_ctl_setup *setup;
};

/*
 * Runs one migration with virDomainMigrate3 (the client drives both
 * ends) in a thread while this one polls virDomainGetJobStats and lets
 * the controller act.  Same outcomes and result as qmp_migration_run;
 * the source is left running when the migration does not complete.
 */
int qmp_lv_migration_run(struct qmp_lv *lv,
			 const struct qmp_lv_migration_opts *o,
			 const struct qmp_migration_hooks *hooks,
			 struct qmp_migration_result *res);

/*
 * libvirt job statistics as query-migrate's: the job type (virDomainJobType)
 * and typed parameters of virDomainGetJobStats, and whether the source
 * is paused for post-copy.  Pure; exposed for tests.
 */
int qmp_lv_job_decode(int job_type, const void *params, int nparams,
		      bool postcopy_paused, struct qmp_migrate_info *out,
		      char *err, size_t errlen);

#endif /* PALM_QMP_LV_H */
