// SPDX-License-Identifier: GPL-2.0
/*
 * palmctl top as a person uses it: on a terminal (a pty here) it shows
 * the VM with a row per vCPU, refreshes, and quits on 'q' with the
 * terminal given back as it was.
 */
#include "tests/lib/harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/qemu_proc.h"

FIXTURE(top) {
	struct qemu_proc vm;
};

FIXTURE_SETUP(top)
{
	struct qemu_opts o = { .append = "ws=4M rate=5 period=10", .mem = "64M" };
	char why[256];

	if (!qemu_available(why, sizeof(why)))
		SKIP(return, "%s", why);
	ASSERT_EQ(0, qemu_start(&self->vm, &o));
}

FIXTURE_TEARDOWN(top)
{
	qemu_stop(&self->vm);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read from fd into buf until needle shows or timeout; true if it did. */
static bool read_until(int fd, char *buf, size_t len, size_t *used,
		       const char *needle, double timeout_s)
{
	double deadline = now_s() + timeout_s;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (now_s() < deadline) {
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fd, buf + *used, len - 1 - *used);
		if (n <= 0)
			return false;
		*used += n;
		buf[*used] = '\0';
		if (strstr(buf, needle))
			return true;
		if (*used > len / 2) {
			/* keep the tail: a needle may straddle the cut */
			memmove(buf, buf + *used - 256, 256);
			*used = 256;
		}
	}
	return false;
}

TEST_F_TIMEOUT(top, live_view_shows_vcpus_and_quits_on_q, 60)
{
	char prog[256], buf[16384];
	size_t used = 0;
	int master, status = 0;
	double t0;
	pid_t pid;

	palm_build_path(prog, sizeof(prog), "core/palmctl");
	pid = forkpty(&master, NULL, NULL, NULL);
	ASSERT_LE(0, pid);
	if (pid == 0) {
		execl(prog, prog, "top", "--no-bpf", "--interval", "200",
		      "--qmp", self->vm.qmp_uri, (char *)NULL);
		_exit(127);
	}
	EXPECT_TRUE(read_until(master, buf, sizeof(buf), &used, "vcpu 0", 20));
	/* the view refreshes: the header comes again */
	used = 0;
	EXPECT_TRUE(read_until(master, buf, sizeof(buf), &used, "palm top:", 5));
	t0 = now_s();
	ASSERT_EQ(1, write(master, "q", 1));
	while (waitpid(pid, &status, WNOHANG) == 0 && now_s() - t0 < 5)
		usleep(10000);
	if (now_s() - t0 >= 5) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ASSERT_TRUE(!"palmctl top did not quit on 'q'");
	}
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	close(master);
}

TEST_F_TIMEOUT(top, once_prints_one_snapshot_with_vcpus, 60)
{
	char cmd[512], out[8192];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s/core/palmctl top --once --no-bpf --qmp %s 2>&1",
		 palm_build_dir(), self->vm.qmp_uri);
	p = popen(cmd, "r");
	ASSERT_NE_NULL(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	EXPECT_EQ(0, WEXITSTATUS(pclose(p)));
	TH_LOG("%s", out);
	EXPECT_NE_NULL(strstr(out, "palm top: 1 VM(s)"));
	EXPECT_NE_NULL(strstr(out, "vcpu 0"));
	/* not a terminal: no screen clearing in the output */
	EXPECT_NULL(strstr(out, "\033[2J"));
}
