// SPDX-License-Identifier: GPL-2.0
/*
 * palmctl top: a live view of the VMs on this host -- dirty rate, working
 * set, vCPU load and wait, memory -- and the host's pressure.
 *
 * VMs: every --qmp SOCK given (the QEMU behind it is found with
 * SO_PEERCRED), else every qemu-system-* process in /proc with its -qmp
 * unix: socket.  vCPU threads come from their names when QEMU runs with
 * -name ...,debug-threads=on, else from query-cpus-fast; a monitor that
 * another client holds (QEMU serves one at a time) times out after 1 s
 * and that VM is shown without vCPUs.
 *
 * On a terminal the view refreshes in place, one row per VM and one per
 * vCPU under it; 'q' quits (the terminal is put in non-canonical mode
 * for that and restored on the way out).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/palmctl.h"
#include "core/parse_units.h"
#include "core/telemetry/ptel_sampler.h"
#include "qmp/qmp_client.h"

#define TOP_MAX_VMS 256
#define TOP_MAX_QMP 64

struct top_args {
	bool once, json, no_bpf;
	int interval_ms, count, measure_s;
	int nqmp;
	const char *qmp[TOP_MAX_QMP];
};

static volatile sig_atomic_t top_stop;

static void on_signal(int sig)
{
	(void)sig;
	top_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: palmctl top [--once] [--json] [--interval MS] [--count N]\n"
		"                   [--qmp SOCK]... [--measure SECONDS] [--no-bpf]\n"
		"\n"
		"  --once          print one snapshot (two samples an interval apart) and exit\n"
		"  --json          one snapshot as JSON (implies --once)\n"
		"  --interval MS   refresh period, default 1000\n"
		"  --count N       stop after N refreshes\n"
		"  --qmp SOCK      watch the QEMU behind this QMP socket (repeatable);\n"
		"                  default: every qemu-system-* process on this host\n"
		"  --measure S     first measure each VM's dirtying for S seconds through QMP:\n"
		"                  eBPF on the dirty ring (KVM with dirty-ring-size), else\n"
		"                  QEMU's page-sampling\n"
		"  --no-bpf        do not load eBPF programs (QMP and /proc only)\n"
		"\n"
		"In the live view, q quits.\n");
}

static int parse_args(int argc, char **argv, struct top_args *a)
{
	static const struct option opts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "qmp", required_argument, NULL, 'q' },
		{ "measure", required_argument, NULL, 'm' },
		{ "no-bpf", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t v;
	int c;

	memset(a, 0, sizeof(*a));
	a->interval_ms = 1000;
	optind = 1;
	while ((c = getopt_long(argc, argv, "oji:n:q:m:Bh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': a->once = true; break;
		case 'j': a->json = a->once = true; break;
		case 'B': a->no_bpf = true; break;
		case 'h': usage(stdout); return 1;
		case 'q':
			if (a->nqmp == TOP_MAX_QMP) {
				fprintf(stderr, "palmctl top: at most %d --qmp\n", TOP_MAX_QMP);
				return -EINVAL;
			}
			a->qmp[a->nqmp++] = optarg;
			break;
		case 'i': case 'n': case 'm':
			if (parse_int64(optarg, c == 'i' ? 10 : 1, 3600000, &v)) {
				fprintf(stderr, "palmctl top: bad value '%s'\n", optarg);
				return -EINVAL;
			}
			if (c == 'i')
				a->interval_ms = (int)v;
			else if (c == 'n')
				a->count = (int)v;
			else
				a->measure_s = (int)v;
			break;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static int connect_qmp(const char *sock, struct qmp_client **c)
{
	char addr[160];

	snprintf(addr, sizeof(addr), "%s%s", strncmp(sock, "unix:", 5) ? "unix:" : "", sock);
	return qmp_connect(addr, 2000, c);
}

/* The VM behind a QMP socket: its pid from the socket, vCPUs from QMP. */
static int vm_from_qmp(const char *sock, struct ptel_vm *vm)
{
	struct qmp_client *c;
	pid_t pid;
	int err;

	err = connect_qmp(sock, &c);
	if (err) {
		fprintf(stderr, "palmctl top: %s: %s\n", sock, qmp_connect_error());
		return err;
	}
	err = ptel_socket_peer_pid(qmp_fd(c), &pid);
	if (!err)
		err = ptel_vm_from_pid(pid, vm);
	if (!err) {
		ptel_vm_vcpus_qmp(vm, c);
		snprintf(vm->qmp_path, sizeof(vm->qmp_path), "%s",
			 strncmp(sock, "unix:", 5) ? sock : sock + 5);
	} else {
		fprintf(stderr, "palmctl top: %s: not a QEMU process we can see: %s\n",
			sock, strerror(-err));
	}
	qmp_close(c);
	return err;
}

