// SPDX-License-Identifier: GPL-2.0
/*
 * palmctl migrate: live-migrate a running guest from one QEMU to another
 * over QMP, show progress while it runs, and report what happened with
 * QEMU's figures and, when the guest's serial logs are given, the pause
 * the guest itself saw.  This file: the controller's setup and the run;
 * migrate_args.c reads the arguments, migrate_ctl.c the controller's
 * input and plan, and migrate_watch.c and migrate_report.c do the rest.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/migrate_cmd.h"
#include "core/mig_dirty_source.h"
#include "core/palmctl.h"
#include "generated/palm_config.h"
#include "qmp/qmp_client.h"
#include "qmp/qmp_ctl.h"
#include "qmp/qmp_ctl_commands.h"
#include "qmp/qmp_ctl_probe.h"
#include "qmp/qmp_migration.h"

/*
 * Features, measurements and the controller's plan.  Fills res (not
 * started or infeasible) when the migration must not start.
 */
static int setup_controller(const struct migrate_args *a,
			    struct qmp_client *src, struct qmp_client *dst,
			    struct migrate_ctl *mc,
			    struct qmp_migration_result *res)
{
	struct qmp_ctl_known known = a->known;
	struct qmp_ctl_caps caps;
	char err[320] = "";
	uint64_t ram = 0;
	int ret;

	ret = migrate_ctl_begin(a, mc, res);
	if (ret)
		return ret;
	if (a->kind == QMP_CTL_PALM) {
		ret = migrate_palm_input(a, src, mc, err, sizeof(err));
		if (ret)
			goto fail;
		mc->have_input = mc->have_prediction;
		/* eBPF saw the ring: QEMU can limit per vCPU, palm can tell whom */
		if (mc->dirty.src == MIG_DIRTY_EBPF)
			known.want_dirty_limit = true;
		migrate_keep_vcpu_feed(mc);
	}
	ret = qmp_ctl_probe_caps(src, dst, &known, &caps, err, sizeof(err));
	if (ret)
		goto fail;
	if (a->kind != QMP_CTL_PALM) {
		ret = qmp_query_ram_size(src, &ram);
		if (ret) {
			snprintf(err, sizeof(err), "source: %s", qmp_last_error(src));
			goto fail;
		}
	}
	return migrate_ctl_plan(a, mc, &caps, ram, res);
fail:
	snprintf(res->reason, sizeof(res->reason), "%.250s", err);
	return ret;
}

static int open_trace(const struct migrate_args *a, struct migrate_watch *w,
		      struct qmp_migration_result *res)
{
	if (!a->trace_path)
		return 0;
	w->trace = fopen(a->trace_path, "w");
	if (!w->trace) {
		snprintf(res->reason, sizeof(res->reason), "--trace %s: %s",
			 a->trace_path, strerror(errno));
		return -errno;
	}
	return 0;
}

static void set_hooks(const struct migrate_args *a, struct migrate_watch *w,
		      struct migrate_ctl *mc, struct qmp_migration_hooks *hooks)
{
	w->progress_on_tty = !a->quiet && isatty(STDERR_FILENO);
	hooks->progress = migrate_progress_hook;
	hooks->idle = migrate_idle_hook;
	hooks->ctx = w;
	if (mc->have_feed) {
		hooks->vcpu_dirty = mig_vcpu_feed_hook;
		hooks->vcpu_ctx = &mc->feed;
	}
}

