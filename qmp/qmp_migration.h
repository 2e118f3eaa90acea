/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One live migration from a source QEMU to a destination QEMU, driven
 * over QMP from start to a terminal state: prepare both ends, start,
 * watch each pass, cancel when the time budget runs out or the
 * destination dies, and leave the source running whenever it fails.
 */
#ifndef PALM_QMP_MIGRATION_H
#define PALM_QMP_MIGRATION_H

#include <stdbool.h>
#include <stdint.h>

#include "qmp/qmp_client.h"
#include "qmp/qmp_commands.h"
#include "qmp/qmp_ctl.h"

struct qmp_migration_opts {
	const char *uri;		/* where the destination listens */
	bool start_incoming;		/* call migrate-incoming on the destination */
	int64_t downtime_limit_ms;	/* < 0: leave QEMU's value */
	int64_t max_bandwidth_bps;	/* bytes/s; < 0: leave QEMU's value */
	double budget_s;		/* cancel when not completed by then */
	int poll_ms;			/* query-migrate interval */
	/*
	 * A controller (may be NULL): its setup is applied before the
	 * start, after downtime_limit_ms and max_bandwidth_bps, and it
	 * decides after every query-migrate.
	 */
	struct qmp_ctl *ctl;
	const struct qmp_ctl_setup *setup;
};

/* How the migration ended, as palm saw it. */
enum qmp_migration_outcome {
	QMP_MIG_COMPLETED,
	QMP_MIG_FAILED,			/* QEMU reported failure */
	QMP_MIG_CANCELLED,		/* cancelled by someone else */
	QMP_MIG_BUDGET_EXCEEDED,	/* palm cancelled it at the budget */
	QMP_MIG_DESTINATION_LOST,	/* destination QEMU went away */
	QMP_MIG_NOT_STARTED,		/* refused before the start */
	QMP_MIG_ABORTED,		/* the controller gave up: cancelled */
	QMP_MIG_INFEASIBLE,		/* the plan found no way: not started */
};

struct qmp_migration_result {
	enum qmp_migration_outcome outcome;
	char reason[256];		/* human-readable, for every outcome */
	/*
	 * The last query-migrate that still carried RAM statistics: after a
	 * cancel or a failure QEMU reports only the status.
	 */
	struct qmp_migrate_info last;
	char qemu_status[32];		/* QEMU's final migration status */
	uint64_t passes;		/* MIGRATION_PASS events, or sync count */
	uint64_t peak_dirty_pages_rate;
	double wall_s;			/* from migrate to the terminal state */
	char src_status[32];		/* query-status after the end */
	char dst_status[32];
	bool src_running;
	bool src_resumed_by_palm;	/* palm had to 'cont' the source */
	bool postcopy;			/* the switch to post-copy happened */
	double postcopy_at_s;
};

struct qmp_migration_hooks {
	/* Called after every query-migrate; may print progress. */
	void (*progress)(void *ctx, const struct qmp_migrate_info *info,
			 uint64_t passes, double elapsed_s);
	/* Called every few milliseconds while waiting (e.g. to tail logs). */
	void (*idle)(void *ctx);
	void *ctx;
	/*
	 * Per-vCPU dirty rates for the controller (may be NULL), asked
	 * before every controller step: 0 with out filled when a new
	 * measurement is ready, a negative errno otherwise.
	 */
	int (*vcpu_dirty)(void *vcpu_ctx, double elapsed_s,
			  struct qmp_ctl_vcpu_dirty *out);
	void *vcpu_ctx;
};

void qmp_migration_opts_init(struct qmp_migration_opts *o);

/*
 * Runs the migration to a terminal state.  Returns 0 when the run went as
 * far as it could (see res->outcome for how it ended), or a negative
 * errno when palm itself could not drive it (res->reason says why).
 */
int qmp_migration_run(struct qmp_client *src, struct qmp_client *dst,
		      const struct qmp_migration_opts *o,
		      const struct qmp_migration_hooks *hooks,
		      struct qmp_migration_result *res);

const char *qmp_migration_outcome_name(enum qmp_migration_outcome outcome);

/*
 * One poll's bookkeeping, for both backends: passes and peak dirty rate
 * from the last complete figures (info), the progress hook and the
 * post-copy switch from this poll's (now).
 */
void qmp_migration_note_poll(struct qmp_migration_result *res,
			     const struct qmp_migrate_info *info,
			     const struct qmp_migrate_info *now,
			     const struct qmp_migration_hooks *hooks,
			     double elapsed_s);

/* Waits ms, calling hooks->idle every few milliseconds (both backends). */
void qmp_migration_idle(const struct qmp_migration_hooks *hooks, int ms);

#endif /* PALM_QMP_MIGRATION_H */
