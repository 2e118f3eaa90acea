// SPDX-License-Identifier: GPL-2.0
/*
 * One migration through libvirt: virDomainMigrate3 blocks until the end,
 * so it runs in a thread while this one polls the job and lets the
 * controller act, as qmp_migration_run does over QMP.
 */
#include "qmp/lv/qmp_lv_priv.h"

#include <errno.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qmp/qmp_clock.h"

#define FINAL_FIGURES_S		2.0

struct migrate_call {
	struct qmp_lv *lv;
	virTypedParameterPtr params;
	int nparams;
	unsigned int flags;
	char uuid[VIR_UUID_STRING_BUFLEN];
	virDomainPtr ddom;	/* the guest on the destination, on success */
	char error[256];
	atomic_bool done;
};

/*
 * On a connection of its own: sharing the poller's, job statistics waited
 * for the whole of the perform phase (1.8 s of a 2.5 s run here), and
 * palm would control nothing while it mattered.
 */
static void *migrate_thread(void *arg)
{
	struct migrate_call *m = arg;
	virDomainPtr dom = NULL;
	virConnectPtr conn;
	const char *msg;

	conn = virConnectOpen(m->lv->src_uri);
	if (conn)
		dom = virDomainLookupByUUIDString(conn, m->uuid);
	if (dom)
		m->ddom = virDomainMigrate3(dom, m->lv->dst, m->params,
					    m->nparams, m->flags);
	if (!m->ddom) {
		/* libvirt's errors are per thread: keep this one's */
		msg = virGetLastErrorMessage();
		snprintf(m->error, sizeof(m->error), "%s",
			 msg ? msg : "unknown libvirt error");
	}
	if (dom)
		virDomainFree(dom);
	if (conn)
		virConnectClose(conn);
	atomic_store(&m->done, true);
	return NULL;
}

static int build_params(struct qmp_lv *lv, const struct qmp_lv_migration_opts *o,
			struct migrate_call *m, char *err, size_t errlen)
{
	unsigned long mibps = qmp_lv_bandwidth_mibps(lv);
	int max = 0;

