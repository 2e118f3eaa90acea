/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The migration controller's decisions: a plan before the start (what
 * QEMU must be told before migrate) and, after every query-migrate, the
 * actions for this pass.  Pure: no I/O, so that recorded traces replay
 * through it in tests.  The run loop (qmp_migration.c) applies the
 * actions through a backend (qmp_ctl_backend.h).
 *
 * Four controllers share the loop: palm's own (model plan, per-pass
 * downtime limit from measured bandwidth and remainder, throttling,
 * post-copy switch, abort), and three baselines: QEMU's defaults, Nova's
 * libvirt driver (downtime steps on a timer) and auto-converge always on.
 */
#ifndef PALM_QMP_CTL_H
#define PALM_QMP_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "qmp/qmp_baseline.h"
#include "qmp/qmp_commands.h"
#include "qmp/qmp_model.h"

enum qmp_ctl_kind {
	QMP_CTL_PALM,
	QMP_CTL_QEMU,
	QMP_CTL_NOVA,
	QMP_CTL_AUTOCONVERGE,
};

/* KVM_DIRTY_RING_MAX_ENTRIES: QEMU refuses a larger dirty-ring-size */
#define QMP_DIRTY_RING_MAX_PAGES 65536

/* What this QEMU pair offers (from qmp_features and the accelerator). */
struct qmp_ctl_caps {
	bool postcopy;		/* postcopy-ram on both ends */
	bool postcopy_preempt;	/* and postcopy-preempt (QEMU >= 7.1) */
	bool auto_converge;
	/* max-cpu-throttle may change while the migration runs (QMP) */
	bool live_cpu_throttle;
	bool vcpu_dirty_limit;	/* set-vcpu-dirty-limit and a KVM dirty ring */
	/* KVM dirty ring entries per vCPU; 0: unknown; -1: QEMU runs without */
	int dirty_ring_pages;
	char dirty_ring_unknown[96];	/* why it is unknown, for the log */
	/*
	 * multifd zstd on both ends: one channel (one compressing thread)
	 * per host CPU the vCPUs leave free, at least 1; 0 = not offered.
	 */
	int compress_threads;
	char compress_why[160];	/* why not offered, for the log */
	bool xbzrle;		/* the source offers it (and palm may) */
	/*
	 * avail-switchover-bandwidth (QEMU >= 8.2): the rate QEMU's
	 * switch-over rule uses instead of its own estimate.
	 */
	bool switchover_bandwidth;
	int nvcpu;		/* >= 1 */
};

/* Set before migrate; < 0 leaves QEMU's value. */
struct qmp_ctl_setup {
	int64_t downtime_ms;
	int64_t bandwidth_bps;
	int64_t max_cpu_throttle_pct;
	int64_t cpu_throttle_initial_pct;
	bool auto_converge;
	bool postcopy;		/* on both ends, as QEMU requires */
	bool postcopy_preempt;	/* with it: faulted pages on their own channel */
	int compress_channels;	/* > 0: multifd zstd on both ends */
	int64_t xbzrle_cache_bytes; /* > 0: xbzrle on the source, this cache */
	int64_t switchover_bps;	/* avail-switchover-bandwidth, page bytes/s */
};

#define QMP_CTL_MAX_VCPUS 64

/*
 * Per-vCPU dirty rates measured outside QMP (eBPF on the KVM dirty ring),
 * handed to the controller during the migration: query-migrate knows
 * only the whole guest's rate, and not which vCPUs make it.
 */
struct qmp_ctl_vcpu_dirty {
	int nvcpu;
	int cpu_index[QMP_CTL_MAX_VCPUS];	/* QEMU's cpu-index */
	double dirty_bps[QMP_CTL_MAX_VCPUS];	/* distinct pages x 4 KiB / s */
	double window_s;			/* what the rates were measured over */
};

/* One set-vcpu-dirty-limit. */
struct qmp_ctl_dirty_limit {
	int cpu_index;		/* -1: every vCPU */
	uint64_t mbps;		/* MB/s, as QEMU takes it */
};

/* What to do after this query-migrate. */
struct qmp_ctl_action {
	bool set_downtime;
	int64_t downtime_ms;
	bool set_bandwidth;
	int64_t bandwidth_bps;
	bool set_switchover;
	int64_t switchover_bps;
	int ndirty_limits;
	struct qmp_ctl_dirty_limit dirty_limit[QMP_CTL_MAX_VCPUS];
	bool start_postcopy;
	/* auto-converge's ceiling and step, percent */
	bool set_cpu_throttle;
	int64_t max_cpu_throttle_pct;
	int64_t cpu_throttle_increment_pct;
	bool cancel_dirty_limits;	/* before set_cpu_throttle */
	bool cancel;			/* give up; the reason is logged */
};

