// SPDX-License-Identifier: GPL-2.0
/*
 * ptel_bench: what palm's telemetry costs and how accurate it is.
 *
 *   ptel_bench loop N HZ SECONDS [nojson]
 *	the sampling loop over N VMs at HZ for SECONDS: CPU% of one core
 *	and RSS of this process.  The VMs are N child processes with one
 *	sleeping "vCPU" thread each, tracked like real ones (eBPF sched
 *	accounting, dirty window, /proc reads); QEMU is not needed.
 *   ptel_bench dirty QMP_SOCK QEMU_PID SERIAL_LOG WS_PAGES CALC_S
 *	one eBPF dirty-ring measurement (with kernel BPF stats on: ns per
 *	event) and one QEMU page-sampling measurement of the same guest,
 *	each against the guest's own count.
 *   ptel_bench cost QMP_SOCK QEMU_PID SERIAL_LOG CALC_S REPS
 *	the floor and the price of the parts of the dirty program: each
 *	body of bpf/ptel_cost.bpf.c, then palm's own ptel_dirty_push, then
 *	nothing, attached alone on kvm_dirty_ring_push for a dirty-ring
 *	window of CALC_S s; per body the kernel's run_time_ns/run_cnt and,
 *	independently, the guest's own write rate (run it with rate=max:
 *	each write to a clean page is one push, so a dearer program shows
 *	as a slower guest).  Then bpf_prog_test_run of the raw_tp bodies
 *	timed from user space, with BPF stats on and off (the stats' own
 *	clock reads).
 * One JSON object per line on stdout.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "core/guest_log.h"
#include "core/telemetry/ptel_sampler.h"
#include "generated/palm_config.h"
#include "qmp/qmp_client.h"

#if IS_ENABLED(CONFIG_PALM_BPF)
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ptel_cost.skel.h"
#endif

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static long status_kib(const char *key)
{
	char buf[4096], *p;
	long v = -1;

	if (ptel_read_file("/proc/self/status", buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, key);
	if (p)
		sscanf(p + strlen(key), "%ld", &v);
	return v;
}

static void *fake_vcpu(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "CPU 0/KVM");
	for (;;)
		pause();
	return NULL;
}

static pid_t fake_vm(void)
{
	pthread_t th;
	pid_t pid = fork();

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	pthread_create(&th, NULL, fake_vcpu, NULL);
	for (;;)
		pause();
}

static int run_loop(int nvm, int hz, int seconds, bool json)
{
	struct ptel_sampler *s = NULL;
	struct ptel_bpf *b = NULL;
	pid_t *pids;
	struct ptel_vm vm;
	uint64_t t, period = 1000000000ULL / (uint64_t)hz, end;
	double c0, c1, wall0;
	long ticks = 0;
	char why[256];
	int i, err = 0;

	pids = calloc((size_t)nvm, sizeof(*pids));
	if (!pids)
		return -ENOMEM;
	for (i = 0; i < nvm; i++)
		pids[i] = fake_vm();
	usleep(200000);
	if (ptel_bpf_open(PTEL_BPF_ALL, &b, why, sizeof(why)))
		fprintf(stderr, "ptel_bench: eBPF: %s\n", why);
	err = ptel_sampler_new(b, 1000, &s);
	for (i = 0; !err && i < nvm; i++) {
		memset(&vm, 0, sizeof(vm));
		vm.pid = pids[i];
		vm.kvm = true;
		snprintf(vm.name, sizeof(vm.name), "fake%d", i);
		err = ptel_vm_vcpus_by_name(&vm);
		if (!err)
			err = ptel_sampler_add_vm(s, &vm);
	}
	if (err)
		goto out;
	c0 = cpu_s();
	wall0 = (double)ptel_now_ns();
	t = ptel_now_ns();
	end = t + (uint64_t)seconds * 1000000000ULL;
	for (; t < end; t += period) {
		struct timespec ts = { .tv_sec = (time_t)(t / 1000000000ULL),
				       .tv_nsec = (long)(t % 1000000000ULL) };
		json_t *j;

		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		err = ptel_sampler_tick(s);
		if (err)
			goto out;
		/* what palmd does with a sample: serialise it */
		if (json) {
			j = ptel_sampler_json(s);
			json_decref(j);
		}
		ticks++;
	}
	c1 = cpu_s();
	printf("{\"mode\":\"loop\",\"json_per_tick\":%s,\"vms\":%d,\"hz\":%d,\"seconds\":%d,\"ticks\":%ld,"
	       "\"bpf_groups\":%u,\"cpu_percent_of_one_core\":%.3f,"
	       "\"cpu_us_per_tick\":%.1f,\"rss_kib\":%ld,\"rss_peak_kib\":%ld}\n",
	       json ? "true" : "false", nvm, hz, seconds, ticks, ptel_bpf_groups(b),
	       100.0 * (c1 - c0) / (((double)ptel_now_ns() - wall0) / 1e9),
	       1e6 * (c1 - c0) / (double)ticks, status_kib("VmRSS:"),
	       status_kib("VmHWM:"));
