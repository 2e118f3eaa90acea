// SPDX-License-Identifier: GPL-2.0
/*
 * The testbed of emulated hosts (scripts/testbed.sh, tests/lib/testbed.c):
 * hosts reach each other and nothing else, shaped links carry about
 * their rate, and nothing is left behind by down, a crash or a timeout.
 * Needs root, network namespaces, veth, bridge and tbf; skips otherwise.
 */
#include "tests/lib/harness.h"
#include "tests/lib/testbed.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PORT 5201
#define IO_TIMEOUT_S 10
#define RATE "20mbit"
#define RATE_MBIT 20.0
#define MB (1024 * 1024)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int host_sockaddr(const struct testbed *tb, int host, int port,
			 struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	return inet_pton(AF_INET, tb->addr[host - 1], &sa->sin_addr) == 1 ?
		0 : -EINVAL;
}

/* A listening TCP socket on host @host's address. */
static int tcp_listen(const struct testbed *tb, int host)
{
	struct sockaddr_in sa;
	int fd, ret, one = 1;

	ret = host_sockaddr(tb, host, PORT, &sa);
	if (ret)
		return ret;
	fd = testbed_socket(tb, host, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	set_timeouts(fd);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/* A TCP connection from host @from to host @to's listener. */
static int tcp_connect(const struct testbed *tb, int from, int to)
{
	struct sockaddr_in sa;
	int fd, ret;

	ret = host_sockaddr(tb, to, PORT, &sa);
	if (ret)
		return ret;
	fd = testbed_socket(tb, from, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	set_timeouts(fd);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static int read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		got += n;
	}
	return 0;
}

/*
 * Host @from connects to host @to, which sees @from's address as the
 * peer and echoes a message back.
 */
static int tcp_echo(const struct testbed *tb, int from, int to)
{
	static const char msg[] = "palm testbed";
	char buf[sizeof(msg)], peer[INET_ADDRSTRLEN];
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int lfd, cfd = -1, afd = -1, ret;

	lfd = tcp_listen(tb, to);
	if (lfd < 0)
		return lfd;
	cfd = tcp_connect(tb, from, to);
	if (cfd < 0) {
		ret = cfd;
		goto out;
	}
	afd = accept4(lfd, (struct sockaddr *)&sa, &salen, SOCK_CLOEXEC);
	if (afd < 0) {
		ret = -errno;
		goto out;
	}
	ret = -EPROTO;
	if (!inet_ntop(AF_INET, &sa.sin_addr, peer, sizeof(peer)) ||
	    strcmp(peer, tb->addr[from - 1]))
		goto out;
	if (write(cfd, msg, sizeof(msg)) != sizeof(msg)) {
		ret = -EIO;
		goto out;
	}
	ret = read_full(afd, buf, sizeof(buf));
	if (ret)
		goto out;
	if (write(afd, buf, sizeof(buf)) != sizeof(buf)) {
		ret = -EIO;
		goto out;
	}
	memset(buf, 0, sizeof(buf));
	ret = read_full(cfd, buf, sizeof(buf));
	if (!ret && memcmp(buf, msg, sizeof(msg)))
		ret = -EPROTO;
out:
	if (afd >= 0)
		close(afd);
	if (cfd >= 0)
		close(cfd);
	close(lfd);
	return ret;
}

/* Child side of measure(): write @bytes and exit. */
static void __attribute__((noreturn)) send_bytes(int fd, size_t bytes)
{
	static char buf[64 * 1024];
	size_t sent = 0;
	ssize_t n;

	while (sent < bytes) {
		size_t chunk = bytes - sent < sizeof(buf) ?
			bytes - sent : sizeof(buf);

		n = write(fd, buf, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(1);
		sent += n;
	}
	_exit(0);
}

/*
 * Send @bytes over TCP from host @from to host @to and return the
 * throughput in Mbit/s (10^6 bit/s, as tc counts) in @mbit.
 */
static int measure(const struct testbed *tb, int from, int to, size_t bytes,
		   double *mbit)
{
	static char buf[64 * 1024];
	int lfd, cfd = -1, afd = -1, status, ret;
	size_t got = 0;
	double t0, t1;
	pid_t pid = -1;
	ssize_t n;

	lfd = tcp_listen(tb, to);
	if (lfd < 0)
		return lfd;
	cfd = tcp_connect(tb, from, to);
	if (cfd < 0) {
		ret = cfd;
		goto out;
	}
	afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (afd < 0) {
		ret = -errno;
		goto out;
	}
	fflush(stdout);
	t0 = now_s();
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (pid == 0) {
		close(afd);
		send_bytes(cfd, bytes);
	}
	/* the sender's copy is the only one left, so its exit means EOF */
	close(cfd);
	cfd = -1;
	for (;;) {
		n = read(afd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	ret = n < 0 ? -errno : 0;
	t1 = now_s();
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		ret = ret ? ret : -EIO;
	if (!ret && got != bytes)
		ret = -EPROTO;
	if (!ret)
		*mbit = got * 8.0 / (t1 - t0) / 1e6;
out:
	if (afd >= 0)
		close(afd);
	if (cfd >= 0)
		close(cfd);
	close(lfd);
	return ret;
}

/* How many names in `ip netns list` belong to testbed @name. */
static int count_netns(const char *name)
{
	size_t len = strlen(name);
	char line[256];
	int count = 0;
	FILE *f;

	f = popen("PATH=$PATH:/usr/sbin:/sbin ip netns list 2>/dev/null", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == '-')
			count++;
	if (pclose(f) != 0)
		return -EIO;
	return count;
}

static bool netns_exists(const char *name, const char *suffix)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/var/run/netns/%s%s", name, suffix);
	return stat(path, &st) == 0;
}

static bool have_ping(void)
{
	return system("command -v ping >/dev/null 2>&1") == 0;
}

FIXTURE(testbed) {
	struct testbed tb;
};

FIXTURE_SETUP(testbed)
{
	char why[512];

	if (!testbed_available(why, sizeof(why)))
		SKIP(return, "testbed unavailable: %s", why);
}

FIXTURE_TEARDOWN(testbed)
{
	EXPECT_EQ(0, testbed_down(&self->tb));
}

#define TB_UP(tb, name, hosts, rate)                                    \
	do {                                                            \
		char _err[512];                                         \
		int _ret = testbed_up(tb, name, hosts, rate, _err,      \
				      sizeof(_err));                    \
		if (_ret)                                               \
			TH_LOG("testbed_up %s: %s (%s)", name, _err,    \
			       strerror(-_ret));                        \
		ASSERT_EQ(0, _ret);                                     \
	} while (0)

TEST_F(testbed, two_hosts_reach_each_other)
{
	char cmd[128];

	TB_UP(&self->tb, "pair", 2, NULL);
	ASSERT_EQ(2, self->tb.hosts);
	ASSERT_EQ(0, tcp_echo(&self->tb, 1, 2));
	ASSERT_EQ(0, tcp_echo(&self->tb, 2, 1));
	if (!have_ping()) {
		TH_LOG("ping not installed (iputils-ping): TCP only");
		return;
	}
	snprintf(cmd, sizeof(cmd), "ping -c 3 -i 0.2 -W 1 %s >/dev/null",
		 self->tb.addr[1]);
	ASSERT_EQ(0, testbed_run(&self->tb, 1, cmd));
	snprintf(cmd, sizeof(cmd), "ping -c 3 -i 0.2 -W 1 %s >/dev/null",
		 self->tb.addr[0]);
	ASSERT_EQ(0, testbed_run(&self->tb, 2, cmd));
}

TEST_F(testbed, run_and_spawn_inside_a_host)
{
	char *ok_argv[] = { "sh", "-c", "ip -o link show dev eth0 >/dev/null",
			    NULL };
	char *missing_argv[] = { "palm-no-such-program", NULL };
	char cmd[160];
	int status;
	pid_t pid;

	TB_UP(&self->tb, "run", 2, NULL);
	/* a host sees lo and eth0 with its own address, nothing else */
	ASSERT_EQ(0, testbed_run(&self->tb, 1,
				 "test \"$(ip -o link show | wc -l)\" -eq 2"));
	snprintf(cmd, sizeof(cmd),
		 "ip -4 -o addr show dev eth0 | grep -qw '%s/24'",
		 self->tb.addr[0]);
	ASSERT_EQ(0, testbed_run(&self->tb, 1, cmd));
	/* and no route out of the testbed */
	ASSERT_EQ(0, testbed_run(&self->tb, 1,
				 "! ip route get 8.8.8.8 2>/dev/null"));
	ASSERT_EQ(3, testbed_run(&self->tb, 2, "exit 3"));
	ASSERT_EQ(128 + SIGTERM, testbed_run(&self->tb, 2, "kill -TERM $$"));

	pid = testbed_spawn(&self->tb, 2, ok_argv);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	pid = testbed_spawn(&self->tb, 1, missing_argv);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 127);

	ASSERT_EQ(-EINVAL, testbed_spawn(&self->tb, 3, ok_argv));
	ASSERT_EQ(-EINVAL, testbed_run(&self->tb, 0, "true"));
}

TEST_F(testbed, rate_limited_link_carries_its_rate)
{
	double mbit = 0;

	TB_UP(&self->tb, "rate", 2, RATE);
	ASSERT_EQ(0, measure(&self->tb, 1, 2, 5 * MB, &mbit));
	TH_LOG("%s link: %.1f Mbit/s", RATE, mbit);
	EXPECT_GE(mbit, 0.5 * RATE_MBIT);
	EXPECT_LE(mbit, 1.1 * RATE_MBIT);
}

TEST_F(testbed, unshaped_link_is_much_faster)
{
	double mbit = 0;

	TB_UP(&self->tb, "fast", 2, NULL);
	ASSERT_EQ(0, measure(&self->tb, 1, 2, 5 * MB, &mbit));
	TH_LOG("unshaped link: %.0f Mbit/s", mbit);
	EXPECT_GT(mbit, 5 * RATE_MBIT);
}

/* Host 1's link shaped later limits what it receives, too (bridge side). */
TEST_F(testbed, shape_at_run_time_both_directions)
{
	double in = 0, out = 0, off = 0;

	TB_UP(&self->tb, "shape", 2, NULL);
	ASSERT_EQ(0, testbed_shape(&self->tb, 1, RATE));
	ASSERT_EQ(0, measure(&self->tb, 2, 1, 5 * MB / 2, &in));
	ASSERT_EQ(0, measure(&self->tb, 1, 2, 5 * MB / 2, &out));
	ASSERT_EQ(0, testbed_shape(&self->tb, 1, NULL));
	ASSERT_EQ(0, measure(&self->tb, 2, 1, 5 * MB, &off));
	TH_LOG("host 1 at %s: in %.1f, out %.1f; unshaped again: %.0f Mbit/s",
	       RATE, in, out, off);
	EXPECT_GE(in, 0.5 * RATE_MBIT);
	EXPECT_LE(in, 1.1 * RATE_MBIT);
	EXPECT_GE(out, 0.5 * RATE_MBIT);
	EXPECT_LE(out, 1.1 * RATE_MBIT);
	EXPECT_GT(off, 5 * RATE_MBIT);
	ASSERT_EQ(-EINVAL, testbed_shape(&self->tb, 1, "fast"));
}

TEST_F(testbed, down_removes_every_namespace)
{
	char name[sizeof(self->tb.name)];

	TB_UP(&self->tb, "down", 3, RATE);
	memcpy(name, self->tb.name, sizeof(name));
	ASSERT_EQ(4, count_netns(name));
	ASSERT_EQ(0, testbed_down(&self->tb));
	ASSERT_EQ(0, count_netns(name));
	ASSERT_STREQ("", self->tb.name);
	/* idempotent */
	ASSERT_EQ(0, testbed_down(&self->tb));
}

/* A process that crashed after up leaves its namespaces; up again works. */
TEST_F(testbed, up_again_after_a_crash)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct testbed crashed;

		if (testbed_up(&crashed, "crash", 2, RATE, NULL, 0))
			_exit(2);
		raise(SIGKILL);
		_exit(3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	/* same process group, so the same full name as the crashed one */
	TB_UP(&self->tb, "crash", 3, NULL);
	ASSERT_EQ(4, count_netns(self->tb.name));
	ASSERT_EQ(0, tcp_echo(&self->tb, 1, 3));
	/* the new testbed is unshaped: nothing of the old one survived */
	ASSERT_EQ(0, testbed_run(&self->tb, 2,
				 "! tc qdisc show dev eth0 | grep -q tbf"));
}

/* A run killed with SIGKILL in another process group is cleaned up later. */
TEST_F(testbed, leftovers_of_a_dead_run_are_reaped)
{
	char old[64];
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct testbed dead;

		setpgid(0, 0);
		if (testbed_up(&dead, "dead", 1, NULL, NULL, 0))
			_exit(2);
		raise(SIGKILL);
		_exit(3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	snprintf(old, sizeof(old), "palm%d-dead", (int)pid);
	ASSERT_TRUE(netns_exists(old, "-br"));

	TB_UP(&self->tb, "alive", 1, NULL);
	ASSERT_EQ(0, count_netns(old));
}

/* The harness's timeout: SIGTERM to the test takes its testbeds down. */
TEST_F(testbed, sigterm_takes_testbeds_down)
{
	struct testbed child_tb;
	int fds[2], status;
	pid_t pid;

	ASSERT_EQ(0, pipe(fds));
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		if (testbed_up(&child_tb, "term", 2, NULL, NULL, 0))
			_exit(2);
		if (write(fds[1], &child_tb, sizeof(child_tb)) < 0)
			_exit(3);
		for (;;)
			pause();
	}
	close(fds[1]);
	ASSERT_EQ((ssize_t)sizeof(child_tb),
		  read(fds[0], &child_tb, sizeof(child_tb)));
	close(fds[0]);
	ASSERT_EQ(3, count_netns(child_tb.name));
	ASSERT_EQ(0, kill(pid, SIGTERM));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	ASSERT_EQ(0, count_netns(child_tb.name));
}

TEST_F(testbed, three_hosts_all_reach_each_other)
{
	int a, b;

	TB_UP(&self->tb, "three", 3, NULL);
	for (a = 1; a <= 3; a++)
		for (b = 1; b <= 3; b++)
			if (a != b)
				ASSERT_EQ(0, tcp_echo(&self->tb, a, b));
}

/* Argument checks need neither root nor namespaces. */
TEST(bad_arguments_are_refused)
{
	struct testbed tb;
	char err[256];

	memset(&tb, 0, sizeof(tb));
	ASSERT_EQ(-EINVAL, testbed_up(&tb, "x", 0, NULL, err, sizeof(err)));
	ASSERT_EQ(-EINVAL, testbed_up(&tb, "x", TESTBED_MAX_HOSTS + 1, NULL,
				      err, sizeof(err)));
	ASSERT_EQ(-EINVAL, testbed_up(&tb, "a/b", 1, NULL, err, sizeof(err)));
	ASSERT_EQ(-EINVAL, testbed_up(&tb, "", 1, NULL, err, sizeof(err)));
	ASSERT_EQ(-ENAMETOOLONG, testbed_up(&tb, "a-name-much-too-long-for-it",
					    1, NULL, err, sizeof(err)));
	ASSERT_EQ(-EINVAL, testbed_up(&tb, "x", 1, "fast", err, sizeof(err)));
	ASSERT_NE_NULL(strstr(err, "bad rate"));
	ASSERT_STREQ("", tb.name);
	ASSERT_EQ(0, testbed_down(&tb));
	ASSERT_EQ(-EINVAL, testbed_run(&tb, 1, "true"));
	ASSERT_EQ(-EINVAL, testbed_shape(&tb, 1, RATE));
	ASSERT_EQ(-EINVAL, testbed_socket(&tb, 1, AF_INET, SOCK_STREAM, 0));
}
