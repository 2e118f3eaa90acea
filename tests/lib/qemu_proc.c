// SPDX-License-Identifier: GPL-2.0
/* Real QEMU processes for tests; see qemu_proc.h. */
#include "tests/lib/qemu_proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qmp/qmp_client.h"
#include "qmp/qmp_commands.h"
#include "tests/lib/harness.h"

#define QEMU_BIN "qemu-system-x86_64"

/*
 * PALM_QEMU names another QEMU binary (tests/core/newer_qemu_test.sh runs
 * tests on the one install-backports.sh unpacks); else PATH's.
 */
const char *qemu_binary(void)
{
	const char *q = getenv("PALM_QEMU");

	return q && *q ? q : QEMU_BIN;
}

const char *palm_build_dir(void)
{
	const char *b = getenv("PALM_BUILD");

	return b && *b ? b : "build";
}

void palm_build_path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", palm_build_dir(), rel);
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[512];

	while (path && *path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (access(buf, X_OK) == 0)
			return true;
		path = colon ? colon + 1 : NULL;
	}
	return false;
}

bool qemu_available(char *why, size_t len)
{
	char elf[256];

	const char *bin = qemu_binary();

	if (strchr(bin, '/') ? access(bin, X_OK) != 0 : !in_path(bin)) {
		snprintf(why, len, "%s not found (make deps installs it)", bin);
		return false;
	}
	palm_build_path(elf, sizeof(elf), "tests/guest/palm-guest.elf");
	if (access(elf, R_OK)) {
		snprintf(why, len, "test guest %s not built", elf);
		return false;
	}
	return true;
}

bool kvm_available(char *why, size_t len)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, len, "/dev/kvm: %s", strerror(errno));
		return false;
	}
	close(fd);
	return qemu_available(why, len);
}

static int connectable(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	close(fd);
	return ret;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

int qemu_start(struct qemu_proc *p, const struct qemu_opts *o)
{
	char kernel[256], qmp[160], qmp2[160], serial[224];
	const char *argv[48];
	struct timespec t0;
	int argc = 0, i, err;

	memset(p, 0, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "/tmp/palm-qemu-XXXXXX");
	if (!mkdtemp(p->dir))
		return -errno;
	snprintf(p->qmp_path, sizeof(p->qmp_path), "%s/qmp.sock", p->dir);
	snprintf(p->qmp2_path, sizeof(p->qmp2_path), "%s/qmp2.sock", p->dir);
	snprintf(p->qmp_uri, sizeof(p->qmp_uri), "unix:%s", p->qmp_path);
	snprintf(p->serial_path, sizeof(p->serial_path), "%s/serial.log", p->dir);
	snprintf(p->stderr_path, sizeof(p->stderr_path), "%s/stderr.log", p->dir);
	if (o->kernel)
		snprintf(kernel, sizeof(kernel), "%s", o->kernel);
	else
		palm_build_path(kernel, sizeof(kernel), "tests/guest/palm-guest.elf");
	snprintf(qmp, sizeof(qmp), "unix:%s,server=on,wait=off", p->qmp_path);
	snprintf(qmp2, sizeof(qmp2), "unix:%s,server=on,wait=off", p->qmp2_path);
	snprintf(serial, sizeof(serial), "file:%s", p->serial_path);

	if (o->netns) {
		argv[argc++] = "ip";
		argv[argc++] = "netns";
		argv[argc++] = "exec";
		argv[argc++] = o->netns;
	}
	argv[argc++] = qemu_binary();
	argv[argc++] = "-accel";
	argv[argc++] = o->accel ? o->accel : "tcg";
	argv[argc++] = "-m";
	argv[argc++] = o->mem ? o->mem : "128M";
	argv[argc++] = "-nodefaults";
	argv[argc++] = "-display";
	argv[argc++] = "none";
	argv[argc++] = "-qmp";
	argv[argc++] = qmp;
	argv[argc++] = "-qmp";
	argv[argc++] = qmp2;
	argv[argc++] = "-serial";
	argv[argc++] = serial;
	argv[argc++] = "-kernel";
	argv[argc++] = kernel;
	if (o->append) {
		argv[argc++] = "-append";
		argv[argc++] = o->append;
	}
	if (o->incoming) {
		argv[argc++] = "-incoming";
		argv[argc++] = o->incoming;
	}
	for (i = 0; i < 8 && o->extra[i]; i++)
		argv[argc++] = o->extra[i];
	argv[argc] = NULL;

	p->pid = fork();
	if (p->pid < 0) {
		err = -errno;
		goto err_dir;
	}
	if (p->pid == 0) {
		int fd = open(p->stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, STDERR_FILENO);
			dup2(fd, STDOUT_FILENO);
		}
		/* QEMU dies with the test, whatever happens to the test. */
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}

	/*
	 * QEMU listens on its monitors before it creates the -serial
	 * backends, so wait for both.
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (connectable(p->qmp_path) || access(p->serial_path, F_OK)) {
		if (!qemu_alive(p)) {
			qemu_dump_stderr(p);
			err = -ECHILD;
			goto err_dir;
		}
		if (ms_since(&t0) > 10000) {
			err = -ETIMEDOUT;
			goto err_kill;
		}
		usleep(10000);
	}
	return 0;

err_kill:
	qemu_stop(p);
	return err;
err_dir:
	qemu_stop(p);
	return err;
}

bool qemu_alive(struct qemu_proc *p)
{
	int status;

	if (p->pid <= 0)
		return false;
	if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
		p->pid = 0;
		return false;
	}
	return kill(p->pid, 0) == 0;
}

void qemu_kill(struct qemu_proc *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		p->pid = 0;
	}
}

void qemu_stop(struct qemu_proc *p)
{
	char path[224];

	if (p->pid > 0) {
		struct timespec t0;

		kill(p->pid, SIGTERM);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (qemu_alive(p) && ms_since(&t0) < 3000)
			usleep(10000);
		qemu_kill(p);
	}
	if (!p->dir[0])
		return;
	unlink(p->qmp_path);
	unlink(p->qmp2_path);
	unlink(p->serial_path);
	unlink(p->stderr_path);
	snprintf(path, sizeof(path), "%s", p->dir);
	rmdir(path);
	p->dir[0] = '\0';
}

int qemu_wait_line(const struct qemu_proc *p, const char *prefix,
		   long *from, char *line, size_t len, int timeout_ms)
{
	size_t plen = strlen(prefix);
	struct timespec t0;
	char buf[512];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		FILE *f = fopen(p->serial_path, "r");

		if (f) {
			long pos = *from;

			fseek(f, pos, SEEK_SET);
			while (fgets(buf, sizeof(buf), f)) {
				size_t n = strlen(buf);

				/* An unfinished last line is read next time. */
				if (n == 0 || buf[n - 1] != '\n')
					break;
				pos += n;
				if (!strncmp(buf, prefix, plen)) {
					buf[n - 1] = '\0';
					snprintf(line, len, "%s", buf);
					*from = pos;
					fclose(f);
					return 0;
				}
			}
			*from = pos;
			fclose(f);
		}
		usleep(10000);
	} while (ms_since(&t0) < timeout_ms);
	return -ETIMEDOUT;
}