	m->flags = VIR_MIGRATE_LIVE | lv->flags;
	if (virTypedParamsAddString(&m->params, &m->nparams, &max,
				    VIR_MIGRATE_PARAM_URI, o->uri) < 0 ||
	    (o->dest_xml &&
	     virTypedParamsAddString(&m->params, &m->nparams, &max,
				     VIR_MIGRATE_PARAM_DEST_XML, o->dest_xml) < 0) ||
	    (mibps &&
	     virTypedParamsAddULLong(&m->params, &m->nparams, &max,
				     VIR_MIGRATE_PARAM_BANDWIDTH, mibps) < 0) ||
	    /* libvirt's "compressed" is xbzrle unless told otherwise */
	    (lv->xbzrle_cache_bytes > 0 &&
	     (virTypedParamsAddString(&m->params, &m->nparams, &max,
				      VIR_MIGRATE_PARAM_COMPRESSION, "xbzrle") < 0 ||
	      virTypedParamsAddULLong(&m->params, &m->nparams, &max,
				      VIR_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE,
				      (unsigned long long)lv->xbzrle_cache_bytes) < 0)) ||
	    /* libvirt sets multifd-compression and -channels on both QEMUs */
	    (lv->compress_channels > 0 &&
	     (virTypedParamsAddString(&m->params, &m->nparams, &max,
				      VIR_MIGRATE_PARAM_COMPRESSION, "zstd") < 0 ||
	      virTypedParamsAddInt(&m->params, &m->nparams, &max,
				   VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS,
				   lv->compress_channels) < 0))) {
		snprintf(err, errlen, "migration parameters: out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void state_name(virDomainPtr dom, char *out, size_t len, bool *running)
{
	int state = 0, reason = 0;

	*running = false;
	if (virDomainGetState(dom, &state, &reason, 0) < 0) {
		snprintf(out, len, "unknown");
		return;
	}
	*running = state == VIR_DOMAIN_RUNNING;
	snprintf(out, len, "%s",
		 state == VIR_DOMAIN_RUNNING ? "running" :
		 state == VIR_DOMAIN_PAUSED ? "paused" :
		 state == VIR_DOMAIN_SHUTOFF ? "shutoff" :
		 state == VIR_DOMAIN_CRASHED ? "crashed" : "other");
}

/*
 * libvirt resumes the source itself when a migration fails before the
 * switch; palm checks, and resumes it if libvirt did not.
 */
static void record_end_states(struct qmp_lv *lv, struct migrate_call *m,
			      struct qmp_migration_result *res)
{
	bool running;

	if (m->ddom)
		state_name(m->ddom, res->dst_status, sizeof(res->dst_status),
			   &running);
	else
		snprintf(res->dst_status, sizeof(res->dst_status), "none");
	state_name(lv->dom, res->src_status, sizeof(res->src_status), &running);
	/* a transient guest that moved is no longer the source's */
	if (res->outcome == QMP_MIG_COMPLETED && !strcmp(res->src_status, "unknown"))
		snprintf(res->src_status, sizeof(res->src_status), "moved");
	if (res->outcome != QMP_MIG_COMPLETED && !running &&
	    !strcmp(res->src_status, "paused")) {
		if (virDomainResume(lv->dom) == 0) {
			res->src_resumed_by_palm = true;
			state_name(lv->dom, res->src_status,
				   sizeof(res->src_status), &running);
		} else {
			fprintf(stderr, "palm: could not resume the source: %s\n",
				virGetLastErrorMessage());
		}
	}
	res->src_running = running;
}

/* The destination keeps the completed job's figures (downtime too). */
static void final_figures(struct qmp_lv *lv, struct migrate_call *m,
			  const struct qmp_migration_hooks *hooks,
			  struct qmp_migrate_info *info)
{
	double deadline = qmp_now_s() + FINAL_FIGURES_S;
	struct qmp_migrate_info done;

	while (qmp_now_s() < deadline) {
		if (qmp_lv_query(lv, m->ddom, VIR_DOMAIN_JOB_STATS_COMPLETED,
				 &done) == 0 && done.has_ram) {
			*info = done;
			return;
		}
		qmp_migration_idle(hooks, 20);
	}
}

static void abort_job(struct qmp_lv *lv)
{
	if (virDomainAbortJob(lv->dom) < 0)
		fprintf(stderr, "palm: virDomainAbortJob: %s\n",
			virGetLastErrorMessage());
}

int qmp_lv_migration_run(struct qmp_lv *lv,
			 const struct qmp_lv_migration_opts *o,
			 const struct qmp_migration_hooks *hooks,
			 struct qmp_migration_result *res)
{
	struct migrate_call m = { .lv = lv };
	struct qmp_migrate_info *info = &res->last;
	enum qmp_migration_outcome stopped = QMP_MIG_COMPLETED;
	struct qmp_ctl_backend be;
	double start, elapsed;
	pthread_t thread;
	int err;

	memset(res, 0, sizeof(*res));
	res->outcome = QMP_MIG_NOT_STARTED;
	atomic_init(&m.done, false);
	if (!lv->dst) {
		snprintf(res->reason, sizeof(res->reason),
			 "no destination libvirt connection");
		return 0;
	}
	qmp_ctl_backend_libvirt(&be, lv);
	if (o->setup && be.setup(&be, o->setup)) {
		snprintf(res->reason, sizeof(res->reason), "controller setup: %s",
			 be.error(&be));
		return 0;
	}
	err = build_params(lv, o, &m, res->reason, sizeof(res->reason));
	if (err)
		goto out;
	if (virDomainGetUUIDString(lv->dom, m.uuid) < 0) {
		qmp_lv_set_error(lv, "virDomainGetUUIDString");
		snprintf(res->reason, sizeof(res->reason), "%.250s", lv->error);
		goto out;
	}

	start = qmp_now_s();
	err = pthread_create(&thread, NULL, migrate_thread, &m);
	if (err) {
		snprintf(res->reason, sizeof(res->reason), "migration thread: %s",
			 strerror(err));
		err = -err;
		goto out;
	}
	for (;;) {
		struct qmp_ctl_vcpu_dirty vcpus;
		struct qmp_migrate_info now;
		struct qmp_ctl_action act;

		qmp_migration_idle(hooks, o->poll_ms);
		elapsed = qmp_now_s() - start;
		if (atomic_load(&m.done))
			break;
		/* Between libvirt's phases there may be no job for a moment. */
		if (qmp_lv_query(lv, lv->dom, 0, &now))
			continue;
		if (now.has_ram)
			*info = now;
		snprintf(res->qemu_status, sizeof(res->qemu_status), "%s",
			 now.status);
		qmp_migration_note_poll(res, info, &now, hooks, elapsed);
		if (stopped != QMP_MIG_COMPLETED ||
		    (strcmp(now.status, "active") &&
		     strcmp(now.status, "postcopy-active")))
			continue;
		if (o->ctl) {
			if (hooks && hooks->vcpu_dirty &&
			    !hooks->vcpu_dirty(hooks->vcpu_ctx, elapsed, &vcpus))
				qmp_ctl_observe_vcpus(o->ctl, elapsed, &vcpus);
			qmp_ctl_step(o->ctl, &now, elapsed, &act);
			qmp_ctl_apply(o->ctl, &be, &act, elapsed);
			if (act.cancel) {
				stopped = QMP_MIG_ABORTED;
				snprintf(res->reason, sizeof(res->reason), "%.250s",
					 o->ctl->nlog ?
					 o->ctl->log[o->ctl->nlog - 1].why :
					 "controller");
				abort_job(lv);
				continue;
			}
		}
		/* Past the switch the guest runs on the destination: no way back. */
		if (elapsed > o->budget_s && !res->postcopy) {
			stopped = QMP_MIG_BUDGET_EXCEEDED;
			snprintf(res->reason, sizeof(res->reason),
				 "not completed within %.1f s (%llu passes, %.1f MiB still to send, dirtying %llu pages/s): cancelled",
				 o->budget_s, (unsigned long long)res->passes,
				 info->ram_remaining / 1048576.0,
				 (unsigned long long)info->ram_dirty_pages_rate);
			abort_job(lv);
		}
	}
	pthread_join(thread, NULL);
	res->wall_s = qmp_now_s() - start;

	if (m.ddom) {
		final_figures(lv, &m, hooks, info);
		res->outcome = QMP_MIG_COMPLETED;
		snprintf(res->qemu_status, sizeof(res->qemu_status), "completed");
		if (stopped != QMP_MIG_COMPLETED)
			snprintf(res->reason, sizeof(res->reason),
				 "completed while palm cancelled");
		else
			snprintf(res->reason, sizeof(res->reason),
				 "completed in %.2f s", res->wall_s);
	} else if (stopped != QMP_MIG_COMPLETED) {
		res->outcome = stopped;
		snprintf(res->qemu_status, sizeof(res->qemu_status), "cancelled");
	} else {
		res->outcome = QMP_MIG_FAILED;
		snprintf(res->reason, sizeof(res->reason), "libvirt: %.240s",
			 m.error);
	}
	/* A source that stays must not stay throttled. */
	if (o->ctl && o->ctl->dirty_limited && res->outcome != QMP_MIG_COMPLETED &&
	    be.cancel_dirty_limit(&be))
		qmp_ctl_log(o->ctl, res->wall_s, "error", 0,
			    "cancel-vcpu-dirty-limit failed: %s", be.error(&be));
	record_end_states(lv, &m, res);
	err = 0;
out:
	if (m.ddom)
		virDomainFree(m.ddom);
	virTypedParamsFree(m.params, m.nparams);
	return err;
}
