// SPDX-License-Identifier: GPL-2.0
/* The controller's own QMP commands; see qmp_ctl_commands.h. */
#include "qmp/qmp_ctl_commands.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "qmp/qmp_commands.h"

/* page-sampling's densest sampling (QEMU's MAX_SAMPLE_PAGE_COUNT). */
#define SAMPLE_PAGES_PER_GIB 4096
#define POLL_US 50000
/* QEMU may lag its own calc-time by this much before "measured". */
#define MEASURE_SLACK_S 5

static int exec_empty(struct qmp_client *c, const char *cmd, json_t *args)
{
	json_t *ret = NULL;
	int err = qmp_execute(c, cmd, args, 0, &ret);

	json_decref(ret);
	return err;
}

int qmp_migrate_start_postcopy(struct qmp_client *c)
{
	return exec_empty(c, "migrate-start-postcopy", NULL);
}

int qmp_set_vcpu_dirty_limit(struct qmp_client *c, int cpu_index,
			     uint64_t dirty_rate_mbps)
{
	json_t *args;

	if (dirty_rate_mbps < 1 || dirty_rate_mbps > INT64_MAX) {
		qmp_set_error(c, "set-vcpu-dirty-limit: dirty-rate out of range");
		return -EINVAL;
	}
	args = json_pack("{s:I}", "dirty-rate", (json_int_t)dirty_rate_mbps);
	if (args && cpu_index >= 0 &&
	    json_object_set_new(args, "cpu-index", json_integer(cpu_index))) {
		json_decref(args);
		args = NULL;
	}
	if (!args) {
		qmp_set_error(c, "set-vcpu-dirty-limit: out of memory");
		return -ENOMEM;
	}
	return exec_empty(c, "set-vcpu-dirty-limit", args);
}

int qmp_cancel_vcpu_dirty_limit(struct qmp_client *c, int cpu_index)
{
	json_t *args = NULL;

	if (cpu_index >= 0) {
		args = json_pack("{s:i}", "cpu-index", cpu_index);
		if (!args) {
			qmp_set_error(c, "cancel-vcpu-dirty-limit: out of memory");
			return -ENOMEM;
		}
	}
	return exec_empty(c, "cancel-vcpu-dirty-limit", args);
}

int qmp_query_ram_size(struct qmp_client *c, uint64_t *bytes)
{
	json_t *ret = NULL, *base;
	int err;

	err = qmp_execute(c, "query-memory-size-summary", NULL, 0, &ret);
	if (err)
		return err;
	base = json_object_get(ret, "base-memory");
	if (!json_is_integer(base) || json_integer_value(base) <= 0) {
		qmp_set_error(c, "query-memory-size-summary: base-memory is %s, not a positive integer",
			      qmp_json_type(base));
		err = -EPROTO;
	} else {
		*bytes = (uint64_t)json_integer_value(base);
	}
	json_decref(ret);
	return err;
}

int qmp_query_kvm_enabled(struct qmp_client *c, bool *enabled)
{
	json_t *ret = NULL, *en;
	int err;

	err = qmp_execute(c, "query-kvm", NULL, 0, &ret);
	if (err)
		return err;
	en = json_object_get(ret, "enabled");
	if (!json_is_boolean(en)) {
		qmp_set_error(c, "query-kvm: enabled is %s, not a boolean",
			      qmp_json_type(en));
		err = -EPROTO;
	} else {
		*enabled = json_is_true(en);
	}
	json_decref(ret);
	return err;
}

static int measure_once(struct qmp_client *c, int t_s, bool exact,
			double *rate_bps)
{
	struct qmp_dirty_rate dr;
	int err, polls = (t_s + MEASURE_SLACK_S) * (1000000 / POLL_US);

	err = exact ? qmp_calc_dirty_rate(c, t_s, "dirty-bitmap", 0) :
		      qmp_calc_dirty_rate(c, t_s, "page-sampling",
					  SAMPLE_PAGES_PER_GIB);
	if (err)
		return err;
	usleep((useconds_t)t_s * 1000000);
	while (polls-- > 0) {
		err = qmp_query_dirty_rate(c, &dr);
		if (err)
			return err;
		if (!strcmp(dr.status, "measured") && dr.dirty_rate_mbps >= 0) {
			/* QEMU's "MB" here is MiB (it shifts by 20) */
			*rate_bps = (double)dr.dirty_rate_mbps * 1048576;
			return 0;
		}
		usleep(POLL_US);
	}
	qmp_set_error(c, "query-dirty-rate: no result %d s after calc-time", MEASURE_SLACK_S);
	return -ETIMEDOUT;
}

int qmp_measure_dirty(struct qmp_client *c, int t1_s, bool exact,
		      double *rate1_bps, double *rate2_bps)
{
	int err;

	if (t1_s < 1) {
		qmp_set_error(c, "calc-dirty-rate: calc-time below 1 s");
		return -EINVAL;
	}
	err = measure_once(c, t1_s, exact, rate1_bps);
	if (!err)
		err = measure_once(c, 2 * t1_s, exact, rate2_bps);
	return err;
}
