// SPDX-License-Identifier: GPL-2.0
/* Driving one migration over QMP; see qmp_migration.h. */
#include "qmp/qmp_migration.h"

#include "qmp/qmp_clock.h"
#include "qmp/qmp_ctl_backend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define IDLE_SLICE_MS 5
/* How long a cancel may take to reach a terminal state. */
#define CANCEL_GRACE_S 10.0
/* How long a destination may take to load the last pass and start. */
#define DESTINATION_LOAD_S 30.0
/* How long QEMU may take to publish the figures of a completed run. */
#define FINAL_FIGURES_S 2.0

void qmp_migration_opts_init(struct qmp_migration_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->start_incoming = true;
	o->downtime_limit_ms = -1;
	o->max_bandwidth_bps = -1;
	o->budget_s = 60;
	o->poll_ms = 100;
}

const char *qmp_migration_outcome_name(enum qmp_migration_outcome outcome)
{
	switch (outcome) {
	case QMP_MIG_COMPLETED:
		return "completed";
	case QMP_MIG_FAILED:
		return "failed";
	case QMP_MIG_CANCELLED:
		return "cancelled";
	case QMP_MIG_BUDGET_EXCEEDED:
		return "budget-exceeded";
	case QMP_MIG_DESTINATION_LOST:
		return "destination-lost";
	case QMP_MIG_NOT_STARTED:
		return "not-started";
	case QMP_MIG_ABORTED:
		return "aborted";
	case QMP_MIG_INFEASIBLE:
		return "infeasible";
	}
	return "unknown";
}

static bool status_is_terminal(const char *status)
{
	return !strcmp(status, "completed") || !strcmp(status, "failed") ||
	       !strcmp(status, "cancelled");
}

void qmp_migration_note_poll(struct qmp_migration_result *res,
			     const struct qmp_migrate_info *info,
			     const struct qmp_migrate_info *now,
			     const struct qmp_migration_hooks *hooks,
			     double elapsed_s)
{
	if (info->ram_dirty_sync_count > res->passes)
		res->passes = info->ram_dirty_sync_count;
	if (info->ram_dirty_pages_rate > res->peak_dirty_pages_rate)
		res->peak_dirty_pages_rate = info->ram_dirty_pages_rate;
	if (hooks && hooks->progress)
		hooks->progress(hooks->ctx, now, res->passes, elapsed_s);
	if (!strcmp(now->status, "postcopy-active") && !res->postcopy) {
		res->postcopy = true;
		res->postcopy_at_s = elapsed_s;
	}
}

void qmp_migration_idle(const struct qmp_migration_hooks *hooks, int ms)
{
	/* by the clock: the hook's own time counts */
	double until = qmp_now_s() + ms / 1000.0;

	while (qmp_now_s() < until) {
		if (hooks && hooks->idle)
			hooks->idle(hooks->ctx);
		usleep(IDLE_SLICE_MS * 1000);
	}
}

/* MIGRATION_PASS carries the pass number; other events are not ours. */
static void drain_events(struct qmp_client *src, uint64_t *passes)
{
	struct qmp_event *ev;

	while (qmp_next_event(src, 0, &ev) == 0) {
		if (!strcmp(ev->name, "MIGRATION_PASS") && ev->data) {
			json_t *pass = json_object_get(ev->data, "pass");

			if (json_is_integer(pass) && json_integer_value(pass) > 0 &&
			    (uint64_t)json_integer_value(pass) > *passes)
				*passes = json_integer_value(pass);
		}
		qmp_event_free(ev);
	}
}

static int check_ends(struct qmp_client *src, struct qmp_client *dst,
		      struct qmp_migration_result *res, bool *src_was_running)
{
	struct qmp_migrate_info info;
	char status[32];
	bool running;
	int err;

	err = qmp_query_status(src, status, sizeof(status), &running);
	if (err) {
		snprintf(res->reason, sizeof(res->reason),
			 "source: query-status: %s", qmp_last_error(src));
		return err;
	}
	if (!strcmp(status, "inmigrate") || !strcmp(status, "postmigrate")) {
		snprintf(res->reason, sizeof(res->reason),
			 "source is in state '%s', not a running guest", status);
		return -EINVAL;
	}
	*src_was_running = running;

	err = qmp_query_migrate(src, &info);
	if (err) {
		snprintf(res->reason, sizeof(res->reason),
			 "source: query-migrate: %s", qmp_last_error(src));
		return err;
	}
	if (info.status[0] && !status_is_terminal(info.status) &&
	    strcmp(info.status, "none")) {
		snprintf(res->reason, sizeof(res->reason),
			 "source already has a migration in state '%s'",
			 info.status);
		return -EBUSY;
	}

