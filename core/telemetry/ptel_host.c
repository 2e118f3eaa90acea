// SPDX-License-Identifier: GPL-2.0
/* Host pressure from /proc and the eBPF host counters (ptel_host.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/telemetry/ptel_host.h"

int ptel_read_file(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd;

	if (!len)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < len - 1) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return (int)n;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (int)got;
}

static int psi_line(const char *p, struct ptel_psi_line *l)
{
	unsigned long long total;

	if (sscanf(p, "avg10=%lf avg60=%lf avg300=%lf total=%llu", &l->avg10,
		   &l->avg60, &l->avg300, &total) != 4)
		return -EINVAL;
	l->total_us = total;
	return 0;
}

int ptel_psi_parse(const char *buf, struct ptel_psi *out)
{
	const char *p = buf;
	bool some = false;
	int err;

	memset(out, 0, sizeof(*out));
	while (*p) {
		if (!strncmp(p, "some ", 5)) {
			err = psi_line(p + 5, &out->some);
			if (err)
				return err;
			some = true;
		} else if (!strncmp(p, "full ", 5)) {
			err = psi_line(p + 5, &out->full);
			if (err)
				return err;
			out->has_full = true;
		} else if (*p != '\n') {
			return -EINVAL;
		}
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return some ? 0 : -EINVAL;
}

/* The value of "key" at the start of a line, in a "key: value" file. */
static int field_u64(const char *buf, const char *key, const char *sep,
		     uint64_t *out)
{
	size_t klen = strlen(key);
	const char *p = buf;
	char *end;

	while (p && *p) {
		if (!strncmp(p, key, klen) && !strncmp(p + klen, sep, strlen(sep))) {
			p += klen + strlen(sep);
			while (*p == ' ')
				p++;
			errno = 0;
			*out = strtoull(p, &end, 10);
			if (end == p || errno)
				return -EINVAL;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

int ptel_meminfo_parse(const char *buf, uint64_t *total, uint64_t *free_kib,
		       uint64_t *avail)
{
	if (field_u64(buf, "MemTotal", ":", total) ||
	    field_u64(buf, "MemFree", ":", free_kib) ||
	    field_u64(buf, "MemAvailable", ":", avail))
		return -EINVAL;
	return 0;
}

int ptel_stat_parse(const char *buf, uint64_t *busy, uint64_t *total)
{
	unsigned long long v[10] = { 0 };
	int n;

	if (strncmp(buf, "cpu ", 4))
		return -EINVAL;
	n = sscanf(buf + 4, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		   &v[8], &v[9]);
	if (n < 4)
		return -EINVAL;
	/* guest and guest_nice are already inside user and nice */
	*total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
	*busy = *total - v[3] - v[4];
	return 0;
}

int ptel_vmstat_parse(const char *buf, uint64_t *allocstalls,
		      uint64_t *oom_kills)
{
	static const char *const stalls[] = {
		"allocstall_dma", "allocstall_dma32", "allocstall_normal",
		"allocstall_movable", "allocstall_device",
	};
	uint64_t v;
	size_t i;

	*allocstalls = 0;
	for (i = 0; i < sizeof(stalls) / sizeof(stalls[0]); i++)
		if (!field_u64(buf, stalls[i], " ", &v))
			*allocstalls += v;
	if (field_u64(buf, "oom_kill", " ", oom_kills))
		*oom_kills = 0;	/* before 4.13 */
	return 0;
}

int ptel_host_read(struct ptel_bpf *b, struct ptel_host_snap *out)
{
	uint64_t counters[PTEL_HOST_NR_COUNTERS];
	char buf[8192];
	int err;

	memset(out, 0, sizeof(*out));
	out->t_ns = ptel_now_ns();
	/* PSI is optional (CONFIG_PSI, psi=0): zeros then. */
	if (ptel_read_file("/proc/pressure/cpu", buf, sizeof(buf)) > 0)
		ptel_psi_parse(buf, &out->cpu);
	if (ptel_read_file("/proc/pressure/memory", buf, sizeof(buf)) > 0)
		ptel_psi_parse(buf, &out->mem);
	err = ptel_read_file("/proc/meminfo", buf, sizeof(buf));
	if (err < 0)
		return err;
	err = ptel_meminfo_parse(buf, &out->mem_total_kib, &out->mem_free_kib,
				 &out->mem_avail_kib);
	if (err)
		return err;
	err = ptel_read_file("/proc/stat", buf, 512);
	if (err < 0)
		return err;
	err = ptel_stat_parse(buf, &out->cpu_busy_ticks, &out->cpu_total_ticks);
	if (err)
		return err;
	err = ptel_read_file("/proc/vmstat", buf, sizeof(buf));
	if (err < 0)
		return err;
	ptel_vmstat_parse(buf, &out->direct_reclaims, &out->oom_kills);
	out->reclaim_src = PTEL_SRC_PROC;
	if (b && !ptel_bpf_host_read(b, counters)) {
		out->reclaim_src = PTEL_SRC_BPF_HOST;
		out->direct_reclaims = counters[PTEL_HOST_DIRECT_RECLAIM];
	}
	return 0;
}

void ptel_host_rates(const struct ptel_host_snap *a,
		     const struct ptel_host_snap *b, struct ptel_host_rates *out)
{
	double dt = b->t_ns > a->t_ns ? (double)(b->t_ns - a->t_ns) / 1e9 : 0;
	uint64_t dtot = b->cpu_total_ticks - a->cpu_total_ticks;

	memset(out, 0, sizeof(*out));
	if (dtot && b->cpu_total_ticks > a->cpu_total_ticks)
		out->cpu_use = (double)(b->cpu_busy_ticks - a->cpu_busy_ticks) /
			       (double)dtot;
	if (dt > 0 && a->reclaim_src == b->reclaim_src &&
	    b->direct_reclaims >= a->direct_reclaims)
		out->direct_reclaims_per_s =
			(double)(b->direct_reclaims - a->direct_reclaims) / dt;
	if (b->oom_kills >= a->oom_kills)
		out->oom_kills = b->oom_kills - a->oom_kills;
}
