// SPDX-License-Identifier: GPL-2.0
/* vCPU thread load from eBPF or schedstat (ptel_vcpu.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/telemetry/ptel_vcpu.h"

int ptel_schedstat_parse(const char *buf, struct ptel_vcpu_times *out)
{
	unsigned long long run, wait, slices;
	int end = 0;

	if (sscanf(buf, "%llu %llu %llu%n", &run, &wait, &slices, &end) != 3)
		return -EINVAL;
	while (buf[end] == ' ' || buf[end] == '\n')
		end++;
	if (buf[end])
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->src = PTEL_SRC_SCHEDSTAT;
	out->oncpu_ns = run;
	out->wait_ns = wait;
	out->slices = slices;
	return 0;
}

int ptel_schedstat_read(pid_t pid, pid_t tid, struct ptel_vcpu_times *out)
{
	char path[64], buf[128];
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)pid,
		 (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	err = ptel_schedstat_parse(buf, out);
	if (err)
		return err;
	out->t_ns = ptel_now_ns();
	return 0;
}

int ptel_vcpu_times_read(struct ptel_bpf *b, pid_t pid, pid_t tid,
			 struct ptel_vcpu_times *out)
{
	struct ptel_task_sched t;

	if (b && !ptel_bpf_task_read(b, tid, &t)) {
		memset(out, 0, sizeof(*out));
		out->src = PTEL_SRC_BPF_SCHED;
		out->t_ns = ptel_now_ns();
		out->oncpu_ns = t.oncpu_ns;
		out->wait_ns = t.wait_ns;
		out->slices = t.switches_in;
		out->wakeups = t.wakeups;
		return 0;
	}
	return ptel_schedstat_read(pid, tid, out);
}

static double share(uint64_t a, uint64_t b, double dt)
{
	double v = b > a ? (double)(b - a) / dt : 0;

	return v > 1.0 ? 1.0 : v;
}

int ptel_vcpu_load(const struct ptel_vcpu_times *a,
		   const struct ptel_vcpu_times *b, struct ptel_vcpu_load *out)
{
	double dt;

	if (a->src != b->src || b->t_ns <= a->t_ns)
		return -EINVAL;
	dt = (double)(b->t_ns - a->t_ns);
	out->src = b->src;
	out->load = share(a->oncpu_ns, b->oncpu_ns, dt);
	out->wait = share(a->wait_ns, b->wait_ns, dt);
	out->wakeups_per_s = b->wakeups > a->wakeups ?
		(double)(b->wakeups - a->wakeups) * 1e9 / dt : 0;
	return 0;
}