void qemu_dump_stderr(const struct qemu_proc *p)
{
	char buf[256];
	FILE *f = fopen(p->stderr_path, "r");

	if (!f)
		return;
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		TH_LOG("qemu: %s", buf);
	}
	fclose(f);
}

/* How long a guest may take to boot and fill its working set. */
#define READY_TIMEOUT_MS 30000
/* How long a verify of the whole working set may take. */
#define VERIFY_TIMEOUT_MS 60000

int qemu_start_pair(struct qemu_proc *src, struct qemu_proc *dst,
		    const struct qemu_opts *o, const char *src_ns,
		    const char *dst_ns)
{
	struct qemu_opts so = *o, dopts = *o;
	char line[256];
	long off = 0;
	int err;

	so.netns = src_ns;
	so.incoming = NULL;
	err = qemu_start(src, &so);
	if (err)
		return err;
	err = qemu_wait_line(src, "ready", &off, line, sizeof(line),
			     READY_TIMEOUT_MS * th_timeout_scale());
	if (err) {
		TH_LOG("the source guest did not get ready");
		qemu_dump_stderr(src);
		return err;
	}
	dopts.netns = dst_ns;
	dopts.incoming = "defer";
	return qemu_start(dst, &dopts);
}

int qemu_free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

struct qmp_client *qemu_monitor(const struct qemu_proc *p)
{
	struct qmp_client *c = NULL;
	char addr[128];

	snprintf(addr, sizeof(addr), "unix:%s", p->qmp2_path);
	return qmp_connect(addr, 5000, &c) ? NULL : c;
}

bool qemu_guest_running(const struct qemu_proc *p)
{
	struct qmp_client *c = qemu_monitor(p);
	char status[32];
	bool running = false;

	if (!c)
		return false;
	if (qmp_query_status(c, status, sizeof(status), &running))
		running = false;
	qmp_close(c);
	return running;
}

int qemu_guest_verify(const struct qemu_proc *p, bool *ok)
{
	struct qmp_client *c = qemu_monitor(p);
	char line[256];
	long off = 0;
	int err;

	if (!c)
		return -ECONNREFUSED;
	/* skip the verify lines printed before this request */
	while (!qemu_wait_line(p, "verify", &off, line, sizeof(line), 0))
		;
	err = qmp_send_key(c, "v");
	qmp_close(c);
	if (err)
		return err;
	err = qemu_wait_line(p, "verify", &off, line, sizeof(line),
			     VERIFY_TIMEOUT_MS * th_timeout_scale());
	if (err)
		return err;
	TH_LOG("guest: %s", line);
	*ok = strstr(line, "result=ok") != NULL;
	return 0;
}