	if (!dst)
		return 0;
	err = qmp_query_status(dst, status, sizeof(status), &running);
	if (err) {
		snprintf(res->reason, sizeof(res->reason),
			 "destination: query-status: %s", qmp_last_error(dst));
		return err;
	}
	if (strcmp(status, "inmigrate")) {
		snprintf(res->reason, sizeof(res->reason),
			 "destination is in state '%s', not waiting for a migration (start it with -incoming defer)",
			 status);
		return -EINVAL;
	}
	return 0;
}

static int prepare(struct qmp_client *src, struct qmp_client *dst,
		   const struct qmp_migration_opts *o,
		   struct qmp_ctl_backend *be,
		   struct qmp_migration_result *res)
{
	json_t *params;
	int err;

	/* Pass events make the pass count exact; old QEMUs lack them. */
	if (qmp_migrate_set_capability(src, "events", true))
		fprintf(stderr, "palm: note: source has no migration events capability: %s\n",
			qmp_last_error(src));

	params = json_object();
	if (!params)
		return -ENOMEM;
	if (o->downtime_limit_ms >= 0)
		json_object_set_new(params, "downtime-limit",
				    json_integer(o->downtime_limit_ms));
	if (o->max_bandwidth_bps >= 0)
		json_object_set_new(params, "max-bandwidth",
				    json_integer(o->max_bandwidth_bps));
	if (json_object_size(params) == 0) {
		json_decref(params);
	} else {
		err = qmp_migrate_set_parameters(src, params);
		if (err) {
			snprintf(res->reason, sizeof(res->reason),
				 "source: migrate-set-parameters: %s",
				 qmp_last_error(src));
			return err;
		}
	}
	if (o->setup) {
		err = be->setup(be, o->setup);
		if (err) {
			snprintf(res->reason, sizeof(res->reason),
				 "controller setup: %s", be->error(be));
			return err;
		}
	}
	/* last: the destination takes its capabilities (multifd) as it listens */
	if (dst && o->start_incoming) {
		err = qmp_migrate_incoming(dst, o->uri);
		if (err) {
			snprintf(res->reason, sizeof(res->reason),
				 "destination: migrate-incoming %s: %s", o->uri,
				 qmp_last_error(dst));
			return err;
		}
	}
	return 0;
}

/*
 * The source says "completed" once it has sent everything; the guest has
 * moved only when the destination has loaded it and runs.  A destination
 * that dies meanwhile loses the guest unless the source resumes it.
 */
static void await_destination(struct qmp_client *dst,
			      const struct qmp_migration_hooks *hooks,
			      struct qmp_migration_result *res)
{
	double deadline = qmp_now_s() + DESTINATION_LOAD_S;
	bool running;
	int err;

	for (;;) {
		err = qmp_query_status(dst, res->dst_status,
				       sizeof(res->dst_status), &running);
		if (err) {
			res->outcome = QMP_MIG_DESTINATION_LOST;
			snprintf(res->reason, sizeof(res->reason),
				 "the source sent everything but the destination failed while loading it (%.160s)",
				 qmp_last_error(dst));
			return;
		}
		if (strcmp(res->dst_status, "inmigrate"))
			return;
		if (qmp_now_s() > deadline) {
			snprintf(res->reason, sizeof(res->reason),
				 "completed, but the destination was still loading after %.0f s",
				 DESTINATION_LOAD_S);
			return;
		}
		qmp_migration_idle(hooks, IDLE_SLICE_MS);
	}
}

/*
 * QEMU sets "completed" a moment before it fills in total-time and
 * downtime (migration_calculate_complete runs after the state change).
 */
static void await_final_figures(struct qmp_client *src,
				const struct qmp_migration_hooks *hooks,
				struct qmp_migrate_info *info)
{
	double deadline = qmp_now_s() + FINAL_FIGURES_S;
	struct qmp_migrate_info again;

	while (info->total_time_ms <= 0 && qmp_now_s() < deadline) {
		qmp_migration_idle(hooks, IDLE_SLICE_MS);
		if (qmp_query_migrate(src, &again) == 0 &&
		    !strcmp(again.status, "completed"))
			*info = again;
	}
}

/* Cancel and wait for QEMU to settle, so the source is left usable. */
static void settle(struct qmp_client *src,
		   const struct qmp_migration_hooks *hooks, bool cancel,
		   struct qmp_migration_result *res)
{
	double deadline = qmp_now_s() + CANCEL_GRACE_S;
	struct qmp_migrate_info info;