/* A dirty limit in force, and what palm learned of QEMU's aim with it. */
struct qmp_ctl_dl {
	int cpu_index;		/* -1: every vCPU */
	double want_bps;	/* what it should dirty (each, for -1) */
	double gain;		/* limit / want that gets want: QEMU overshoots */
	uint64_t mbps;		/* the limit QEMU has */
	uint64_t floor_mbps;	/* below it a full ring stalls the vCPU too long */
};

#define QMP_CTL_LOG_MAX 128

/* One decision with the numbers behind it. */
struct qmp_ctl_decision {
	double t_s;		/* since migrate; < 0: before the start */
	char action[24];	/* plan, downtime-limit, max-bandwidth, ... */
	double value;		/* the value set, in the action's unit */
	char why[232];
};

struct qmp_ctl {
	enum qmp_ctl_kind kind;
	struct qmp_model_coef coef;
	struct qmp_model_target target;
	struct qmp_model_input input;	/* what the plan was made from */
	bool have_input;
	struct qmp_model_plan plan;
	struct qmp_ctl_caps caps;
	struct qmp_nova_schedule nova;

	/* per-pass state (palm) */
	double last_t;
	uint64_t last_transferred;
	uint64_t last_page_bytes;	/* QEMU's normal pages x page size */
	double bw_bps;			/* measured goodput (page bytes), smoothed */
	/*
	 * QEMU counts multifd bytes as they leave, compressed (QEMU 10; 7.2
	 * counts the pages): its rate limit and its own bandwidth estimate
	 * are then in wire bytes.  Learned from the first window.
	 */
	bool counts_sent_bytes;
	int64_t bandwidth_bps;		/* the max-bandwidth palm set */
	int64_t switchover_bps;		/* avail-switchover-bandwidth palm set */
	uint64_t sync_count;
	double pass_start_t;
	double pass_dirty[2];		/* remainder at the last two syncs */
	double pass_dirty_best;		/* smallest remainder before the last */
	bool too_slow_logged;
	int passes_seen;
	int stuck_passes;
	int64_t downtime_ms;		/* what QEMU has now */
	bool dirty_limited;
	int ndl;				/* dirty limits in force */
	struct qmp_ctl_dl dl[QMP_CTL_MAX_VCPUS];
	double dl_base_bps;		/* the guest's rate before any limit */
	double dl_want_bps;		/* the guest-wide rate aimed at */
	double dl_set_t;		/* when the limits last changed */
	double prev_pass_start_t;
	struct qmp_ctl_vcpu_dirty vcpus;	/* the latest, when have_vcpus */
	bool have_vcpus;
	double vcpus_t;			/* when it came */
	bool postcopy_started;
	/*
	 * Auto-converge armed at 1 % behind the per-vCPU dirty limit, and
	 * raised to the allowance when that limit does not hold.
	 */
	bool ac_armed;
	bool ac_raised;
	double ac_raised_t;		/* when raised */
	int64_t cpu_throttle_pct;	/* QEMU's, at the last step */
	bool cancelled;
	int nova_step;			/* last Nova step applied, -1 none */

	struct qmp_ctl_decision log[QMP_CTL_LOG_MAX];
	int nlog;
	int log_dropped;
};

void qmp_ctl_init(struct qmp_ctl *ctl, enum qmp_ctl_kind kind,
		  const struct qmp_model_coef *coef,
		  const struct qmp_model_target *target);

/*
 * Decides what to set before the start.  in may be NULL when nothing was
 * measured (palm then plans without a prediction and learns from the
 * first pass).  Returns 0, -ECANCELED when palm's model finds the target
 * infeasible (ctl->plan.reason says why and what would do), or -EINVAL.
 */
int qmp_ctl_plan(struct qmp_ctl *ctl, const struct qmp_model_input *in,
		 const struct qmp_ctl_caps *caps, struct qmp_ctl_setup *setup);

/*
 * Per-vCPU dirty rates measured at t_s (seconds after migrate): palm
 * limits only the vCPUs that dirty, and prefers this rate (distinct
 * pages) to query-migrate's.  Invalid observations are ignored.
 */
void qmp_ctl_observe_vcpus(struct qmp_ctl *ctl, double t_s,
			   const struct qmp_ctl_vcpu_dirty *obs);

/* One step after a query-migrate taken t_s seconds after migrate. */
void qmp_ctl_step(struct qmp_ctl *ctl, const struct qmp_migrate_info *info,
		  double t_s, struct qmp_ctl_action *act);

/* Records a decision (also used by the run loop for what it did). */
void qmp_ctl_log(struct qmp_ctl *ctl, double t_s, const char *action,
		 double value, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

const char *qmp_ctl_kind_name(enum qmp_ctl_kind kind);
/* "palm", "qemu", "nova", "autoconverge"; -EINVAL otherwise. */
int qmp_ctl_kind_parse(const char *name, enum qmp_ctl_kind *kind);

#endif /* PALM_QMP_CTL_H */