out:
	ptel_sampler_free(s);
	ptel_bpf_close(b);
	for (i = 0; i < nvm; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	free(pids);
	return err;
}

static int last_hb(const char *path, struct guest_heartbeat *hb)
{
	struct guest_line gl;
	char line[512];
	FILE *f = fopen(path, "r");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		if (!n || line[n - 1] != '\n')
			break;
		line[--n] = '\0';
		if (!guest_parse_line(line, n, &gl) && gl.kind == GUEST_LINE_HEARTBEAT) {
			*hb = gl.hb;
			err = 0;
		}
	}
	fclose(f);
	return err;
}

struct prog_cost {
	const char *name;
	uint64_t ns0, cnt0, ns1, cnt1;
};

static void prog_costs(struct ptel_bpf *b, struct prog_cost *p, int n, bool after)
{
	int i;

	for (i = 0; i < n; i++)
		ptel_bpf_prog_stats(b, p[i].name, after ? &p[i].ns1 : &p[i].ns0,
				    after ? &p[i].cnt1 : &p[i].cnt0);
}

static int run_dirty(const char *sock, pid_t pid, const char *serial,
		     double ws_pages, int calc_s)
{
	struct prog_cost costs[] = {
		{ .name = "ptel_dirty_push" }, { .name = "ptel_sched_switch" },
		{ .name = "ptel_sched_wakeup" },
	};
	struct ptel_dirty_measure m, q;
	struct guest_heartbeat a, z, a2, z2;
	struct qmp_client *c = NULL;
	struct ptel_bpf *b = NULL;
	double rate, expect, rate2, expect2;
	char why[256], addr[160];
	int err, stats_fd = -1, i;

	err = ptel_bpf_open(PTEL_BPF_DIRTY | PTEL_BPF_SCHED, &b, why, sizeof(why));
	if (err) {
		fprintf(stderr, "ptel_bench: eBPF: %s\n", why);
		return err;
	}
#if IS_ENABLED(CONFIG_PALM_BPF)
	/* run_time_ns/run_cnt are kept only while this fd is open */
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
#endif
	snprintf(addr, sizeof(addr), "unix:%s", sock);
	err = qmp_connect(addr, 5000, &c);
	if (err) {
		fprintf(stderr, "ptel_bench: %s\n", qmp_connect_error());
		goto out;
	}
	err = last_hb(serial, &a);
	prog_costs(b, costs, 3, false);
	if (!err)
		err = ptel_dirty_measure(b, c, pid, calc_s, 250, &m);
	prog_costs(b, costs, 3, true);
	usleep(50000);
	if (!err)
		err = last_hb(serial, &z);
	if (!err)
		err = last_hb(serial, &a2);
	if (!err)
		err = ptel_dirty_measure_qmp(c, calc_s, "page-sampling", &q);
	usleep(50000);
	if (!err)
		err = last_hb(serial, &z2);
	if (err) {
		fprintf(stderr, "ptel_bench: dirty: %s %s\n", strerror(-err),
			qmp_last_error(c));
		goto out;
	}
	rate = (double)(z.work - a.work) / (double)(z.t_ms - a.t_ms);
	expect = ptel_expected_distinct(ws_pages, rate * m.window_ms);
	rate2 = (double)(z2.work - a2.work) / (double)(z2.t_ms - a2.t_ms);
	expect2 = ptel_expected_distinct(ws_pages, rate2 * q.window_ms);
	printf("{\"mode\":\"dirty\",\"calc_s\":%d,\"ws_pages\":%.0f,"
	       "\"guest_pages_per_ms\":%.3f,\"expected_distinct\":%.0f,"
	       "\"bpf\":{\"distinct\":%llu,\"pushes\":%llu,\"error_pct\":%.2f,"
	       "\"time_to_answer_ms\":%u,\"qemu_dirty_ring_mbps\":%lld,"
	       "\"working_set\":[",
	       calc_s, ws_pages, rate, expect, (unsigned long long)m.distinct,
	       (unsigned long long)m.pushes,
	       100.0 * ((double)m.distinct - expect) / expect, m.time_to_answer_ms,
	       (long long)m.qemu_mbps);
	for (i = 0; i < (int)m.npoints; i++)
		printf("%s[%u,%llu]", i ? "," : "", m.curve[i].t_ms,
		       (unsigned long long)m.curve[i].distinct);
	printf("]},\"page_sampling\":{\"guest_pages_per_ms\":%.3f,"
	       "\"expected_distinct\":%.0f,\"qemu_mbps\":%lld,\"pages\":%.0f,"
	       "\"error_pct\":%.2f,\"time_to_answer_ms\":%u},\"bpf_cost\":[",
	       rate2, expect2, (long long)q.qemu_mbps,
	       q.pages_per_s * q.window_ms / 1000.0,
	       100.0 * (q.pages_per_s * q.window_ms / 1000.0 - expect2) / expect2,
	       q.time_to_answer_ms);
	for (i = 0; i < 3; i++) {
		uint64_t dn = costs[i].ns1 - costs[i].ns0;
		uint64_t dc = costs[i].cnt1 - costs[i].cnt0;

		printf("%s{\"prog\":\"%s\",\"events\":%llu,\"ns_per_event\":%.1f}",
		       i ? "," : "", costs[i].name, (unsigned long long)dc,
		       dc ? (double)dn / (double)dc : -1.0);
	}
	printf("],\"bpf_stats\":%s}\n", stats_fd >= 0 ? "true" : "false");
out:
	if (stats_fd >= 0)
		close(stats_fd);
	qmp_close(c);
	ptel_bpf_close(b);
	return err;
}