	if (cancel && qmp_migrate_cancel(src))
		fprintf(stderr, "palm: migrate_cancel: %s\n", qmp_last_error(src));
	while (qmp_now_s() < deadline) {
		if (qmp_query_migrate(src, &info) == 0) {
			snprintf(res->qemu_status, sizeof(res->qemu_status),
				 "%s", info.status);
			if (status_is_terminal(info.status))
				return;
		}
		qmp_migration_idle(hooks, 20);
	}
}

static void record_end_states(struct qmp_client *src, struct qmp_client *dst,
			      bool src_was_running,
			      struct qmp_migration_result *res)
{
	double deadline = qmp_now_s() + 5;
	bool running = false;
	int err;

	/* QEMU reports "completed" before the source leaves finish-migrate. */
	while ((err = qmp_query_status(src, res->src_status,
				       sizeof(res->src_status), &running)) == 0 &&
	       !strcmp(res->src_status, "finish-migrate") && qmp_now_s() < deadline)
		usleep(IDLE_SLICE_MS * 1000);
	if (err == 0) {
		/* A failed migration must never leave the guest stopped. */
		if (res->outcome != QMP_MIG_COMPLETED && !running &&
		    src_was_running) {
			if (qmp_cont(src) == 0) {
				res->src_resumed_by_palm = true;
				qmp_query_status(src, res->src_status,
						 sizeof(res->src_status), &running);
			} else {
				fprintf(stderr, "palm: could not resume the source: %s\n",
					qmp_last_error(src));
			}
		}
		res->src_running = running;
	} else {
		snprintf(res->src_status, sizeof(res->src_status), "unknown");
	}

	if (dst && res->outcome == QMP_MIG_DESTINATION_LOST) {
		snprintf(res->dst_status, sizeof(res->dst_status), "gone");
	} else if (dst) {
		bool dst_running;

		if (qmp_query_status(dst, res->dst_status,
				     sizeof(res->dst_status), &dst_running))
			snprintf(res->dst_status, sizeof(res->dst_status),
				 "unknown");
	}
}

/*
 * One controller step after a query-migrate.  Returns true when the
 * controller gave up and the migration was cancelled.
 */
static bool control(struct qmp_ctl *ctl, struct qmp_ctl_backend *be,
		    struct qmp_client *src,
		    const struct qmp_migration_hooks *hooks,
		    const struct qmp_migrate_info *now, double elapsed,
		    struct qmp_migration_result *res)
{
	struct qmp_ctl_vcpu_dirty vcpus;
	struct qmp_ctl_action act;
	const char *why;

	if (hooks && hooks->vcpu_dirty &&
	    !hooks->vcpu_dirty(hooks->vcpu_ctx, elapsed, &vcpus))
		qmp_ctl_observe_vcpus(ctl, elapsed, &vcpus);
	qmp_ctl_step(ctl, now, elapsed, &act);
	qmp_ctl_apply(ctl, be, &act, elapsed);
	if (!act.cancel)
		return false;
	why = ctl->nlog ? ctl->log[ctl->nlog - 1].why : "controller";
	settle(src, hooks, true, res);
	if (!strcmp(res->qemu_status, "completed")) {
		res->outcome = QMP_MIG_COMPLETED;
		qmp_query_migrate(src, &res->last);
		snprintf(res->reason, sizeof(res->reason),
			 "completed while the controller cancelled");
		return true;
	}
	res->outcome = QMP_MIG_ABORTED;
	snprintf(res->reason, sizeof(res->reason), "%.250s", why);
	return true;
}

int qmp_migration_run(struct qmp_client *src, struct qmp_client *dst,
		      const struct qmp_migration_opts *o,
		      const struct qmp_migration_hooks *hooks,
		      struct qmp_migration_result *res)
{
	struct qmp_migrate_info *info = &res->last;
	bool src_was_running = false, dst_lost = false;
	struct qmp_ctl_backend be;
	struct qmp_ctl_qmp beq;
	double start, elapsed;
	int err;

	memset(res, 0, sizeof(*res));
	res->outcome = QMP_MIG_NOT_STARTED;
	qmp_ctl_backend_qmp(&be, &beq, src, dst);

	err = check_ends(src, dst, res, &src_was_running);
	if (err)
		return 0;
	err = prepare(src, dst, o, &be, res);
	if (err)
		return 0;

