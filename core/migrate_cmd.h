/* SPDX-License-Identifier: GPL-2.0 */
/*
 * palmctl migrate's parts: its arguments, what the controller knew and
 * decided, and the watch over the guest's serial logs, shared by
 * migrate_args.c (arguments), migrate_ctl.c (the controller's input and
 * plan), cmd_migrate.c (the run), migrate_watch.c (guest logs, progress,
 * verification) and migrate_report.c (the report).
 */
#ifndef PALM_MIGRATE_CMD_H
#define PALM_MIGRATE_CMD_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/guest_log.h"
#include "core/mig_dirty_source.h"
#include "core/mig_vcpu_feed.h"
#include "qmp/qmp_ctl.h"
#include "qmp/qmp_ram_sample.h"
#include "qmp/qmp_ctl_probe.h"
#include "qmp/qmp_migration.h"
#include "qmp/qmp_model.h"

struct migrate_args {
	const char *src_addr;
	const char *dst_addr;
	const char *src_log;
	const char *dst_log;
	bool json;
	bool quiet;
	bool verify_guest;
	struct qmp_migration_opts opts;
	/* the controller, when --controller is given */
	bool use_ctl;
	enum qmp_ctl_kind kind;
	struct qmp_model_target target;
	bool max_time_set;
	struct qmp_ctl_known known;
	const char *model_path;
	const char *trace_path;
	double nova_scale;
	bool explain;
	bool predict_only;
	/* --libvirt: src_addr and dst_addr are libvirt URIs */
	bool libvirt;
	const char *domain;
	const char *dest_xml_path;
};

/* What the controller knew and decided, for the report. */
struct migrate_ctl {
	struct qmp_ctl ctl;
	struct qmp_ctl_setup setup;
	struct qmp_model_input input;
	bool have_input;
	bool have_prediction;
	struct mig_dirty_source dirty;	/* palm: where ws and rate came from */
	bool have_dirty;
	struct mig_vcpu_feed feed;	/* palm: per-vCPU rates while it runs */
	bool have_feed;
	char feed_why[200];		/* why there is no feed */
	struct qmp_ram_sample ram_sample; /* palm: non-zero RAM, sampled */
	bool have_ram_sample;
	char ram_sample_why[300];	/* why not sampled, or why it failed */
};

/* What the idle and progress hooks need while the migration runs. */
struct migrate_watch {
	struct guest_tail src_tail;
	struct guest_tail dst_tail;
	bool have_src_tail;
	bool have_dst_tail;
	struct guest_pause_meter pause;
	struct guest_pause_meter dst_only;	/* verify results on the destination */
	/*
	 * A reader thread stamps the logs' lines as they arrive: a control
	 * loop blocked in a slow libvirt or QMP call would otherwise read a
	 * second of heartbeats at once and see a pause the guest never had.
	 * lock guards the tails and meters while it runs.
	 */
	pthread_t reader;
	pthread_mutex_t lock;
	bool reader_running;
	atomic_bool reader_stop;
	double read_max_gap_s;		/* the reader's longest time between reads */
	bool progress_on_tty;
	bool progress_printed;
	FILE *trace;			/* --trace: one query-migrate per line */
};

/*
 * migrate_args.c: palmctl migrate's command line into a; 0, or -EINVAL
 * after saying why on stderr.  --help prints the usage and exits.
 */
int migrate_parse_args(int argc, char **argv, struct migrate_args *a);

/*
 * migrate_ctl.c: the controller's model and plan, for either backend;
 * a bad model file is said in res->reason.
 */
int migrate_ctl_begin(const struct migrate_args *a, struct migrate_ctl *mc,
		      struct qmp_migration_result *res);
/*
 * The RAM sample's outcome (err 0: mc->ram_sample filled, "how" names the
 * reader) into mc, known->used_bytes and the log; why says why it failed.
 */
void migrate_record_ram_sample(struct migrate_ctl *mc,
			       struct qmp_ctl_known *known, const char *how,
			       int err, const char *why);
/* mc->input's dirty rate and working set, with mc->dirty's source, logged */
void migrate_record_dirty_input(struct migrate_ctl *mc);
/* ram_bytes: the guest's RAM, for the baselines; fills res on failure */
int migrate_ctl_plan(const struct migrate_args *a, struct migrate_ctl *mc,
		     const struct qmp_ctl_caps *caps, uint64_t ram_bytes,
		     struct qmp_migration_result *res);
/*
 * Over QMP (cmd_migrate.c's setup): palm's model input into mc->input,
 * given or measured (eBPF on the dirty ring, else calc-dirty-rate), and
 * its source into mc->dirty; err says why it failed.
 */
int migrate_palm_input(const struct migrate_args *a, struct qmp_client *src,
		       struct migrate_ctl *mc, char *err, size_t errlen);
/* after migrate_palm_input: keep the per-vCPU feed when eBPF measured */
void migrate_keep_vcpu_feed(struct migrate_ctl *mc);

/*
 * migrate_libvirt.c: the whole migration through libvirt, from the
 * connections to the result (the report is the caller's).  0, or a
 * negative errno when palm could not drive it (res->reason says why).
 */
struct migrate_watch;
int migrate_libvirt(const struct migrate_args *a, struct migrate_ctl *mc,
		    struct migrate_watch *w,
		    const struct qmp_migration_hooks *hooks,
		    struct qmp_migration_result *res);

/* migrate_watch.c: the run loop's hooks (ctx: struct migrate_watch). */
void migrate_idle_hook(void *ctx);
void migrate_progress_hook(void *ctx, const struct qmp_migrate_info *info,
			   uint64_t passes, double elapsed_s);
int migrate_open_logs(const struct migrate_args *a, struct migrate_watch *w);
/* The reader thread, from the migration's start until its report. */
int migrate_watch_start(struct migrate_watch *w);
void migrate_watch_stop(struct migrate_watch *w);
void migrate_restart_watch(struct migrate_watch *w);
void migrate_await_first_heartbeat(struct migrate_watch *w);
int migrate_verify_guest(struct qmp_client *dst, struct migrate_watch *w,
			 char *why, size_t len);

/* migrate_report.c */
json_t *migrate_report_json(const struct migrate_args *a,
			    const struct qmp_migration_result *r,
			    const struct migrate_watch *w,
			    const struct migrate_ctl *mc, bool verified,
			    const char *verify_error);
void migrate_report_text(const json_t *rep);
void migrate_explain_text(FILE *f, const struct qmp_ctl *ctl);

#endif /* PALM_MIGRATE_CMD_H */