#if IS_ENABLED(CONFIG_PALM_BPF)
static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void prog_run_stats(int fd, uint64_t *ns, uint64_t *cnt)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	*ns = *cnt = 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		*ns = info.run_time_ns;
		*cnt = info.run_cnt;
	}
}

/*
 * One dirty-ring window of calc_s s with prog attached alone (name "none":
 * nothing; "ptel_dirty_push": palm's dirty group with a window open).
 */
static int cost_window(struct ptel_cost_bpf *sk, const char *name,
		       struct qmp_client *c, pid_t pid, const char *serial,
		       int calc_s)
{
	struct bpf_program *prog = NULL;
	struct bpf_link *link = NULL;
	struct ptel_bpf *b = NULL;
	struct ptel_dirty_measure q;
	struct guest_heartbeat a, z;
	uint64_t ns0 = 0, c0 = 0, ns1 = 0, c1 = 0;
	char why[256];
	int err, fd = -1;

	if (!strcmp(name, "ptel_dirty_push")) {
		err = ptel_bpf_open(PTEL_BPF_DIRTY, &b, why, sizeof(why));
		if (err) {
			fprintf(stderr, "ptel_bench: eBPF: %s\n", why);
			return err;
		}
		err = ptel_bpf_dirty_new_window(b, pid);
		if (err)
			goto out;
	} else if (strcmp(name, "none")) {
		prog = bpf_object__find_program_by_name(sk->obj, name);
		if (!prog)
			return -ENOENT;
		link = bpf_program__attach(prog);
		if (!link) {	/* classic tp needs tracefs mounted */
			printf("{\"mode\":\"cost\",\"prog\":\"%s\",\"attach\":\"%s\"}\n",
			       name, strerror(errno));
			return 0;
		}
		fd = bpf_program__fd(prog);
	}
	err = last_hb(serial, &a);
	if (err)
		goto out;
	if (fd >= 0)
		prog_run_stats(fd, &ns0, &c0);
	else if (b)
		ptel_bpf_prog_stats(b, name, &ns0, &c0);
	err = ptel_dirty_measure_qmp(c, calc_s, "dirty-ring", &q);
	if (fd >= 0)
		prog_run_stats(fd, &ns1, &c1);
	else if (b)
		ptel_bpf_prog_stats(b, name, &ns1, &c1);
	if (!err)
		err = last_hb(serial, &z);
	if (err)
		goto out;
	printf("{\"mode\":\"cost\",\"prog\":\"%s\",\"calc_s\":%d,"
	       "\"events\":%llu,\"ns_per_event\":%.1f,"
	       "\"qemu_dirty_ring_mbps\":%lld,\"guest_pages_per_ms\":%.2f}\n",
	       name, calc_s, (unsigned long long)(c1 - c0),
	       c1 > c0 ? (double)(ns1 - ns0) / (double)(c1 - c0) : -1.0,
	       (long long)q.qemu_mbps,
	       z.t_ms > a.t_ms ? (double)(z.work - a.work) /
				 (double)(z.t_ms - a.t_ms) : -1.0);
	fflush(stdout);
out:
	bpf_link__destroy(link);
	ptel_bpf_close(b);
	return err;
}

