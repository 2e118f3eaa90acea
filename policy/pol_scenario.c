// SPDX-License-Identifier: GPL-2.0
/* Scenario file parser: strict, line-oriented, every value range-checked. */
#include "policy/pol_scenario.h"
#include "policy/pol_err.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCN_MAX_BYTES (1 << 20)

void pol_scenario_defaults(struct pol_scenario *s)
{
	memset(s, 0, sizeof(*s));
	qmp_model_coef_defaults(&s->mig_coef);
	s->n_hosts = 100;
	s->n_vms = 1000;
	s->n_racks = 10;
	s->n_host_types = 2;
	s->host_types[0] = (struct pol_host_type){ 1, 8, 64 };
	s->host_types[1] = (struct pol_host_type){ 1, 16, 128 };
	s->vm_vcpus_max = 4;
	s->vm_mem_min_gib = 1;
	s->vm_mem_max_gib = 8;
	s->vm_dirty_min_mbps = 10;
	s->vm_dirty_max_mbps = 400;
	s->vm_pkt_min = 100;
	s->vm_pkt_max = 20000;
	s->vm_max_pause_ms = 300;
	s->cpu_overcommit = 3.0;
	s->host_link_gbps = 10;
	s->uplink_gbps = 20;
	s->lat_rack_us = 50;
	s->lat_core_us = 250;
	s->step_s = 300;
	s->overload_per_day = 8;
	s->leak_per_day = 4;
	s->fault_per_day = 6;
	s->false_alarm_per_day = 6;
	s->fault_precursor_prob = 0.8;
	s->ramp_min_min = 30;
	s->ramp_max_min = 120;
	s->leak_min_h = 2;
	s->leak_max_h = 6;
	s->storm_min_min = 30;
	s->storm_max_min = 120;
	s->repair_h = 2;
	s->max_mig_per_host = 4;
}

struct scn_key {
	const char *name;
	int is_uint;
	size_t off;
	double min, max;
};

#define K_D(n, f, lo, hi) { n, 0, offsetof(struct pol_scenario, f), lo, hi }
#define K_U(n, f, lo, hi) { n, 1, offsetof(struct pol_scenario, f), lo, hi }

static const struct scn_key scn_keys[] = {
	K_U("hosts", n_hosts, 2, POL_MAX_HOSTS),
	K_U("vms", n_vms, 1, POL_MAX_VMS),
	K_U("racks", n_racks, 1, POL_MAX_HOSTS),
	K_U("vm_vcpus_max", vm_vcpus_max, 1, 64),
	K_D("vm_mem_min_gib", vm_mem_min_gib, 0.125, 1024),
	K_D("vm_mem_max_gib", vm_mem_max_gib, 0.125, 1024),
	K_D("vm_dirty_min_mbps", vm_dirty_min_mbps, 0, 100000),
	K_D("vm_dirty_max_mbps", vm_dirty_max_mbps, 0, 100000),
	K_D("vm_pkt_min", vm_pkt_min, 0, 1e8),
	K_D("vm_pkt_max", vm_pkt_max, 0, 1e8),
	K_D("vm_max_pause_ms", vm_max_pause_ms, 1, 60000),
	K_D("cpu_overcommit", cpu_overcommit, 1, 16),
	K_D("host_link_gbps", host_link_gbps, 0.01, 10000),
	K_D("uplink_gbps", uplink_gbps, 0.01, 100000),
	K_D("lat_rack_us", lat_rack_us, 0, 1e6),
	K_D("lat_core_us", lat_core_us, 0, 1e6),
	K_D("step_s", step_s, 10, 3600),
	K_D("overload_per_day", overload_per_day, 0, 1e5),
	K_D("leak_per_day", leak_per_day, 0, 1e5),
	K_D("fault_per_day", fault_per_day, 0, 1e5),
	K_D("false_alarm_per_day", false_alarm_per_day, 0, 1e5),
	K_D("fault_precursor_prob", fault_precursor_prob, 0, 1),
	K_D("ramp_min_min", ramp_min_min, 5, 1440),
	K_D("ramp_max_min", ramp_max_min, 5, 1440),
	K_D("leak_min_h", leak_min_h, 0.1, 48),
	K_D("leak_max_h", leak_max_h, 0.1, 48),
	K_D("storm_min_min", storm_min_min, 5, 1440),
	K_D("storm_max_min", storm_max_min, 5, 1440),
	K_D("repair_h", repair_h, 0.1, 48),
	K_U("max_mig_per_host", max_mig_per_host, 1, 64),
};

