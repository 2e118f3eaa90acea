// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF loader without a VM: scheduler accounting of our own threads,
 * host counters, and a clear refusal without privileges.  Skips when the
 * build or the kernel has no eBPF telemetry.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/lib/harness.h"
#include "core/telemetry/ptel_bpf.h"
#include "core/telemetry/ptel_host.h"
#include "core/telemetry/ptel_vcpu.h"

static volatile int spin_stop;
static pid_t spin_tid, sleep_tid;

static void *spinner(void *arg)
{
	volatile uint64_t n = 0;

	(void)arg;
	spin_tid = (pid_t)syscall(SYS_gettid);
	while (!spin_stop)
		n++;
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	sleep_tid = (pid_t)syscall(SYS_gettid);
	while (!spin_stop)
		usleep(10000);
	return NULL;
}

TEST(sched_busy_vs_sleeping_thread)
{
	struct ptel_vcpu_times b0, b1, s0, s1;
	struct ptel_vcpu_load lb, ls;
	struct ptel_bpf *b;
	pthread_t tb, ts;
	char why[256];

	if (ptel_bpf_open(PTEL_BPF_SCHED, &b, why, sizeof(why)))
		SKIP(return, "eBPF: %s", why);
	ASSERT_EQ(0, pthread_create(&tb, NULL, spinner, NULL));
	ASSERT_EQ(0, pthread_create(&ts, NULL, sleeper, NULL));
	while (!spin_tid || !sleep_tid)
		usleep(1000);
	ASSERT_EQ(0, ptel_bpf_track(b, spin_tid));
	ASSERT_EQ(0, ptel_bpf_track(b, sleep_tid));
	EXPECT_EQ(0, ptel_bpf_track(b, spin_tid));	/* twice is fine */
	usleep(50000);
	ASSERT_EQ(0, ptel_vcpu_times_read(b, getpid(), spin_tid, &b0));
	ASSERT_EQ(0, ptel_vcpu_times_read(b, getpid(), sleep_tid, &s0));
	usleep(500000);
	ASSERT_EQ(0, ptel_vcpu_times_read(b, getpid(), spin_tid, &b1));
	ASSERT_EQ(0, ptel_vcpu_times_read(b, getpid(), sleep_tid, &s1));
	spin_stop = 1;
	pthread_join(tb, NULL);
	pthread_join(ts, NULL);
	ASSERT_EQ(0, ptel_vcpu_load(&b0, &b1, &lb));
	ASSERT_EQ(0, ptel_vcpu_load(&s0, &s1, &ls));
	TH_LOG("spinning: load %.2f wait %.2f; sleeping: load %.3f, %.0f wakeups/s",
	       lb.load, lb.wait, ls.load, ls.wakeups_per_s);
	EXPECT_EQ(PTEL_SRC_BPF_SCHED, lb.src);
	EXPECT_GT(lb.load + lb.wait, 0.8);
	EXPECT_LT(ls.load, 0.1);
	EXPECT_GT(ls.wakeups_per_s, 20);	/* usleep(10 ms): ~90/s */
	ASSERT_EQ(0, ptel_bpf_untrack(b, spin_tid));
	EXPECT_EQ(-ENOENT, ptel_bpf_untrack(b, spin_tid));
	/* untracked: schedstat serves instead */
	ASSERT_EQ(0, ptel_vcpu_times_read(b, getpid(), getpid(), &b0));
	EXPECT_EQ(PTEL_SRC_SCHEDSTAT, b0.src);
	ptel_bpf_close(b);
}

TEST(host_counters)
{
	uint64_t c[PTEL_HOST_NR_COUNTERS];
	struct ptel_host_snap h;
	struct ptel_bpf *b;
	char why[256];

	if (ptel_bpf_open(PTEL_BPF_HOST | PTEL_BPF_RAS, &b, why, sizeof(why)))
		SKIP(return, "eBPF: %s", why);
	EXPECT_TRUE(ptel_bpf_groups(b) & PTEL_BPF_HOST);
	ASSERT_EQ(0, ptel_bpf_host_read(b, c));
	ASSERT_EQ(0, ptel_host_read(b, &h));
	EXPECT_EQ(PTEL_SRC_BPF_HOST, h.reclaim_src);
	EXPECT_GE(ptel_bpf_poll_events(b, NULL, NULL), 0);
	/* groups not loaded say so */
	EXPECT_EQ(-EOPNOTSUPP, ptel_bpf_track(b, getpid()));
	EXPECT_EQ(-EOPNOTSUPP, ptel_bpf_dirty_new_window(b, getpid()));
	ptel_bpf_close(b);
}

TEST(unprivileged_is_refused_clearly)
{
	struct ptel_bpf *b;
	char why[256];
	int st, err;
	pid_t pid;

	if (getuid() != 0)
		SKIP(return, "needs root to drop privileges from");
	if (ptel_bpf_open(PTEL_BPF_SCHED, &b, why, sizeof(why)))
		SKIP(return, "eBPF: %s", why);
	ptel_bpf_close(b);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* nobody: every capability gone */
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(3);
		err = ptel_bpf_open(PTEL_BPF_ALL, &b, why, sizeof(why));
		fprintf(stderr, "# unprivileged: %d %s\n", err, why);
		_exit(err == -EPERM && strstr(why, "CAP_BPF") && !b ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}