	start = qmp_now_s();
	err = qmp_migrate(src, o->uri);
	if (err) {
		snprintf(res->reason, sizeof(res->reason), "migrate %s: %s",
			 o->uri, qmp_last_error(src));
		record_end_states(src, dst, src_was_running, res);
		return 0;
	}

	for (;;) {
		struct qmp_migrate_info now;

		elapsed = qmp_now_s() - start;
		drain_events(src, &res->passes);

		/* The source's state decides: a cancel also ends the destination. */
		err = qmp_query_migrate(src, &now);
		if (err) {
			snprintf(res->reason, sizeof(res->reason),
				 "source: query-migrate: %.200s", qmp_last_error(src));
			res->outcome = QMP_MIG_FAILED;
			break;
		}
		snprintf(res->qemu_status, sizeof(res->qemu_status), "%s",
			 now.status);
		if (now.has_ram || !strcmp(now.status, "completed"))
			*info = now;
		qmp_migration_note_poll(res, info, &now, hooks, elapsed);

		if (o->ctl && control(o->ctl, &be, src, hooks, &now, elapsed,
				      res))
			break;

		if (!strcmp(now.status, "completed")) {
			await_final_figures(src, hooks, info);
			res->outcome = QMP_MIG_COMPLETED;
			snprintf(res->reason, sizeof(res->reason),
				 "completed in %.2f s", elapsed);
			break;
		}
		if (!strcmp(now.status, "failed")) {
			res->outcome = QMP_MIG_FAILED;
			snprintf(res->reason, sizeof(res->reason),
				 "QEMU reported failure: %.200s",
				 now.error_desc[0] ? now.error_desc :
						     "(no description)");
			break;
		}
		if (!strcmp(now.status, "cancelling") ||
		    !strcmp(now.status, "cancelled")) {
			settle(src, hooks, false, res);
			res->outcome = QMP_MIG_CANCELLED;
			snprintf(res->reason, sizeof(res->reason),
				 "cancelled outside palm");
			break;
		}

		if (dst && !dst_lost) {
			err = qmp_pump(dst);
			if (err && err != -EAGAIN) {
				dst_lost = true;
				snprintf(res->reason, sizeof(res->reason),
					 "destination QEMU went away (%.200s): cancelled",
					 qmp_last_error(dst));
				settle(src, hooks, true, res);
				res->outcome = QMP_MIG_DESTINATION_LOST;
				break;
			}
		}

		/* Past the switch the guest runs on the destination: no way back. */
		if (elapsed > o->budget_s && !res->postcopy) {
			settle(src, hooks, true, res);
			/* It may have completed while the cancel was on its way. */
			if (!strcmp(res->qemu_status, "completed")) {
				res->outcome = QMP_MIG_COMPLETED;
				qmp_query_migrate(src, info);
				snprintf(res->reason, sizeof(res->reason),
					 "completed at the budget");
			} else {
				res->outcome = QMP_MIG_BUDGET_EXCEEDED;
				snprintf(res->reason, sizeof(res->reason),
					 "not completed within %.1f s (%llu passes, %.1f MiB still to send, dirtying %llu pages/s): cancelled",
					 o->budget_s,
					 (unsigned long long)res->passes,
					 info->ram_remaining / 1048576.0,
					 (unsigned long long)info->ram_dirty_pages_rate);
			}
			break;
		}
		qmp_migration_idle(hooks, o->poll_ms);
	}

	/* A destination that died usually shows first as a failed send. */
	if (res->outcome == QMP_MIG_FAILED && dst && !dst_lost &&
	    qmp_pump(dst) < 0) {
		char qemu_reason[sizeof(res->reason)];

		snprintf(qemu_reason, sizeof(qemu_reason), "%s", res->reason);
		res->outcome = QMP_MIG_DESTINATION_LOST;
		dst_lost = true;
		snprintf(res->reason, sizeof(res->reason),
			 "destination QEMU went away; %.200s", qemu_reason);
	}

	if (res->outcome == QMP_MIG_COMPLETED && dst)
		await_destination(dst, hooks, res);
	/* A source that stays must not stay throttled. */
	if (o->ctl && o->ctl->dirty_limited && res->outcome != QMP_MIG_COMPLETED &&
	    be.cancel_dirty_limit(&be))
		qmp_ctl_log(o->ctl, qmp_now_s() - start, "error", 0,
			    "cancel-vcpu-dirty-limit failed: %s", be.error(&be));

	res->wall_s = qmp_now_s() - start;
	record_end_states(src, dst, src_was_running, res);
	return 0;
}