int pol_scenario_check(const struct pol_scenario *s, char *err, size_t errlen)
{
	double cores = 0, mem = 0, w = 0;
	unsigned int i;

	if (s->n_racks > s->n_hosts)
		return pol_errf(err, errlen, "racks (%u) > hosts (%u)",
				s->n_racks, s->n_hosts);
	if (s->vm_mem_min_gib > s->vm_mem_max_gib)
		return pol_errf(err, errlen, "vm_mem_min_gib > vm_mem_max_gib");
	if (s->vm_dirty_min_mbps > s->vm_dirty_max_mbps)
		return pol_errf(err, errlen, "vm_dirty_min_mbps > vm_dirty_max_mbps");
	if (s->vm_pkt_min > s->vm_pkt_max)
		return pol_errf(err, errlen, "vm_pkt_min > vm_pkt_max");
	if (s->ramp_min_min > s->ramp_max_min || s->leak_min_h > s->leak_max_h ||
	    s->storm_min_min > s->storm_max_min)
		return pol_errf(err, errlen, "a *_min value exceeds its *_max");
	if (!s->n_host_types)
		return pol_errf(err, errlen, "no host_type");
	for (i = 0; i < s->n_host_types; i++) {
		w += s->host_types[i].weight;
		cores += s->host_types[i].cores;
		mem += s->host_types[i].mem_gib;
		if (s->host_types[i].mem_gib < s->vm_mem_max_gib)
			return pol_errf(err, errlen,
					"host_type %u has less memory than the largest VM",
					i + 1);
	}
	if (w <= 0)
		return pol_errf(err, errlen, "host_type weights sum to zero");
	/* a VM count that cannot be placed is a scenario error, not a crash */
	if ((double)s->n_vms * s->vm_mem_max_gib >
	    0.9 * (mem / s->n_host_types) * s->n_hosts &&
	    (double)s->n_vms * (s->vm_mem_min_gib + s->vm_mem_max_gib) / 2 >
	    0.8 * (mem / s->n_host_types) * s->n_hosts)
		return pol_errf(err, errlen,
				"%u VMs do not fit in %u hosts' memory", s->n_vms,
				s->n_hosts);
	if ((double)s->n_vms * (1 + s->vm_vcpus_max) / 2 >
	    0.8 * s->cpu_overcommit * (cores / s->n_host_types) * s->n_hosts)
		return pol_errf(err, errlen,
				"%u VMs exceed the hosts' vCPU capacity", s->n_vms);
	return 0;
}

