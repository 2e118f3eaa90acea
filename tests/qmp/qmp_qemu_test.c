// SPDX-License-Identifier: GPL-2.0
/*
 * The QMP client, commands and feature probe against a real QEMU
 * (qemu-system-x86_64, TCG, no guest: a paused machine is enough).
 * Skipped when QEMU is not installed.
 */
#include "tests/lib/harness.h"
#include "qmp/qmp_client.h"
#include "qmp/qmp_commands.h"
#include "qmp/qmp_ctl_probe.h"
#include "qmp/qmp_features.h"
#include "qmp/qmp_peer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define QEMU_BIN "qemu-system-x86_64"
#define T_MS 5000

struct vm {
	pid_t pid;
	char dir[64];
	char qmp[128];		/* "unix:<dir>/qmp.sock" */
	char log[128];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool qemu_installed(void)
{
	const char *path = getenv("PATH");
	char buf[512];
	size_t n;

	while (path && *path) {
		n = strcspn(path, ":");
		snprintf(buf, sizeof(buf), "%.*s/" QEMU_BIN, (int)n, path);
		if (access(buf, X_OK) == 0)
			return true;
		path = path[n] ? path + n + 1 : NULL;
	}
	return false;
}

/* Starts a paused machine; extra: NULL-terminated further arguments. */
static int vm_start(struct vm *vm, const char *const *extra)
{
	const char *argv[32];
	char sock[160];
	int argc = 0, fd;

	memset(vm, 0, sizeof(*vm));
	snprintf(vm->dir, sizeof(vm->dir), "/tmp/palm-qmp-XXXXXX");
	if (!mkdtemp(vm->dir)) {
		vm->dir[0] = '\0';
		return -errno;
	}
	snprintf(vm->qmp, sizeof(vm->qmp), "unix:%s/qmp.sock", vm->dir);
	snprintf(vm->log, sizeof(vm->log), "%s/stderr.log", vm->dir);
	snprintf(sock, sizeof(sock), "%s,server=on,wait=off", vm->qmp);

	argv[argc++] = QEMU_BIN;
	argv[argc++] = "-machine";
	argv[argc++] = "pc";
	argv[argc++] = "-accel";
	argv[argc++] = "tcg";
	argv[argc++] = "-nodefaults";
	argv[argc++] = "-no-user-config";
	argv[argc++] = "-display";
	argv[argc++] = "none";
	argv[argc++] = "-m";
	argv[argc++] = "64M";
	argv[argc++] = "-qmp";
	argv[argc++] = sock;
	argv[argc++] = "-S";
	while (extra && *extra && argc < 30)
		argv[argc++] = *extra++;
	argv[argc] = NULL;

	vm->pid = fork();
	if (vm->pid < 0)
		return -errno;
	if (vm->pid == 0) {
		/* stdout is the TAP stream: keep QEMU's chatter out of it */
		fd = open(vm->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return 0;
}

/* Connects once QEMU has created its socket. */
static int vm_connect(struct vm *vm, struct qmp_client **c)
{
	long long deadline = now_ms() + 10000;
	int r, status;

	for (;;) {
		r = qmp_connect(vm->qmp, T_MS, c);
		if (r != -ENOENT && r != -ECONNREFUSED)
			return r;
		if (waitpid(vm->pid, &status, WNOHANG) == vm->pid) {
			vm->pid = 0;
			return -ECHILD;
		}
		if (now_ms() > deadline)
			return -ETIMEDOUT;
		usleep(20000);
	}
}

static void vm_dump_log(const struct vm *vm)
{
	char line[256];
	FILE *f = fopen(vm->log, "r");

	while (f && fgets(line, sizeof(line), f))
		TH_LOG("qemu: %.*s", (int)strcspn(line, "\n"), line);
	if (f)
		fclose(f);
}

static void vm_stop(struct vm *vm)
{
	char path[192];
	long long deadline;

	if (vm->pid > 0) {
		kill(vm->pid, SIGTERM);
		deadline = now_ms() + 3000;
		while (waitpid(vm->pid, NULL, WNOHANG) == 0 && now_ms() < deadline)
			usleep(10000);
		if (kill(vm->pid, 0) == 0) {
			kill(vm->pid, SIGKILL);
			waitpid(vm->pid, NULL, 0);
		}
		vm->pid = 0;
	}
	if (!vm->dir[0])
		return;
	snprintf(path, sizeof(path), "%s/qmp.sock", vm->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/mig.sock", vm->dir);
	unlink(path);
	unlink(vm->log);
	rmdir(vm->dir);
	vm->dir[0] = '\0';
}

/* Waits for the next event called name; other events are skipped. */
static int wait_event(struct qmp_client *c, const char *name, int timeout_ms,
		      struct qmp_event **out)
{
	long long deadline = now_ms() + timeout_ms;
	struct qmp_event *ev;
	int r;

	for (;;) {
		r = qmp_next_event(c, (int)(deadline - now_ms()) > 0 ?
				   (int)(deadline - now_ms()) : 1, &ev);
		if (r)
			return r;
		if (!strcmp(ev->name, name)) {
			*out = ev;
			return 0;
		}
		qmp_event_free(ev);
	}
}

FIXTURE(qemu) {
	struct vm vm;
	struct qmp_client *c;
	struct vm dst;			/* only for migration */
	struct qmp_client *dstc;
};

FIXTURE_SETUP(qemu)
{
	static const char *const smp[] = { "-smp", "2", NULL };
	int r;

	if (!qemu_installed())
		SKIP(return, QEMU_BIN " not found (install qemu-system-x86)");
	ASSERT_EQ(0, vm_start(&self->vm, smp));
	r = vm_connect(&self->vm, &self->c);
	if (r) {
		TH_LOG("connect: %s", qmp_connect_error());
		vm_dump_log(&self->vm);
	}
	ASSERT_EQ(0, r);
}

FIXTURE_TEARDOWN(qemu)
{
	qmp_close(self->dstc);
	vm_stop(&self->dst);
	qmp_close(self->c);
	vm_stop(&self->vm);
}

TEST_F(qemu, status_stop_and_cont)
{
	struct qmp_event *ev = NULL;
	char st[32];
	bool running = true;

	ASSERT_EQ(0, qmp_query_status(self->c, st, sizeof(st), &running));
	EXPECT_STREQ("prelaunch", st);
	EXPECT_FALSE(running);

	ASSERT_EQ(0, qmp_cont(self->c));
	ASSERT_EQ(0, wait_event(self->c, "RESUME", T_MS, &ev));
	EXPECT_GT(ev->timestamp, 1e9);
	qmp_event_free(ev);
	ASSERT_EQ(0, qmp_query_status(self->c, st, sizeof(st), &running));
	EXPECT_STREQ("running", st);
	EXPECT_TRUE(running);

	ASSERT_EQ(0, qmp_stop(self->c));
	ASSERT_EQ(0, wait_event(self->c, "STOP", T_MS, &ev));
	qmp_event_free(ev);
	ASSERT_EQ(0, qmp_query_status(self->c, st, sizeof(st), &running));
	EXPECT_STREQ("paused", st);
	EXPECT_FALSE(running);
}

/*
 * QMP does not tell the KVM dirty ring's size; QEMU's command line does,
 * and query-kvm which accelerator runs.  TCG is first here and always
 * starts, so the KVM options are only parsed (no /dev/kvm needed).
 */
TEST_F(qemu, dirty_ring_size_from_the_command_line)
{
	static const char *const kvm_second[] = {
		"-accel", "kvm,dirty-ring-size=2048", NULL
	};
	struct qmp_ctl_known k;
	struct qmp_ctl_caps caps;
	char err[160] = "";
	int pages = -7, r;

	EXPECT_EQ(0, qmp_peer_dirty_ring(self->c, &pages, err, sizeof(err)));
	EXPECT_EQ(0, pages);

	ASSERT_EQ(0, vm_start(&self->dst, kvm_second));
	r = vm_connect(&self->dst, &self->dstc);
	if (r)
		vm_dump_log(&self->dst);
	ASSERT_EQ(0, r);
	r = qmp_peer_dirty_ring(self->dstc, &pages, err, sizeof(err));
	if (r)
		TH_LOG("%s", err);
	EXPECT_EQ(0, r);
	EXPECT_EQ(2048, pages);

	qmp_ctl_known_init(&k);
	k.want_dirty_limit = true;
	ASSERT_EQ(0, qmp_ctl_probe_caps(self->dstc, NULL, &k, &caps, err,
					sizeof(err)));
	EXPECT_EQ(-1, caps.dirty_ring_pages);	/* TCG runs: no ring */
}

TEST_F(qemu, cpus_fast_gives_real_thread_ids)
{
	struct qmp_vcpu v[8];
	char path[64];
	int i, n = 0;

	ASSERT_EQ(0, qmp_query_cpus_fast(self->c, v, 8, &n));
	ASSERT_EQ(2, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(i, v[i].cpu_index);
		EXPECT_EQ(0, strncmp(v[i].qom_path, "/machine/", 9));
		/* a thread of this QEMU, not of some other process */
		snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)self->vm.pid,
			 v[i].thread_id);
		if (access(path, F_OK))
			TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_EQ(0, access(path, F_OK));
		EXPECT_NE((int)self->vm.pid, v[i].thread_id);
	}
	EXPECT_NE(v[0].thread_id, v[1].thread_id);
	EXPECT_EQ(-ENOBUFS, qmp_query_cpus_fast(self->c, v, 1, &n));
	EXPECT_EQ(2, n);
}

TEST_F(qemu, query_migrate_before_any_migration)
{
	struct qmp_migrate_info mi;

	memset(&mi, 0xff, sizeof(mi));
	ASSERT_EQ(0, qmp_query_migrate(self->c, &mi));
	EXPECT_STREQ("none", mi.status);
	EXPECT_FALSE(mi.has_ram);
	EXPECT_EQ(0, mi.total_time_ms);
}

TEST_F(qemu, parameters_read_back)
{
	json_t *ret = NULL;

	ASSERT_EQ(0, qmp_migrate_set_parameters(self->c,
		json_pack("{s:i, s:I}", "downtime-limit", 123, "max-bandwidth",
			  (json_int_t)125000000)));
	ASSERT_EQ(0, qmp_execute(self->c, "query-migrate-parameters", NULL, 0, &ret));
	EXPECT_EQ(123, (int)json_integer_value(json_object_get(ret, "downtime-limit")));
	EXPECT_EQ(125000000LL,
		  (long long)json_integer_value(json_object_get(ret, "max-bandwidth")));
	json_decref(ret);

	/* QEMU validates too: its refusal comes back as a remote error */
	ASSERT_EQ(-EREMOTEIO, qmp_migrate_set_parameters(self->c,
		json_pack("{s:i}", "downtime-limit", -5)));
	EXPECT_STREQ("GenericError", qmp_last_error_class(self->c));
}

static int capability_state(struct qmp_client *c, const char *name)
{
	json_t *ret = NULL, *e;
	size_t i;
	int state = -1;

	if (qmp_execute(c, "query-migrate-capabilities", NULL, 0, &ret))
		return -1;
	json_array_foreach(ret, i, e)
		if (!strcmp(json_string_value(json_object_get(e, "capability")) ?: "",
			    name))
			state = json_is_true(json_object_get(e, "state"));
	json_decref(ret);
	return state;
}

TEST_F(qemu, capabilities_read_back)
{
	EXPECT_EQ(0, capability_state(self->c, "auto-converge"));
	ASSERT_EQ(0, qmp_migrate_set_capability(self->c, "auto-converge", true));
	ASSERT_EQ(0, qmp_migrate_set_capability(self->c, "events", true));
	EXPECT_EQ(1, capability_state(self->c, "auto-converge"));
	EXPECT_EQ(1, capability_state(self->c, "events"));
	ASSERT_EQ(0, qmp_migrate_set_capability(self->c, "auto-converge", false));
	EXPECT_EQ(0, capability_state(self->c, "auto-converge"));

	ASSERT_EQ(-EREMOTEIO, qmp_migrate_set_capability(self->c, "no-such-cap", true));
	EXPECT_NE_NULL(strstr(qmp_last_error(self->c), "no-such-cap"));
}

TEST_F(qemu, remote_errors_and_keys)
{
	EXPECT_EQ(-EREMOTEIO, qmp_execute(self->c, "no-such-command", NULL, 0, NULL));
	EXPECT_STREQ("CommandNotFound", qmp_last_error_class(self->c));
	/* no migration to cancel: QEMU accepts that quietly */
	EXPECT_EQ(0, qmp_migrate_cancel(self->c));
	EXPECT_EQ(0, qmp_send_key(self->c, "v"));
	EXPECT_EQ(-EREMOTEIO, qmp_send_key(self->c, "no-such-key"));
	/* the connection is fine after all that */
	EXPECT_EQ(0, qmp_execute(self->c, "query-status", NULL, 0, NULL));
}

TEST_F(qemu, feature_probe_matches_the_version)
{
	struct qmp_features *f = NULL;
	int major, minor, r;
	bool v81, v82;

	r = qmp_features_probe(self->c, &f);
	if (r)
		TH_LOG("%s", qmp_last_error(self->c));
	ASSERT_EQ(0, r);
	qmp_version(self->c, &major, &minor, NULL);
	TH_LOG("QEMU %d.%d", major, minor);
	v81 = major > 8 || (major == 8 && minor >= 1);
	v82 = major > 8 || (major == 8 && minor >= 2);

	EXPECT_TRUE(qmp_has_capability(f, "postcopy-ram"));
	EXPECT_TRUE(qmp_has_capability(f, "auto-converge"));
	EXPECT_TRUE(qmp_has_parameter(f, "downtime-limit"));
	EXPECT_TRUE(qmp_has_parameter(f, "max-bandwidth"));
	EXPECT_TRUE(qmp_has_command(f, "calc-dirty-rate"));
	EXPECT_TRUE(qmp_has_command(f, "query-dirty-rate"));
	EXPECT_TRUE(qmp_has_command(f, "migrate_cancel"));
	EXPECT_FALSE(qmp_has_command(f, "migrate-set-capability"));
	/* added in 8.1 and 8.2: discovery must agree with the version */
	EXPECT_EQ(v81, qmp_has_capability(f, "dirty-limit"));
	EXPECT_EQ(v81, qmp_has_parameter(f, "vcpu-dirty-limit"));
	EXPECT_EQ(v82, qmp_has_parameter(f, "avail-switchover-bandwidth"));
	/* set-vcpu-dirty-limit came in 7.1 */
	EXPECT_EQ(major > 7 || minor >= 1,
		  qmp_has_command(f, "set-vcpu-dirty-limit"));
	qmp_features_free(f);
}

TEST_F(qemu, dirty_rate_by_page_sampling)
{
	struct qmp_dirty_rate dr;
	long long deadline;

	ASSERT_EQ(0, qmp_cont(self->c));
	ASSERT_EQ(0, qmp_calc_dirty_rate(self->c, 1, "page-sampling", 256));
	deadline = now_ms() + T_MS;
	do {
		usleep(100000);
		ASSERT_EQ(0, qmp_query_dirty_rate(self->c, &dr));
	} while (strcmp(dr.status, "measured") && now_ms() < deadline);
	EXPECT_STREQ("measured", dr.status);
	EXPECT_STREQ("page-sampling", dr.mode);
	EXPECT_EQ(1, dr.calc_time);
	EXPECT_EQ(256, dr.sample_pages);
	EXPECT_GE(dr.dirty_rate_mbps, 0);
	EXPECT_EQ(0, dr.nvcpu);
}

static const char *event_status(const struct qmp_event *ev)
{
	const char *st = json_string_value(json_object_get(ev->data, "status"));

	return st ? st : "";
}

TEST_F_TIMEOUT(qemu, migration_to_a_second_qemu, 40)
{
	static const char *const incoming[] = { "-smp", "2", "-incoming", "defer",
						NULL };
	bool setup = false, completed = false, failed = false, pass = false;
	struct qmp_migrate_info mi;
	struct qmp_event *ev;
	char uri[160], st[32];
	long long deadline;
	bool running;
	int r;

	ASSERT_EQ(0, vm_start(&self->dst, incoming));
	r = vm_connect(&self->dst, &self->dstc);
	if (r)
		vm_dump_log(&self->dst);
	ASSERT_EQ(0, r);
	snprintf(uri, sizeof(uri), "unix:%s/mig.sock", self->dst.dir);
	r = qmp_migrate_incoming(self->dstc, uri);
	if (r)
		TH_LOG("%s", qmp_last_error(self->dstc));
	ASSERT_EQ(0, r);

	ASSERT_EQ(0, qmp_migrate_set_capability(self->c, "events", true));
	ASSERT_EQ(0, qmp_cont(self->c));
	r = qmp_migrate(self->c, uri);
	if (r)
		TH_LOG("%s", qmp_last_error(self->c));
	ASSERT_EQ(0, r);

	deadline = now_ms() + 20000;
	while (!completed && !failed && now_ms() < deadline) {
		r = qmp_next_event(self->c, (int)(deadline - now_ms()) + 1, &ev);
		if (r) {
			TH_LOG("waiting for events: %s", qmp_last_error(self->c));
			break;
		}
		if (!strcmp(ev->name, "MIGRATION_PASS"))
			pass = true;
		if (!strcmp(ev->name, "MIGRATION")) {
			setup |= !strcmp(event_status(ev), "setup");
			completed |= !strcmp(event_status(ev), "completed");
			failed |= !strcmp(event_status(ev), "failed");
		}
		qmp_event_free(ev);
	}
	EXPECT_TRUE(setup);
	EXPECT_TRUE(completed);
	EXPECT_FALSE(failed);
	EXPECT_TRUE(pass);		/* needs the "events" capability */

	ASSERT_EQ(0, qmp_query_migrate(self->c, &mi));
	EXPECT_STREQ("completed", mi.status);
	EXPECT_TRUE(mi.has_ram);
	EXPECT_GT(mi.ram_total, 0ULL);
	EXPECT_GT(mi.ram_transferred, 0ULL);
	EXPECT_EQ(0ULL, mi.ram_remaining);
	EXPECT_GE(mi.total_time_ms, mi.downtime_ms);
	EXPECT_STREQ("", mi.error_desc);

	/* the "completed" event can precede the switch from finish-migrate */
	deadline = now_ms() + T_MS;
	do {
		ASSERT_EQ(0, qmp_query_status(self->c, st, sizeof(st), &running));
		if (!strcmp(st, "finish-migrate"))
			usleep(20000);
	} while (!strcmp(st, "finish-migrate") && now_ms() < deadline);
	EXPECT_STREQ("postmigrate", st);
	EXPECT_FALSE(running);
	/* started with -S, the destination waits for "cont" once loaded */
	deadline = now_ms() + T_MS;
	do {
		ASSERT_EQ(0, qmp_query_status(self->dstc, st, sizeof(st), &running));
		if (!strcmp(st, "inmigrate"))
			usleep(20000);
	} while (!strcmp(st, "inmigrate") && now_ms() < deadline);
	EXPECT_STREQ("paused", st);
	ASSERT_EQ(0, qmp_cont(self->dstc));
	ASSERT_EQ(0, qmp_query_status(self->dstc, st, sizeof(st), &running));
	EXPECT_STREQ("running", st);
	EXPECT_TRUE(running);
}