static void vcpus_from_qmp(struct ptel_vm *vm)
{
	struct qmp_client *c;
	char addr[160];

	snprintf(addr, sizeof(addr), "unix:%s", vm->qmp_path);
	if (qmp_connect(addr, 1000, &c)) {
		fprintf(stderr, "palmctl top: %s: no vCPU threads by name, and QMP %s: %s\n",
			vm->name, vm->qmp_path, qmp_connect_error());
		return;
	}
	ptel_vm_vcpus_qmp(vm, c);
	qmp_close(c);
}

/* A dirty-page measurement through QMP: eBPF on the dirty ring when
 * possible, QEMU's page-sampling otherwise; the result says which. */
static void measure_vm(struct ptel_sampler *s, struct ptel_bpf *b, int i,
		       int calc_s)
{
	const struct ptel_vm_sample *v = ptel_sampler_vm(s, i);
	struct ptel_dirty_measure m;
	struct qmp_client *c;
	int err = -EOPNOTSUPP;

	if (!v->vm.qmp_path[0]) {
		fprintf(stderr, "palmctl top: %s: no QMP socket to measure with\n",
			v->vm.name);
		return;
	}
	if (connect_qmp(v->vm.qmp_path, &c)) {
		fprintf(stderr, "palmctl top: %s: %s\n", v->vm.name,
			qmp_connect_error());
		return;
	}
	if (v->vm.kvm && (ptel_bpf_groups(b) & PTEL_BPF_DIRTY))
		err = ptel_dirty_measure(b, c, v->vm.pid, calc_s, 250, &m);
	/* No dirty ring in this QEMU (or no eBPF): QEMU samples pages. */
	if (err)
		err = ptel_dirty_measure_qmp(c, calc_s, "page-sampling", &m);
	if (err)
		fprintf(stderr, "palmctl top: %s: dirty rate: %s\n", v->vm.name,
			qmp_last_error(c)[0] ? qmp_last_error(c) : strerror(-err));
	else
		ptel_sampler_set_measure(s, i, &m);
	qmp_close(c);
}

/* Keys are read only in the live view, from a terminal. */
struct top_keys {
	bool active;
	struct termios saved;
};

static void keys_start(struct top_keys *k)
{
	struct termios raw;

	k->active = false;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &k->saved))
		return;
	raw = k->saved;
	raw.c_lflag &= ~(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
		k->active = true;
}

static void keys_stop(struct top_keys *k)
{
	if (k->active)
		tcsetattr(STDIN_FILENO, TCSANOW, &k->saved);
	k->active = false;
}

/* Wait ms, or less when a signal or 'q' ends the view. */
static void wait_ms(const struct top_keys *k, int ms)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	char c;

	if (!k->active) {
		while (!top_stop && nanosleep(&ts, &ts) && errno == EINTR)
			;
		return;
	}
	if (poll(&pfd, 1, ms) > 0 && read(STDIN_FILENO, &c, 1) == 1 &&
	    (c == 'q' || c == 'Q'))
		top_stop = 1;
}

static void print_vcpus(const struct ptel_vm_sample *v)
{
	int c;

	for (c = 0; c < v->vm.nvcpu && c < PTEL_VM_MAX_VCPUS; c++)
		printf("  vcpu %-3d tid %-8d %6.2f %6.2f %8.0f wakeups/s  (%s)\n", c,
		       (int)v->vm.vcpu_tid[c], v->vcpu[c].load, v->vcpu[c].wait,
		       v->vcpu[c].wakeups_per_s, ptel_source_name(v->vcpu[c].src));
}