/* Split the line into at most 4 words in place. */
static int split(char *line, char **w, int max)
{
	int n = 0;
	char *save = NULL, *tok;

	for (tok = strtok_r(line, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return -1;
		w[n++] = tok;
	}
	return n;
}

static int num(const char *s, double *out)
{
	char *ep;

	errno = 0;
	*out = strtod(s, &ep);
	return errno || *ep || !isfinite(*out) ? -1 : 0;
}

static int parse_line(struct pol_scenario *s, char *line, unsigned int ln,
		      int *types_seen, char *err, size_t errlen)
{
	char *w[4];
	double v[3];
	unsigned int i;
	int n = split(line, w, 4);

	if (n < 0)
		return pol_errf(err, errlen, "line %u: too many words", ln);
	if (n == 0)
		return 0;
	for (i = 1; i < (unsigned int)n; i++)
		if (num(w[i], &v[i - 1]))
			return pol_errf(err, errlen, "line %u: \"%s\" is not a number",
					ln, w[i]);
	if (!strcmp(w[0], "host_type")) {
		struct pol_host_type *ht;

		if (n != 4)
			return pol_errf(err, errlen,
					"line %u: host_type <weight> <cores> <mem_gib>",
					ln);
		if (!*types_seen)
			s->n_host_types = 0;
		*types_seen = 1;
		if (s->n_host_types == POL_MAX_HOST_TYPES)
			return pol_errf(err, errlen, "line %u: more than %d host types",
					ln, POL_MAX_HOST_TYPES);
		if (v[0] < 0 || v[0] > 1e6 || v[1] < 1 || v[1] > 4096 ||
		    v[2] < 1 || v[2] > 65536)
			return pol_errf(err, errlen,
					"line %u: host_type out of range (weight 0..1e6, cores 1..4096, mem 1..65536 GiB)",
					ln);
		ht = &s->host_types[s->n_host_types++];
		ht->weight = v[0];
		ht->cores = v[1];
		ht->mem_gib = v[2];
		return 0;
	}
	for (i = 0; i < sizeof(scn_keys) / sizeof(scn_keys[0]); i++) {
		const struct scn_key *k = &scn_keys[i];

		if (strcmp(w[0], k->name))
			continue;
		if (n != 2)
			return pol_errf(err, errlen, "line %u: %s takes one value",
					ln, k->name);
		if (v[0] < k->min || v[0] > k->max)
			return pol_errf(err, errlen,
					"line %u: %s %g out of range [%g, %g]", ln,
					k->name, v[0], k->min, k->max);
		if (k->is_uint) {
			if (v[0] != floor(v[0]))
				return pol_errf(err, errlen,
						"line %u: %s must be an integer",
						ln, k->name);
			*(unsigned int *)((char *)s + k->off) = (unsigned int)v[0];
		} else {
			*(double *)((char *)s + k->off) = v[0];
		}
		return 0;
	}
	return pol_errf(err, errlen, "line %u: unknown key \"%.40s\"", ln, w[0]);
}

int pol_scenario_parse(struct pol_scenario *s, const char *buf, size_t len,
		       char *err, size_t errlen)
{
	char line[512];
	const char *p = buf, *end = buf + len, *eol;
	unsigned int ln = 0;
	int types_seen = 0, header = 0, ret;
	size_t n;
	char *hash;

	pol_scenario_defaults(s);
	if (len > SCN_MAX_BYTES)
		return pol_errf(err, errlen, "scenario larger than %d bytes",
				SCN_MAX_BYTES);
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		n = (size_t)(eol - p);
		ln++;
		if (n >= sizeof(line))
			return pol_errf(err, errlen, "line %u: longer than %zu bytes",
					ln, sizeof(line) - 1);
		memcpy(line, p, n);
		line[n] = '\0';
		p = eol + 1;
		if (memchr(line, '\0', n))
			return pol_errf(err, errlen, "line %u: NUL byte", ln);
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		n = strlen(line);
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' ||
			     line[n - 1] == '\t'))
			line[--n] = '\0';
		if (!n)
			continue;
		if (!header) {
			if (strcmp(line, "palm-scenario 1"))
				return pol_errf(err, errlen,
						"line %u: expected \"palm-scenario 1\"",
						ln);
			header = 1;
			continue;
		}
		ret = parse_line(s, line, ln, &types_seen, err, errlen);
		if (ret)
			return ret;
	}
	if (!header)
		return pol_errf(err, errlen, "empty scenario (no \"palm-scenario 1\")");
	return pol_scenario_check(s, err, errlen);
}

int pol_scenario_load(struct pol_scenario *s, const char *path, char *err,
		      size_t errlen)
{
	char *buf;
	size_t len;
	FILE *f;
	int ret;

	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	buf = malloc(SCN_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(buf, 1, SCN_MAX_BYTES + 1, f);
	fclose(f);
	ret = pol_scenario_parse(s, buf, len, err, errlen);
	free(buf);
	return ret;
}
