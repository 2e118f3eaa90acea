/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The baselines palm's controller is measured against, as their own
 * projects define them.  Nova's libvirt driver raises the downtime limit
 * in steps on a timer (nova/virt/libvirt/migration.py,
 * downtime_steps(), and driver.py's live migration monitor):
 *
 *	data_gb = max(RAM GiB, 2); delay = int(75 * data_gb)
 *	base = downtime / steps; offset = (downtime - base) / steps
 *	step i = (delay * i, int(base + offset * i)), i = 0..steps
 *
 * The monitor applies the last step whose time has passed, every 0.5 s,
 * and aborts after completion_timeout (800 s per GiB of data_gb).
 * time_scale shrinks every delay and the timeout by one factor, so that
 * small test guests keep Nova's shape in seconds instead of minutes.
 */
#ifndef PALM_QMP_BASELINE_H
#define PALM_QMP_BASELINE_H

#define QMP_NOVA_MAX_STEPS 64

struct qmp_nova_opts {
	double downtime_ms;		/* live_migration_downtime, 500 */
	int steps;			/* live_migration_downtime_steps, 10 */
	double delay_s_per_gib;		/* live_migration_downtime_delay, 75 */
	double completion_s_per_gib;	/* live_migration_completion_timeout, 800 */
	double min_gib;			/* the data_gb floor, 2 */
	double time_scale;		/* 1 = Nova's own timing */
};

struct qmp_nova_schedule {
	int nsteps;			/* steps + 1 entries */
	double at_s[QMP_NOVA_MAX_STEPS + 1];
	long downtime_ms[QMP_NOVA_MAX_STEPS + 1];
	double completion_timeout_s;
};

void qmp_nova_opts_defaults(struct qmp_nova_opts *o);
/* 0, or -EINVAL for out-of-range options. */
int qmp_nova_schedule(const struct qmp_nova_opts *o, double ram_bytes,
		      struct qmp_nova_schedule *s);
/* Index of the last step whose time has passed at t_s (0 at the start). */
int qmp_nova_step_at(const struct qmp_nova_schedule *s, double t_s);

#endif /* PALM_QMP_BASELINE_H */
