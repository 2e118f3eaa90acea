/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the transport tests: run tel_node inside emulated hosts
 * and read back its one-line JSON result.  Header-only, as the test
 * programs of this folder link tests/lib/ and libpalm.a only.
 */
#ifndef PALM_TESTS_TEL_NODE_RUN_H
#define PALM_TESTS_TEL_NODE_RUN_H

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/qemu_proc.h"
#include "tests/lib/testbed.h"

#define NODE_MAX_ARGS 48
#define NODE_OUT_MAX 65536

struct node_proc {
	pid_t pid;
	int out_fd;			/* its stdout */
	char prefix[64];		/* DPDK --file-prefix, "" for UDP */
};

struct node_args {
	int argc;
	char *argv[NODE_MAX_ARGS + 1];
	char store[NODE_MAX_ARGS][256];
};

static inline void node_args_init(struct node_args *a, const char *mode)
{
	static char prog[4096];

	palm_build_path(prog, sizeof(prog), "core/tel/tel_node");
	memset(a, 0, sizeof(*a));
	a->argv[a->argc++] = prog;
	snprintf(a->store[a->argc], sizeof(a->store[0]), "%s", mode);
	a->argv[a->argc] = a->store[a->argc];
	a->argc++;
}

static inline void node_arg(struct node_args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void node_arg(struct node_args *a, const char *fmt, ...)
{
	va_list ap;

	if (a->argc >= NODE_MAX_ARGS)
		return;
	va_start(ap, fmt);
	vsnprintf(a->store[a->argc], sizeof(a->store[0]), fmt, ap);
	va_end(ap);
	a->argv[a->argc] = a->store[a->argc];
	a->argc++;
	a->argv[a->argc] = NULL;
}

static inline bool node_built(char *why, size_t len)
{
	char prog[4096];

	palm_build_path(prog, sizeof(prog), "core/tel/tel_node");
	if (access(prog, X_OK) == 0)
		return true;
	snprintf(why, len, "%.200s not built (make tests)", prog);
	return false;
}

/* Start tel_node in host @host with its stdout on a pipe. */
static inline int node_start(const struct testbed *tb, int host,
			     struct node_args *a, struct node_proc *p)
{
	int pfd[2], saved, ret = 0;

	/* the caller may have named its DPDK prefix already */
	p->pid = 0;
	p->out_fd = -1;
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	if (saved < 0) {
		ret = -errno;
		goto out_pipe;
	}
	/* the child inherits stdout = the pipe (dup2 clears CLOEXEC) */
	dup2(pfd[1], STDOUT_FILENO);
	p->pid = testbed_spawn(tb, host, a->argv);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	if (p->pid < 0) {
		ret = p->pid;
		goto out_pipe;
	}
	close(pfd[1]);
	p->out_fd = pfd[0];
	return 0;

out_pipe:
	close(pfd[0]);
	close(pfd[1]);
	return ret;
}

/*
 * Start tel_node here, without a testbed (memif needs no network); with
 * @quiet its stderr goes to /dev/null.
 */
static inline int node_start_local(struct node_args *a, struct node_proc *p,
				   bool quiet)
{
	int pfd[2];

	p->pid = 0;
	p->out_fd = -1;
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	fflush(stdout);
	fflush(stderr);
	p->pid = fork();
	if (p->pid < 0) {
		p->pid = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return p->pid;
	}
	if (p->pid == 0) {
		int null = quiet ? open("/dev/null", O_WRONLY) : -1;

		if (null >= 0)
			dup2(null, STDERR_FILENO);
		dup2(pfd[1], STDOUT_FILENO);
		execv(a->argv[0], a->argv);
		_exit(127);
	}
	close(pfd[1]);
	p->out_fd = pfd[0];
	return 0;
}

static inline double node_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Wait up to @timeout_s for @p to exit; returns its JSON result (the
 * caller decrefs), or NULL when it failed, printed nothing, or was
 * killed at the timeout.
 */
static inline json_t *node_finish(struct node_proc *p, double timeout_s)
{
	static char out[NODE_OUT_MAX];
	double end = node_now_s() + timeout_s;
	size_t used = 0;
	json_error_t err;
	int status = 0;
	char *line;
	ssize_t n;
	pid_t w;

	fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		n = read(p->out_fd, out + used, sizeof(out) - 1 - used);
		if (n > 0) {
			used += (size_t)n;
			continue;
		}
		w = waitpid(p->pid, &status, WNOHANG);
		if (w == p->pid) {
			while ((n = read(p->out_fd, out + used,
					 sizeof(out) - 1 - used)) > 0)
				used += (size_t)n;
			break;
		}
		if (node_now_s() > end) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
			fprintf(stderr, "# tel_node %d timed out\n", p->pid);
			close(p->out_fd);
			p->pid = 0;
			return NULL;
		}
		usleep(10000);
	}
	close(p->out_fd);
	/* reaped: the teardown must not signal a pid that may be reused */
	p->pid = 0;
	out[used] = '\0';
	if (p->prefix[0]) {
		char dir[128];

		/* what the EAL leaves even with --no-shconf */
		snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", p->prefix);
		rmdir(dir);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "# tel_node exit status %d\n", status);
		return NULL;
	}
	line = strrchr(out, '{');
	while (line && line > out && line[-1] != '\n')
		line = memrchr(out, '{', (size_t)(line - out));
	if (!line)
		line = out;
	return json_loads(line, 0, &err);
}

static inline void node_kill(struct node_proc *p)
{
	char dir[128];

	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		close(p->out_fd);
		p->pid = 0;
	}
	if (p->prefix[0]) {
		snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", p->prefix);
		rmdir(dir);
		p->prefix[0] = '\0';
	}
}

static inline long long jint(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static inline double jreal(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* The entry of "hosts" for host @id, or NULL. */
static inline json_t *jhost(json_t *o, long long id)
{
	json_t *hosts = json_object_get(o, "hosts"), *h;
	size_t i;

	json_array_foreach(hosts, i, h)
		if (jint(h, "id") == id)
			return h;
	return NULL;
}

/* Wait for @path to exist (a receiver's --ready-file). */
static inline bool wait_file(const char *path, double timeout_s)
{
	double end = node_now_s() + timeout_s;

	while (node_now_s() < end) {
		if (access(path, F_OK) == 0)
			return true;
		usleep(20000);
	}
	return false;
}

/* eth0's MAC in host @host, as "aa:bb:cc:dd:ee:ff". */
static inline int host_mac(const struct testbed *tb, int host, char *buf,
			   size_t len)
{
	struct ifreq ifr;
	unsigned char *m;
	int fd, ret = 0;

	fd = testbed_socket(tb, host, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "eth0");
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		ret = -errno;
	} else {
		m = (unsigned char *)ifr.ifr_hwaddr.sa_data;
		snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
			 m[2], m[3], m[4], m[5]);
	}
	close(fd);
	return ret;
}

#endif /* PALM_TESTS_TEL_NODE_RUN_H */
