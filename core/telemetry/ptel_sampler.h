/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The telemetry loop of one host: each tick reads every VM's vCPU times,
 * memory and dirty window, and the host's pressure, and turns them into
 * rates against the previous tick.  palmctl top and palmd drive it; it
 * holds no QMP connections (a dirty measurement through QMP is
 * ptel_dirty_measure, recorded here with ptel_sampler_set_measure).
 */
#ifndef PALM_TELEMETRY_PTEL_SAMPLER_H
#define PALM_TELEMETRY_PTEL_SAMPLER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/telemetry/ptel.h"
#include "core/telemetry/ptel_bpf.h"
#include "core/telemetry/ptel_dirty.h"
#include "core/telemetry/ptel_host.h"
#include "core/telemetry/ptel_vcpu.h"
#include "core/telemetry/ptel_vm.h"

struct ptel_vm_sample {
	struct ptel_vm vm;
	bool alive;
	uint64_t rss_kib;
	enum ptel_source vcpu_src;
	struct ptel_vcpu_load vcpu[PTEL_VM_MAX_VCPUS];
	double load_sum;		/* vCPUs' on-CPU time, in CPUs */
	double wait_max;		/* the most-waiting vCPU's share */
	/* live dirty window: only while KVM logs dirty pages (migration) */
	enum ptel_source dirty_src;	/* NONE when nothing was pushed */
	double dirty_pages_per_s;	/* distinct pages / s, last full window */
	uint64_t dirty_window_distinct;	/* last full window */
	bool has_measure;		/* a ptel_dirty_measure result */
	struct ptel_dirty_measure measure;
};

struct ptel_host_sample {
	struct ptel_host_snap snap;
	struct ptel_host_rates rates;
	uint64_t oom_events;		/* bpf OOM victims seen */
	uint64_t ras_events;		/* bpf mc_event seen */
};

struct ptel_sampler;

/* b may be NULL (fallbacks only); dirty_window_ms: live window length. */
int ptel_sampler_new(struct ptel_bpf *b, unsigned int dirty_window_ms,
		     struct ptel_sampler **out);
void ptel_sampler_free(struct ptel_sampler *s);
/* Adds a VM (tracks its vCPU threads in eBPF when available). */
int ptel_sampler_add_vm(struct ptel_sampler *s, const struct ptel_vm *vm);
int ptel_sampler_nvm(const struct ptel_sampler *s);
const struct ptel_vm_sample *ptel_sampler_vm(const struct ptel_sampler *s,
					     int i);
const struct ptel_host_sample *ptel_sampler_host(const struct ptel_sampler *s);
void ptel_sampler_set_measure(struct ptel_sampler *s, int i,
			      const struct ptel_dirty_measure *m);
/* One pass over every VM and the host. */
int ptel_sampler_tick(struct ptel_sampler *s);
/* The latest samples, every value with its source. */
json_t *ptel_sampler_json(const struct ptel_sampler *s);

#endif /* PALM_TELEMETRY_PTEL_SAMPLER_H */
