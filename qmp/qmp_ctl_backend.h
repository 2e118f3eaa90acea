/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few operations the control loop needs from whatever manages the
 * guests, so that QMP direct (now) and libvirt (later) share one loop.
 * Every op returns 0 or a negative errno and leaves its reason in
 * ->error; an op a backend lacks is NULL (the loop logs and goes on).
 */
#ifndef PALM_QMP_CTL_BACKEND_H
#define PALM_QMP_CTL_BACKEND_H

#include <stdint.h>

#include "qmp/qmp_client.h"
#include "qmp/qmp_ctl.h"

struct qmp_ctl_backend {
	int (*set_downtime_ms)(struct qmp_ctl_backend *b, int64_t ms);
	int (*set_bandwidth_bps)(struct qmp_ctl_backend *b, int64_t bps);
	/* avail-switchover-bandwidth; NULL where the backend has none */
	int (*set_switchover_bps)(struct qmp_ctl_backend *b, int64_t bps);
	/* cpu_index -1: every vCPU */
	int (*set_dirty_limit)(struct qmp_ctl_backend *b, int cpu_index,
			       uint64_t mbps);
	int (*cancel_dirty_limit)(struct qmp_ctl_backend *b);
	int (*start_postcopy)(struct qmp_ctl_backend *b);
	/* auto-converge's max-cpu-throttle and cpu-throttle-increment */
	int (*set_cpu_throttle)(struct qmp_ctl_backend *b, int64_t max_pct,
				int64_t increment_pct);
	/* Before migrate: capabilities on both ends, then parameters. */
	int (*setup)(struct qmp_ctl_backend *b, const struct qmp_ctl_setup *s);
	const char *(*error)(struct qmp_ctl_backend *b);
	void *priv;
};

/* QMP direct: src drives, dst (may be NULL) mirrors the capabilities. */
struct qmp_ctl_qmp {
	struct qmp_client *src;
	struct qmp_client *dst;
	char error[320];
};
void qmp_ctl_backend_qmp(struct qmp_ctl_backend *b, struct qmp_ctl_qmp *q,
			 struct qmp_client *src, struct qmp_client *dst);

/*
 * Applies one step's actions and logs each outcome in ctl.  Returns 0,
 * or the first error (later actions are still tried).
 */
int qmp_ctl_apply(struct qmp_ctl *ctl, struct qmp_ctl_backend *b,
		  const struct qmp_ctl_action *a, double t_s);

#endif /* PALM_QMP_CTL_BACKEND_H */