int palmctl_migrate(int argc, char **argv)
{
	struct qmp_migration_hooks hooks = { 0 };
	struct qmp_client *src = NULL, *dst = NULL;
	struct qmp_migration_result res;
	struct migrate_watch w = { 0 };
	static struct migrate_ctl mc;	/* large: the decision log */
	char verify_error[256] = "";
	struct migrate_args a;
	bool verified = false;
	json_t *rep = NULL;
	int ret = PALMCTL_FAILED;
	int err;

	if (migrate_parse_args(argc, argv, &a))
		return PALMCTL_USAGE;
	if (migrate_open_logs(&a, &w))
		return PALMCTL_USAGE;
	migrate_watch_start(&w);	/* without it, the control loop reads */

	/* Failures before the start are reported like any other outcome. */
	memset(&res, 0, sizeof(res));
	res.outcome = QMP_MIG_NOT_STARTED;
	if (a.libvirt) {
		if (open_trace(&a, &w, &res))
			goto report;
		set_hooks(&a, &w, &mc, &hooks);
		err = migrate_libvirt(&a, &mc, &w, &hooks, &res);
		if (w.progress_printed)
			fputc('\n', stderr);
		if (!err && res.outcome == QMP_MIG_COMPLETED && w.have_dst_tail)
			migrate_await_first_heartbeat(&w);
		goto report;
	}
	err = qmp_connect(a.src_addr, CONFIG_PALM_QMP_TIMEOUT_MS, &src);
	if (err) {
		snprintf(res.reason, sizeof(res.reason), "source %s: %s",
			 a.src_addr, strerror(-err));
		goto report;
	}
	if (a.dst_addr) {
		err = qmp_connect(a.dst_addr, CONFIG_PALM_QMP_TIMEOUT_MS, &dst);
		if (err) {
			snprintf(res.reason, sizeof(res.reason),
				 "destination %s: %s", a.dst_addr,
				 strerror(-err));
			snprintf(res.dst_status, sizeof(res.dst_status),
				 "unreachable");
			goto report;
		}
	}

	if (a.use_ctl) {
		if (setup_controller(&a, src, dst, &mc, &res))
			goto report;
		a.opts.ctl = &mc.ctl;
		a.opts.setup = &mc.setup;
		migrate_restart_watch(&w);
		if (a.predict_only) {
			snprintf(res.reason, sizeof(res.reason), "%s",
				 mc.have_prediction ? mc.ctl.plan.reason :
						      "no prediction without --link-rate");
			goto report;
		}
	}
	if (open_trace(&a, &w, &res))
		goto report;
	set_hooks(&a, &w, &mc, &hooks);
	err = qmp_migration_run(src, dst, &a.opts, &hooks, &res);
	if (w.progress_printed)
		fputc('\n', stderr);
	if (err)
		goto report;

	if (res.outcome == QMP_MIG_COMPLETED && w.have_dst_tail)
		migrate_await_first_heartbeat(&w);
	if (a.verify_guest && res.outcome == QMP_MIG_COMPLETED) {
		verified = migrate_verify_guest(dst, &w, verify_error,
					sizeof(verify_error)) == 0;
	} else if (a.verify_guest) {
		snprintf(verify_error, sizeof(verify_error),
			 "the migration did not complete");
	}

report:
	migrate_watch_stop(&w);
	if (a.predict_only && res.outcome == QMP_MIG_NOT_STARTED &&
	    mc.have_prediction)
		ret = PALMCTL_OK;
	else if (res.outcome != QMP_MIG_COMPLETED)
		fprintf(stderr, "palmctl migrate: %s: %s\n",
			qmp_migration_outcome_name(res.outcome), res.reason);
	rep = migrate_report_json(&a, &res, &w, &mc, verified, verify_error);
	if (!rep) {
		fprintf(stderr, "palmctl migrate: out of memory for the report\n");
		goto out;
	}
	if (a.json) {
		json_dumpf(rep, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		migrate_report_text(rep);
	}
	if (a.explain && a.use_ctl)
		migrate_explain_text(a.json ? stderr : stdout, &mc.ctl);
	if (res.outcome == QMP_MIG_COMPLETED &&
	    (!a.verify_guest || (verified && w.dst_only.last_verify.ok)))
		ret = PALMCTL_OK;
out:
	json_decref(rep);
	mig_vcpu_feed_close(&mc.feed);
	if (w.trace)
		fclose(w.trace);
	if (w.have_src_tail)
		guest_tail_close(&w.src_tail);
	if (w.have_dst_tail)
		guest_tail_close(&w.dst_tail);
	if (dst)
		qmp_close(dst);
	if (src)
		qmp_close(src);
	return ret;
}
