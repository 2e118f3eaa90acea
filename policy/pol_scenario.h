/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenario: cluster shape, VM mix, network and injected failures.
 * Text format, one "key value..." per line, '#' comments, first line
 * "palm-scenario 1".  See policy/README.md for every key.
 */
#ifndef PALM_POL_SCENARIO_H
#define PALM_POL_SCENARIO_H

#include <stddef.h>

#include "qmp/qmp_model.h"

#define POL_MAX_HOST_TYPES 8
#define POL_MAX_HOSTS 20000
#define POL_MAX_VMS 200000

struct pol_host_type {
	double weight;
	double cores;
	double mem_gib;
};

struct pol_scenario {
	unsigned int n_hosts, n_vms, n_racks;
	unsigned int n_host_types;
	struct pol_host_type host_types[POL_MAX_HOST_TYPES];
	unsigned int vm_vcpus_max;		/* vCPUs drawn from 1,2,4.. */
	double vm_mem_min_gib, vm_mem_max_gib;
	double vm_dirty_min_mbps, vm_dirty_max_mbps;	/* MB/s at 100% CPU */
	double vm_pkt_min, vm_pkt_max;		/* packets/s */
	double vm_max_pause_ms;			/* QoS: longest pause */
	double cpu_overcommit;			/* vCPUs per core allowed */
	double host_link_gbps, uplink_gbps;
	double lat_rack_us, lat_core_us;
	double step_s;
	/* expected events per day over the whole cluster */
	double overload_per_day, leak_per_day, fault_per_day;
	double false_alarm_per_day;
	double fault_precursor_prob;		/* share of faults with a CE storm */
	double ramp_min_min, ramp_max_min;	/* overload ramp duration */
	double leak_min_h, leak_max_h;		/* leak start to exhaustion */
	double storm_min_min, storm_max_min;	/* CE storm lead before a fault */
	double repair_h;
	unsigned int max_mig_per_host;		/* per decision step */
	/*
	 * How migrations behave: the controller's coefficients (defaults,
	 * or a fitted model.coef given to palmctl policy --model).
	 */
	struct qmp_model_coef mig_coef;
};

void pol_scenario_defaults(struct pol_scenario *s);
int pol_scenario_parse(struct pol_scenario *s, const char *buf, size_t len,
		       char *err, size_t errlen);
int pol_scenario_load(struct pol_scenario *s, const char *path, char *err,
		      size_t errlen);
/* Cross-field checks (also run by parse). */
int pol_scenario_check(const struct pol_scenario *s, char *err, size_t errlen);

#endif