/* n test runs of a raw_tp body, timed here: ns per call incl. the syscall. */
static void cost_test_run(struct bpf_program *prog, int n, bool stats)
{
	__u64 args[3] = { 0, 1, 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args,
		    .ctx_size_in = sizeof(args));
	uint64_t t0, t1, ns0, c0, ns1, c1;
	int fd = bpf_program__fd(prog), i, err = 0;

	prog_run_stats(fd, &ns0, &c0);
	t0 = mono_ns();
	for (i = 0; i < n && !err; i++) {
		args[2] = (__u64)i * 2654435761ULL % 65536;	/* a 256 MiB guest */
		err = bpf_prog_test_run_opts(fd, &o);
	}
	t1 = mono_ns();
	prog_run_stats(fd, &ns1, &c1);
	printf("{\"mode\":\"cost_test_run\",\"prog\":\"%s\",\"bpf_stats\":%s,"
	       "\"runs\":%d,\"err\":%d,\"ns_per_call\":%.1f,"
	       "\"stats_ns_per_run\":%.1f}\n",
	       bpf_program__name(prog), stats ? "true" : "false", i, err,
	       (double)(t1 - t0) / n,
	       c1 > c0 ? (double)(ns1 - ns0) / (double)(c1 - c0) : -1.0);
	fflush(stdout);
}

static int run_cost(const char *sock, pid_t pid, const char *serial,
		    int calc_s, int reps)
{
	struct ptel_cost_bpf *sk;
	struct bpf_program *prog;
	struct qmp_client *c = NULL;
	char addr[160];
	int err = 0, stats_fd, r;

	sk = ptel_cost_bpf__open_and_load();
	if (!sk) {
		fprintf(stderr, "ptel_bench: cost: load: %s\n", strerror(errno));
		return -errno;
	}
	sk->bss->cost_old_epoch = 1;
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	snprintf(addr, sizeof(addr), "unix:%s", sock);
	err = qmp_connect(addr, 5000, &c);
	if (err) {
		fprintf(stderr, "ptel_bench: %s\n", qmp_connect_error());
		goto out;
	}
	for (r = 0; r < reps && !err; r++) {
		err = cost_window(sk, "none", c, pid, serial, calc_s);
		bpf_object__for_each_program(prog, sk->obj)
			if (!err)
				err = cost_window(sk, bpf_program__name(prog), c,
						  pid, serial, calc_s);
		if (!err)
			err = cost_window(sk, "ptel_dirty_push", c, pid, serial,
					  calc_s);
	}
	if (err) {
		fprintf(stderr, "ptel_bench: cost: %s %s\n", strerror(-err),
			qmp_last_error(c));
		goto out;
	}
	for (r = 0; r < 2; r++) {
		bpf_object__for_each_program(prog, sk->obj)
			if (bpf_program__type(prog) == BPF_PROG_TYPE_RAW_TRACEPOINT)
				cost_test_run(prog, 200000, stats_fd >= 0);
		if (stats_fd >= 0) {	/* again without the stats' clock reads */
			close(stats_fd);
			stats_fd = -1;
		}
	}
out:
	if (stats_fd >= 0)
		close(stats_fd);
	qmp_close(c);
	ptel_cost_bpf__destroy(sk);
	return err;
}
#endif

int main(int argc, char **argv)
{
	int err = -EINVAL;

	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "loop"))
		err = run_loop(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]),
			       argc == 5 || strcmp(argv[5], "nojson"));
	else if (argc == 7 && !strcmp(argv[1], "dirty"))
		err = run_dirty(argv[2], (pid_t)atoi(argv[3]), argv[4],
				atof(argv[5]), atoi(argv[6]));
#if IS_ENABLED(CONFIG_PALM_BPF)
	else if (argc == 7 && !strcmp(argv[1], "cost"))
		err = run_cost(argv[2], (pid_t)atoi(argv[3]), argv[4],
			       atoi(argv[5]), atoi(argv[6]));
#endif
	else
		fprintf(stderr, "usage: ptel_bench loop N HZ SECONDS [nojson]\n"
			"       ptel_bench dirty QMP_SOCK QEMU_PID SERIAL_LOG WS_PAGES CALC_S\n"
			"       ptel_bench cost QMP_SOCK QEMU_PID SERIAL_LOG CALC_S REPS\n");
	return err ? 1 : 0;
}
