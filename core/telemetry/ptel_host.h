/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host pressure: PSI (cpu, memory), free memory, CPU use, direct reclaim
 * and OOM kills.  /proc gives all of it; eBPF counts direct-reclaim
 * entries and sees each OOM victim as it is picked.  The parsers take
 * the file contents so they are tested on recorded text.
 */
#ifndef PALM_TELEMETRY_PTEL_HOST_H
#define PALM_TELEMETRY_PTEL_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/telemetry/ptel.h"
#include "core/telemetry/ptel_bpf.h"

struct ptel_psi_line {
	double avg10, avg60, avg300;	/* percent */
	uint64_t total_us;
};

struct ptel_psi {
	struct ptel_psi_line some, full;
	bool has_full;			/* cpu has "full" since 5.13 */
};

/* Raw counters at one instant; ptel_host_rates turns two into rates. */
struct ptel_host_snap {
	uint64_t t_ns;
	enum ptel_source reclaim_src;	/* bpf-host or proc */
	struct ptel_psi cpu, mem;
	uint64_t mem_total_kib, mem_free_kib, mem_avail_kib;
	uint64_t cpu_busy_ticks, cpu_total_ticks;
	uint64_t direct_reclaims;	/* bpf entries, or /proc/vmstat allocstall_* */
	uint64_t oom_kills;		/* /proc/vmstat oom_kill (or bpf victims) */
};

struct ptel_host_rates {
	double cpu_use;			/* 0..1 of all CPUs */
	double direct_reclaims_per_s;
	uint64_t oom_kills;		/* during the interval */
};

int ptel_psi_parse(const char *buf, struct ptel_psi *out);
/* MemTotal, MemFree, MemAvailable; -EINVAL when one is missing. */
int ptel_meminfo_parse(const char *buf, uint64_t *total, uint64_t *free_kib,
		       uint64_t *avail);
/* The aggregate "cpu" line: busy = all but idle and iowait. */
int ptel_stat_parse(const char *buf, uint64_t *busy, uint64_t *total);
/* Sum of allocstall_* and oom_kill. */
int ptel_vmstat_parse(const char *buf, uint64_t *allocstalls,
		      uint64_t *oom_kills);

/* Reads /proc (and the bpf host counters when b has them; b may be NULL). */
int ptel_host_read(struct ptel_bpf *b, struct ptel_host_snap *out);
void ptel_host_rates(const struct ptel_host_snap *a,
		     const struct ptel_host_snap *b, struct ptel_host_rates *out);

/* Reads a small /proc file whole into buf; bytes or -errno. */
int ptel_read_file(const char *path, char *buf, size_t len);

#endif /* PALM_TELEMETRY_PTEL_HOST_H */