static void print_text(const struct ptel_sampler *s, struct ptel_bpf *b,
		       bool live)
{
	const struct ptel_host_sample *h = ptel_sampler_host(s);
	unsigned int g = ptel_bpf_groups(b);
	const struct ptel_vm_sample *v;
	char dirty[32], ws[48];
	int i;

	if (live)
		printf("\033[H\033[2J");
	printf("palm top: %d VM(s)  host cpu %.0f%%  mem avail %.1f/%.1f GiB  "
	       "psi cpu %.1f%% mem %.1f%%  reclaim %.0f/s (%s)  oom %llu\n",
	       ptel_sampler_nvm(s), h->rates.cpu_use * 100,
	       h->snap.mem_avail_kib / 1048576.0, h->snap.mem_total_kib / 1048576.0,
	       h->snap.cpu.some.avg10, h->snap.mem.some.avg10,
	       h->rates.direct_reclaims_per_s, ptel_source_name(h->snap.reclaim_src),
	       (unsigned long long)h->snap.oom_kills);
	printf("eBPF: %s%s%s%s%s\n\n", g ? "" : "off (QMP and /proc fallbacks)",
	       g & PTEL_BPF_DIRTY ? "dirty-ring " : "", g & PTEL_BPF_SCHED ? "sched " : "",
	       g & PTEL_BPF_HOST ? "host " : "", g & PTEL_BPF_RAS ? "ras" : "");
	printf("%-7s %-16s %4s %6s %6s %8s %12s %-17s %s\n", "PID", "NAME", "VCPU",
	       "LOAD", "WAIT", "RSS_MiB", "DIRTY_pg/s", "DIRTY_SRC", "WORKING_SET");
	for (i = 0; i < ptel_sampler_nvm(s); i++) {
		v = ptel_sampler_vm(s, i);
		snprintf(dirty, sizeof(dirty), "-");
		snprintf(ws, sizeof(ws), "-");
		if (v->dirty_src != PTEL_SRC_NONE)
			snprintf(dirty, sizeof(dirty), "%.0f", v->dirty_pages_per_s);
		if (v->has_measure) {
			if (v->dirty_src == PTEL_SRC_NONE)
				snprintf(dirty, sizeof(dirty), "%.0f", v->measure.pages_per_s);
			if (v->measure.src == PTEL_SRC_BPF_DIRTY_RING)
				snprintf(ws, sizeof(ws), "%llu pages in %u ms",
					 (unsigned long long)v->measure.distinct,
					 v->measure.window_ms);
		}
		printf("%-7d %-16.16s %4d %6.2f %6.2f %8.1f %12s %-17s %s%s\n",
		       (int)v->vm.pid, v->vm.name, v->vm.nvcpu, v->load_sum,
		       v->wait_max, v->rss_kib / 1024.0, dirty,
		       v->dirty_src != PTEL_SRC_NONE ? ptel_source_name(v->dirty_src) :
		       v->has_measure ? ptel_source_name(v->measure.src) : "-",
		       ws, v->alive ? "" : " (exited)");
		print_vcpus(v);
	}
	fflush(stdout);
}

int palmctl_top(int argc, char **argv)
{
	struct ptel_vm *vms = NULL;
	struct ptel_sampler *s = NULL;
	struct ptel_bpf *b = NULL;
	struct top_keys keys = { 0 };
	struct top_args a;
	char why[256];
	int i, n = 0, err, ret = PALMCTL_FAILED, round;
	json_t *j;

	err = parse_args(argc, argv, &a);
	if (err)
		return err > 0 ? PALMCTL_OK : PALMCTL_USAGE;
	vms = calloc(TOP_MAX_VMS, sizeof(*vms));
	if (!vms)
		goto cleanup;
	if (!a.no_bpf && ptel_bpf_open(PTEL_BPF_ALL, &b, why, sizeof(why)))
		fprintf(stderr, "palmctl top: eBPF unavailable, using QMP and /proc: %s\n", why);
	else if (b && ptel_bpf_groups(b) != PTEL_BPF_ALL)
		fprintf(stderr, "palmctl top: some eBPF programs did not load: %s\n", why);
	if (a.nqmp) {
		for (i = 0; i < a.nqmp; i++)
			if (!vm_from_qmp(a.qmp[i], &vms[n]))
				n++;
	} else {
		err = ptel_vm_scan(vms, TOP_MAX_VMS, &n);
		if (err == -ENOBUFS)
			n = TOP_MAX_VMS;
		else if (err)
			fprintf(stderr, "palmctl top: /proc: %s\n", strerror(-err));
		for (i = 0; i < n; i++)
			if (!vms[i].nvcpu && vms[i].qmp_path[0])
				vcpus_from_qmp(&vms[i]);
	}
	if (ptel_sampler_new(b, 1000, &s))
		goto cleanup;
	for (i = 0; i < n; i++)
		if (ptel_sampler_add_vm(s, &vms[i]))
			goto cleanup;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (i = 0; a.measure_s && i < n && !top_stop; i++)
		measure_vm(s, b, i, a.measure_s);
	if (!a.once && !a.json && isatty(STDOUT_FILENO))
		keys_start(&keys);
	/* Rates need two samples. */
	if (ptel_sampler_tick(s))
		goto cleanup;
	for (round = 0; !top_stop; round++) {
		wait_ms(&keys, a.once ? (a.interval_ms < 500 ? a.interval_ms : 500) :
				       a.interval_ms);
		if (top_stop)
			break;
		err = ptel_sampler_tick(s);
		if (err) {
			fprintf(stderr, "palmctl top: sampling: %s\n", strerror(-err));
			goto cleanup;
		}
		if (a.json) {
			j = ptel_sampler_json(s);
			if (!j || json_dumpf(j, stdout, JSON_INDENT(2)))
				goto cleanup;
			json_decref(j);
			printf("\n");
		} else {
			print_text(s, b, !a.once && isatty(STDOUT_FILENO));
		}
		if (a.once || (a.count && round + 1 >= a.count))
			break;
	}
	ret = PALMCTL_OK;
cleanup:
	keys_stop(&keys);
	ptel_sampler_free(s);
	ptel_bpf_close(b);
	free(vms);
	return ret;
}
