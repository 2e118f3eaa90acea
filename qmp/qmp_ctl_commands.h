/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QMP commands only the migration controller needs, built on
 * qmp_execute(): the post-copy switch, per-vCPU dirty limits, the guest's
 * RAM size, and a dirty-rate measurement before the start.  Each returns
 * 0 or a negative errno with qmp_last_error() set, like qmp_commands.h.
 */
#ifndef PALM_QMP_CTL_COMMANDS_H
#define PALM_QMP_CTL_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>

#include "qmp/qmp_client.h"

int qmp_migrate_start_postcopy(struct qmp_client *c);
/* cpu_index < 0: every vCPU.  dirty_rate_mbps in MB/s, >= 1. */
int qmp_set_vcpu_dirty_limit(struct qmp_client *c, int cpu_index,
			     uint64_t dirty_rate_mbps);
int qmp_cancel_vcpu_dirty_limit(struct qmp_client *c, int cpu_index);
/* query-memory-size-summary's base-memory, bytes. */
int qmp_query_ram_size(struct qmp_client *c, uint64_t *bytes);

/* query-kvm: is the guest running under KVM? */
int qmp_query_kvm_enabled(struct qmp_client *c, bool *enabled);

/*
 * Distinct bytes dirtied per second over windows of t1_s and 2 * t1_s
 * (two calc-dirty-rate runs).  exact: dirty-bitmap mode, which counts
 * every page but crashes QEMU 7.2 under TCG (segfault, seen here), so
 * only with KVM; otherwise page-sampling at its densest, which is noisy
 * for small guests (a few hundred sampled pages).  Blocks ~3 * t1_s.
 */
int qmp_measure_dirty(struct qmp_client *c, int t1_s, bool exact,
		      double *rate1_bps, double *rate2_bps);

#endif /* PALM_QMP_CTL_COMMANDS_H */
