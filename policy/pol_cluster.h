/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster view the policy decides on: what palmd's core/state knows
 * (capacities, recent samples, placements, forecasts) and nothing more.
 * The simulator fills the same structure from its hidden ground truth.
 */
#ifndef PALM_POL_CLUSTER_H
#define PALM_POL_CLUSTER_H

#include <stdbool.h>

#include "policy/pol_migration_model.h"
#include "policy/pol_topology.h"

#define POL_HIST 12		/* samples kept per series (1 h at 5 min) */
#define POL_NO_HOST (~0u)

enum pol_fail_kind {
	POL_FK_OVERLOAD,
	POL_FK_MEMORY,
	POL_FK_FAULT,
	POL_FK_COUNT,
};

/* Predictor output for one host. */
struct pol_forecast {
	bool alarm[POL_FK_COUNT];
	double ttf_s[POL_FK_COUNT];	/* time to failure, if alarm */
	double conf[POL_FK_COUNT];	/* 0..1 */
	int kind;			/* most urgent alarm, -1 if none */
	double util_1h;			/* CPU utilisation forecast 1 h ahead */
};

struct pol_host {
	double cores, mem_bytes;	/* capacity */
	double cpu_demand;		/* cores wanted now (VMs + host) */
	double mem_used;		/* bytes resident now */
	double vcpus_alloc, mem_alloc;	/* committed incl. incoming VMs */
	double cpu_out, mem_out;	/* of VMs migrating away */
	double power_idle, power_max;	/* W, linear power model */
	/* histories of the VMs now resident plus the host's own load, so
	 * that a migration does not look like a trend */
	double cpu_hist[POL_HIST];	/* demand / cores, oldest first */
	double mem_hist[POL_HIST];	/* bytes used */
	double ce_hist[POL_HIST];	/* corrected errors per step */
	unsigned int n_vms;		/* resident (incl. outgoing) */
	bool failed;			/* down */
	struct pol_forecast fc;
};

struct pol_vm {
	unsigned int host;
	unsigned int dest;		/* POL_NO_HOST unless migrating */
	double vcpus, mem_bytes, used_frac;
	double cpu;			/* cores demanded now */
	double dirty_bps;		/* now */
	double pkt_rate;		/* packets/s, a pause loses them */
	double max_pause_s;		/* QoS target */
	double cpu_hist[POL_HIST];	/* cores, oldest first */
	double mem_hist[POL_HIST];	/* bytes resident, oldest first */
};

struct pol_cluster {
	unsigned int n_hosts, n_vms;
	struct pol_host *hosts;
	struct pol_vm *vms;
	struct pol_topology topo;
	double now_s, step_s;
	unsigned int n_hist;		/* valid samples in every *_hist */
	double cpu_overcommit;
	/* the migration controller's coefficients; NULL: its defaults */
	const struct qmp_model_coef *mig_coef;
	/* resident VMs per host, CSR: vm_list[vm_start[h] .. vm_start[h+1]) */
	unsigned int *vm_start, *vm_list;
};

/* A decision: move vm to dst. */
struct pol_order {
	unsigned int vm, dst;
};

/*
 * Action mask: may vm go to dst now?  Never to its own or a failed or
 * alarmed host, never beyond memory or the vCPU overcommit limit, never
 * a VM already migrating.
 */
bool pol_cluster_feasible(const struct pol_cluster *c, unsigned int vm,
			  unsigned int dst);
/* (Re)build the per-host VM index; allocates on first use. */
int pol_cluster_index(struct pol_cluster *c);
void pol_cluster_index_free(struct pol_cluster *c);
/* Put a sample into a POL_HIST series holding n samples (oldest dropped). */
void pol_hist_push(double *hist, unsigned int n, double v);
double pol_host_util(const struct pol_host *h);
/* VMs on h that are not migrating away (needs pol_cluster_index()). */
unsigned int pol_host_staying(const struct pol_cluster *c, unsigned int h);
/* Utilisation once the VMs migrating away have left. */
double pol_host_util_after_out(const struct pol_host *h);
/* Cost of moving vm to dst now (path share, loads) from the model. */
int pol_cluster_mig_cost(const struct pol_cluster *c, unsigned int vm,
			 unsigned int dst, struct pol_mig_cost *cost);

#endif
