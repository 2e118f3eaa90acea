/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers for the policy tests: small scenarios, trace lookup. */
#ifndef PALM_TESTS_POL_TEST_UTIL_H
#define PALM_TESTS_POL_TEST_UTIL_H

#include <stdio.h>
#include <unistd.h>

#include "policy/pol_scenario.h"
#include "policy/pol_trace.h"

/* 8 hosts, 40 VMs, busy with failures: a whole day runs in milliseconds. */
static inline void tiny_scenario(struct pol_scenario *s)
{
	pol_scenario_defaults(s);
	s->n_hosts = 8;
	s->n_racks = 2;
	s->n_vms = 40;
	s->overload_per_day = 6;
	s->leak_per_day = 3;
	s->fault_per_day = 9;
	s->false_alarm_per_day = 3;
	s->fault_precursor_prob = 1.0;
}

/* Path of a real PlanetLab day, or NULL when the traces are absent. */
static inline const char *trace_day_path(const char *day, char *buf,
					 size_t len)
{
	snprintf(buf, len, "%s/%s.csv", pol_trace_dir(NULL), day);
	return access(buf, R_OK) == 0 ? buf : NULL;
}

#endif
