// SPDX-License-Identifier: GPL-2.0
/*
 * Testbeds of emulated hosts for C tests.  Namespaces are made and
 * removed by scripts/testbed.sh, so that tests, the demo and people at a
 * shell share one definition; running programs or opening sockets inside
 * a host uses setns(2) directly.
 */
#include "testbed.h"
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define TB_PREFIX "palm"
#define TB_NETNS_DIR "/var/run/netns"
#define TB_SCRIPT "scripts/testbed.sh"
#define TB_SH "/bin/sh"
#define TB_MAX_LIVE 16
#define TB_MAX_STALE 32
#define TB_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes of scripts/testbed.sh. */
#define TB_EX_USAGE 2
#define TB_EX_PERM 3
#define TB_EX_NOSUPPORT 4

extern char **environ;

static char script_path[PATH_MAX];

/*
 * Testbeds this process brought up and has not taken down, removed at
 * exit or on a fatal signal.  live_owner tells a forked child, which
 * inherits the table, that the entries are its parent's.
 */
static char live[TB_MAX_LIVE][sizeof(((struct testbed *)0)->name)];
static pid_t live_owner;
static bool hooks_installed;
static const int fatal_signals[] = { SIGTERM, SIGINT, SIGHUP };

static int tb_error(char *errbuf, size_t errlen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int tb_error(char *errbuf, size_t errlen, int err, const char *fmt, ...)
{
	va_list ap;

	if (errbuf && errlen) {
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* $PALM_SRC, the working directory, or a parent of the executable. */
static int find_script(void)
{
	if (script_path[0])
		return 0;
	if (th_src_path(TB_SCRIPT, script_path, sizeof(script_path))) {
		script_path[0] = '\0';
		return -ENOENT;
	}
	return 0;
}

/*
 * Run the script with @args (NULL-terminated), stdout to /dev/null and
 * stderr into @errbuf, or to our stderr when @errbuf is NULL.  Returns
 * its exit code, 128 + signal, or -errno.
 */
static int run_script(const char *const args[], char *errbuf, size_t errlen)
{
	char msg[1024];
	const char *argv[16];
	int pfd[2], status, ret, fd, argc = 0;
	size_t used = 0;
	ssize_t n;
	pid_t pid;

	argv[argc++] = "sh";
	argv[argc++] = script_path;
	while (*args && argc < (int)TB_ARRAY_SIZE(argv) - 1)
		argv[argc++] = *args++;
	argv[argc] = NULL;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return ret;
	}
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (fd >= 0)
			dup2(fd, STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		execve(TB_SH, (char *const *)argv, environ);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		char chunk[256];

		n = read(pfd[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (used < sizeof(msg) - 1) {
			size_t take = (size_t)n;

			if (take > sizeof(msg) - 1 - used)
				take = sizeof(msg) - 1 - used;
			memcpy(msg + used, chunk, take);
			used += take;
		}
	}
	close(pfd[0]);
	while (used && (msg[used - 1] == '\n' || msg[used - 1] == ' '))
		used--;
	msg[used] = '\0';

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s", msg);
	else if (used)
		fprintf(stderr, "%s\n", msg);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int script_errno(int code)
{
	if (code < 0)
		return code;
	switch (code) {
	case 0:
		return 0;
	case TB_EX_USAGE:
		return -EINVAL;
	case TB_EX_PERM:
		return -EPERM;
	case TB_EX_NOSUPPORT:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

/* Forget the parent's testbeds in a forked child that makes its own. */
static void live_claim(void)
{
	if (live_owner == getpid())
		return;
	memset(live, 0, sizeof(live));
	live_owner = getpid();
}

static int live_add(const char *name)
{
	int i;

	live_claim();
	for (i = 0; i < TB_MAX_LIVE; i++) {
		if (!live[i][0]) {
			snprintf(live[i], sizeof(live[i]), "%s", name);
			return 0;
		}
	}
	return -ENOSPC;
}

static void live_del(const char *name)
{
	int i;

	if (live_owner != getpid())
		return;
	for (i = 0; i < TB_MAX_LIVE; i++)
		if (!strcmp(live[i], name))
			live[i][0] = '\0';
}

static void down_at_exit(void)
{
	const char *args[] = { "down", NULL, NULL };
	int i;

	if (live_owner != getpid())
		return;
	for (i = 0; i < TB_MAX_LIVE; i++) {
		if (!live[i][0])
			continue;
		args[1] = live[i];
		run_script(args, NULL, 0);
		live[i][0] = '\0';
	}
}

/*
 * On SIGTERM (the harness's timeout) remove our testbeds, then die of
 * the signal.  The removers run in their own session so that the
 * SIGKILL that follows for our process group does not stop them halfway.
 * Only async-signal-safe calls here.
 */
static void down_on_signal(int sig)
{
	pid_t pids[TB_MAX_LIVE];
	int i, saved = errno;

	if (live_owner == getpid()) {
		for (i = 0; i < TB_MAX_LIVE; i++) {
			char *argv[] = { "sh", script_path, "down", live[i],
					 NULL };

			pids[i] = -1;
			if (!live[i][0])
				continue;
			pids[i] = fork();
			if (pids[i] == 0) {
				setsid();
				execve(TB_SH, argv, environ);
				_exit(127);
			}
		}
		for (i = 0; i < TB_MAX_LIVE; i++)
			while (pids[i] > 0 && waitpid(pids[i], NULL, 0) < 0 &&
			       errno == EINTR)
				;
	}
	signal(sig, SIG_DFL);
	raise(sig);
	errno = saved;
}

static void install_hooks(void)
{
	struct sigaction sa, old;
	size_t i;

	if (hooks_installed)
		return;
	hooks_installed = true;
	atexit(down_at_exit);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = down_on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < TB_ARRAY_SIZE(fatal_signals); i++)
		sigaddset(&sa.sa_mask, fatal_signals[i]);
	for (i = 0; i < TB_ARRAY_SIZE(fatal_signals); i++) {
		/* leave a handler the program installed itself alone */
		if (sigaction(fatal_signals[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_DFL)
			sigaction(fatal_signals[i], &sa, NULL);
	}
}

/*
 * "palm<pgid>-<name>-br" or "-h<n>" of a process group that is gone: a
 * run killed with SIGKILL.  Remove those testbeds.
 */
static void reap_stale(void)
{
	char stale[TB_MAX_STALE][NAME_MAX + 1];
	const char *args[] = { "down", NULL, NULL };
	int count = 0, i;
	struct dirent *de;
	DIR *dir;

	dir = opendir(TB_NETNS_DIR);
	if (!dir)
		return;
	while ((de = readdir(dir)) && count < TB_MAX_STALE) {
		const char *p = de->d_name + strlen(TB_PREFIX);
		char *end, *dash;
		long pgid;
		bool dup = false;

		if (strncmp(de->d_name, TB_PREFIX, strlen(TB_PREFIX)))
			continue;
		pgid = strtol(p, &end, 10);
		if (end == p || *end != '-' || pgid <= 1 || pgid == getpgrp())
			continue;
		if (kill(-(pid_t)pgid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(stale[count], sizeof(stale[count]), "%s", de->d_name);
		dash = strrchr(stale[count], '-');
		/* the testbed's own name must remain before the suffix */
		if (!dash || dash <= stale[count] + (end - de->d_name))
			continue;
		if (strcmp(dash, "-br") &&
		    (dash[1] != 'h' || strspn(dash + 2, "0123456789") == 0 ||
		     dash[2 + strspn(dash + 2, "0123456789")]))
			continue;
		*dash = '\0';
		for (i = 0; i < count; i++)
			dup |= !strcmp(stale[i], stale[count]);
		if (!dup)
			count++;
	}
	closedir(dir);
	for (i = 0; i < count; i++) {
		args[1] = stale[i];
		run_script(args, NULL, 0);
	}
}

static bool valid_name(const char *name)
{
	const char *p;

	if (!*name)
		return false;
	for (p = name; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", *p))
			return false;
	return true;
}

/* The third octet: any fixed function of the name will do. */
static unsigned int subnet_of(const char *name)
{
	uint32_t h = 2166136261u;

	while (*name)
		h = (h ^ (unsigned char)*name++) * 16777619u;
	return h % 254 + 1;
}

int testbed_up(struct testbed *tb, const char *name, int hosts,
	       const char *rate, char *errbuf, size_t errlen)
{
	const char *args[] = { "up", NULL, NULL, "--subnet", NULL,
			       NULL, NULL, NULL };
	char nhosts[16], subnet[16];
	unsigned int k;
	int ret, i;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!tb || !name || !valid_name(name))
		return tb_error(errbuf, errlen, -EINVAL,
				"bad testbed name '%s' (letters, digits, '_', '.', '-')",
				name ? name : "(null)");
	if (hosts < 1 || hosts > TESTBED_MAX_HOSTS)
		return tb_error(errbuf, errlen, -EINVAL,
				"hosts must be 1..%d, not %d",
				TESTBED_MAX_HOSTS, hosts);
	memset(tb, 0, sizeof(*tb));
	ret = snprintf(tb->name, sizeof(tb->name), TB_PREFIX "%d-%s",
		       (int)getpgrp(), name);
	if (ret < 0 || (size_t)ret >= sizeof(tb->name)) {
		tb->name[0] = '\0';
		return tb_error(errbuf, errlen, -ENAMETOOLONG,
				"testbed name '%s' too long", name);
	}
	ret = find_script();
	if (ret) {
		tb->name[0] = '\0';
		return tb_error(errbuf, errlen, ret,
				"cannot find %s (run from the source tree or set PALM_SRC)",
				TB_SCRIPT);
	}

	install_hooks();
	reap_stale();
	ret = live_add(tb->name);
	if (ret) {
		tb->name[0] = '\0';
		return tb_error(errbuf, errlen, ret,
				"more than %d testbeds in one process",
				TB_MAX_LIVE);
	}

	k = subnet_of(tb->name);
	snprintf(nhosts, sizeof(nhosts), "%d", hosts);
	snprintf(subnet, sizeof(subnet), "%u", k);
	args[1] = tb->name;
	args[2] = nhosts;
	args[4] = subnet;
	if (rate) {
		args[5] = "--rate";
		args[6] = rate;
	}
	ret = run_script(args, errbuf, errlen);
	if (ret) {
		if (ret > 0 && errbuf && errlen && !errbuf[0])
			snprintf(errbuf, errlen, "%s up failed (%d)",
				 TB_SCRIPT, ret);
		ret = script_errno(ret);
		goto fail;
	}
	tb->hosts = hosts;
	for (i = 0; i < hosts; i++)
		snprintf(tb->addr[i], sizeof(tb->addr[i]), "10.213.%u.%d",
			 k, i + 1);
	return 0;

fail:
	live_del(tb->name);
	tb->name[0] = '\0';
	return ret;
}

int testbed_down(struct testbed *tb)
{
	const char *args[] = { "down", NULL, NULL };
	int ret;

	if (!tb || !tb->name[0])
		return 0;
	ret = find_script();
	if (ret)
		return ret;
	args[1] = tb->name;
	ret = script_errno(run_script(args, NULL, 0));
	if (ret)
		return ret;
	live_del(tb->name);
	tb->name[0] = '\0';
	tb->hosts = 0;
	return 0;
}

static int host_ns_path(const struct testbed *tb, int host, char *buf,
			size_t len)
{
	int n;

	if (!tb || !tb->name[0] || host < 1 || host > tb->hosts)
		return -EINVAL;
	n = snprintf(buf, len, TB_NETNS_DIR "/%s-h%d", tb->name, host);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int open_host_ns(const struct testbed *tb, int host)
{
	char path[PATH_MAX];
	int fd, ret;

	ret = host_ns_path(tb, host, path, sizeof(path));
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int testbed_shape(const struct testbed *tb, int host, const char *rate)
{
	const char *args[] = { "shape", NULL, NULL, NULL, NULL };
	char num[16];
	int ret;

	if (!tb || !tb->name[0] || host < 1 || host > tb->hosts)
		return -EINVAL;
	ret = find_script();
	if (ret)
		return ret;
	snprintf(num, sizeof(num), "%d", host);
	args[1] = tb->name;
	args[2] = num;
	args[3] = rate ? rate : "off";
	return script_errno(run_script(args, NULL, 0));
}

int testbed_enter(const struct testbed *tb, int host)
{
	int fd, ret = 0;

	fd = open_host_ns(tb, host);
	if (fd < 0)
		return fd;
	if (setns(fd, CLONE_NEWNET))
		ret = -errno;
	close(fd);
	return ret;
}

int testbed_socket(const struct testbed *tb, int host, int domain, int type,
		   int protocol)
{
	int self_fd, ns_fd, fd, ret;

	self_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self_fd < 0)
		return -errno;
	ns_fd = open_host_ns(tb, host);
	if (ns_fd < 0) {
		ret = ns_fd;
		goto out_self;
	}
	if (setns(ns_fd, CLONE_NEWNET)) {
		ret = -errno;
		goto out_ns;
	}
	fd = socket(domain, type, protocol);
	ret = fd < 0 ? -errno : fd;
	if (setns(self_fd, CLONE_NEWNET)) {
		/* stranded in the host's namespace: no sane way on */
		perror("testbed: setns back");
		abort();
	}
out_ns:
	close(ns_fd);
out_self:
	close(self_fd);
	return ret;
}

static pid_t spawn_in(const struct testbed *tb, int host, char *const argv[],
		      bool stdout_to_stderr)
{
	size_t i;
	pid_t pid;
	int fd;

	if (!argv || !argv[0])
		return -EINVAL;
	fd = open_host_ns(tb, host);
	if (fd < 0)
		return fd;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		pid = -errno;
		close(fd);
		return pid;
	}
	if (pid == 0) {
		for (i = 0; i < TB_ARRAY_SIZE(fatal_signals); i++)
			signal(fatal_signals[i], SIG_DFL);
		if (setns(fd, CLONE_NEWNET)) {
			dprintf(STDERR_FILENO,
				"testbed: setns into %s-h%d: %s\n",
				tb->name, host, strerror(errno));
			_exit(126);
		}
		if (stdout_to_stderr)
			dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "testbed: %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(fd);
	return pid;
}

pid_t testbed_spawn(const struct testbed *tb, int host, char *const argv[])
{
	return spawn_in(tb, host, argv, false);
}

int testbed_run(const struct testbed *tb, int host, const char *shell_cmd)
{
	char *argv[] = { "sh", "-c", (char *)shell_cmd, NULL };
	int status;
	pid_t pid;

	if (!shell_cmd)
		return -EINVAL;
	pid = spawn_in(tb, host, argv, true);
	if (pid < 0)
		return pid;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

bool testbed_available(char *why, size_t len)
{
	struct testbed probe;
	int ret;

	if (geteuid() != 0) {
		tb_error(why, len, -EPERM,
			 "needs root (network namespaces, veth and tc need CAP_SYS_ADMIN and CAP_NET_ADMIN)");
		return false;
	}
	ret = testbed_up(&probe, "probe", 1, "10mbit", why, len);
	if (ret) {
		if (why && len && !why[0])
			snprintf(why, len, "testbed: %s", strerror(-ret));
		return false;
	}
	testbed_down(&probe);
	if (why && len)
		why[0] = '\0';
	return true;
}
