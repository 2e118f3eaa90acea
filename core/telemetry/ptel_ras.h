/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault precursors: memory-controller errors (ras:mc_event) counted per
 * memory controller and DIMM location, with a decaying rate of corrected
 * errors.  Events come from eBPF, or from a recording in trace_pipe text
 * (ptel_ras_parse_line), through the same ptel_ras_add.
 */
#ifndef PALM_TELEMETRY_PTEL_RAS_H
#define PALM_TELEMETRY_PTEL_RAS_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/ptel_shared.h"

#define PTEL_RAS_MAX_DIMMS 64

enum ptel_ras_type {
	PTEL_RAS_CORRECTED = 0,
	PTEL_RAS_UNCORRECTED = 1,
	PTEL_RAS_DEFERRED = 2,
	PTEL_RAS_FATAL = 3,
	PTEL_RAS_INFO = 4,
};

struct ptel_ras_dimm {
	uint8_t mc;
	int8_t top, mid, low;		/* EDAC layers; -1 = unknown */
	char label[PTEL_RAS_STR];
	uint64_t count[5];		/* errors by enum ptel_ras_type */
	uint64_t first_ns, last_ns;
	double ce_rate;			/* corrected errors per hour, decaying */
	uint64_t rate_ns;		/* when ce_rate was last updated */
};

struct ptel_ras {
	double tau_s;			/* time constant of ce_rate */
	unsigned int n;
	uint64_t dropped;		/* events past PTEL_RAS_MAX_DIMMS */
	struct ptel_ras_dimm dimm[PTEL_RAS_MAX_DIMMS];
};

void ptel_ras_init(struct ptel_ras *r, double tau_s);
/* Only PTEL_EV_MC events count; others are ignored (0). */
int ptel_ras_add(struct ptel_ras *r, const struct ptel_event *ev);
/* The corrected-error rate per hour, decayed to now_ns. */
double ptel_ras_ce_rate(const struct ptel_ras *r, const struct ptel_ras_dimm *d,
			uint64_t now_ns);

/*
 * One line of trace_pipe output of ras:mc_event, e.g.
 *   "<idle>-0 [003] d.h1. 1234.567890: mc_event: 1 Corrected error: read
 *    error on DIMM_A1 (mc:0 location:0:1:-1 address:0x1234 grain:6 ...)"
 * into ev (ts_ns from the trace timestamp).  -EINVAL otherwise.
 */
int ptel_ras_parse_line(const char *line, size_t len, struct ptel_event *ev);

#endif /* PALM_TELEMETRY_PTEL_RAS_H */
