// SPDX-License-Identifier: GPL-2.0
/* The local QEMU behind a QMP socket, from its command line; see qmp_peer.h. */
#include "qmp/qmp_peer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* libvirt's QEMU command lines run to tens of KiB */
#define CMDLINE_MAX (1 << 20)

static bool is_qemu(const char *argv0)
{
	const char *base = strrchr(argv0, '/');

	base = base ? base + 1 : argv0;
	return !strncmp(base, "qemu", 4) || !strcmp(base, "kvm");
}

/* QEMU's option names take one dash or two. */
static bool is_option(const char *arg, const char *name)
{
	if (arg[0] != '-')
		return false;
	arg += arg[1] == '-' ? 2 : 1;
	return !strcmp(arg, name);
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
}

/* 0 or a power of 2 up to KVM's maximum, as kvm_set_dirty_ring_size takes */
static int parse_ring(const char *s, size_t len, long *ring)
{
	char buf[24], *end;
	unsigned long v;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] == '-' || buf[0] == '+')
		return -EINVAL;
	errno = 0;
	/* QEMU's string visitor reads integers in any C base */
	v = strtoul(buf, &end, 0);
	if (errno || *end || v > QMP_DIRTY_RING_MAX_PAGES || (v & (v - 1)))
		return -EINVAL;
	*ring = (long)v;
	return 0;
}

/*
 * One -accel value, QemuOpts syntax: comma-separated key=value items,
 * ",," a literal comma, a bare first item the accelerator's name.
 * *ring is left alone when the value does not set it.
 */
static int accel_opts(const char *v, bool *kvm, long *ring)
{
	const char *item = v, *p;
	bool first = true;
	size_t len;
	int ret;

	*kvm = false;
	while (*item) {
		for (p = item; *p; p++) {
			if (*p != ',')
				continue;
			if (p[1] != ',')
				break;
			p++;
		}
		len = (size_t)(p - item);
		if (first && !memchr(item, '=', len))
			*kvm = len == 3 && !memcmp(item, "kvm", 3);
		else if (has_prefix(item, len, "accel="))
			*kvm = len == 9 && !memcmp(item + 6, "kvm", 3);
		else if (has_prefix(item, len, "dirty-ring-size=")) {
			/* the last one wins, as QemuOpts applies them in order */
			ret = parse_ring(item + 16, len - 16, ring);
			if (ret)
				return ret;
		}
		first = false;
		item = *p ? p + 1 : p;
	}
	return 0;
}

int qmp_cmdline_dirty_ring(const char *args, size_t len, int *pages)
{
	const char *end = args + len, *arg, *next;
	bool found = false, kvm;
	long ring;
	int ret;

	*pages = 0;
	/* argv is NUL-terminated strings; anything else is not one */
	if (!len || args[len - 1] != '\0' || !is_qemu(args))
		return -ENOENT;
	for (arg = args + strlen(args) + 1; arg < end; arg = next) {
		next = arg + strlen(arg) + 1;
		if (is_option(arg, "readconfig") ||
		    (is_option(arg, "set") && next < end &&
		     !strncmp(next, "accel.", 6)) ||
		    (is_option(arg, "global") && next < end &&
		     !strncmp(next, "kvm-accel.", 10)))
			return -EOPNOTSUPP;
		if (!is_option(arg, "accel") || next >= end || found)
			continue;
		ring = 0;
		ret = accel_opts(next, &kvm, &ring);
		if (ret)
			return ret;
		/* QEMU uses the first accelerator that starts: KVM's is this one */
		if (kvm) {
			*pages = (int)ring;
			found = true;
		}
	}
	return 0;
}

static int read_cmdline(pid_t pid, char **out, size_t *len)
{
	char path[40], *buf = NULL, *grown;
	size_t cap = 0, n = 0;
	ssize_t r;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if (cap > CMDLINE_MAX) {
				ret = -E2BIG;
				goto out;
			}
			grown = realloc(buf, cap);
			if (!grown) {
				ret = -ENOMEM;
				goto out;
			}
			buf = grown;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			goto out;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
out:
	close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	*out = buf;
	*len = n;
	return 0;
}

int qmp_peer_dirty_ring(const struct qmp_client *c, int *pages, char *err,
			size_t errlen)
{
	struct sockaddr_storage sa;
	socklen_t salen = sizeof(sa);
	struct ucred cred;
	socklen_t credlen = sizeof(cred);
	int fd = qmp_fd(c), ret;
	char *args = NULL;
	size_t len = 0;

	*pages = 0;
	if (getsockname(fd, (struct sockaddr *)&sa, &salen) ||
	    sa.ss_family != AF_UNIX) {
		snprintf(err, errlen, "QMP is not on a local unix socket");
		return -EOPNOTSUPP;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) ||
	    cred.pid <= 0) {
		snprintf(err, errlen, "QEMU's pid is not visible from here");
		return -ESRCH;
	}
	ret = read_cmdline(cred.pid, &args, &len);
	if (ret) {
		snprintf(err, errlen, "/proc/%d/cmdline: %s", (int)cred.pid,
			 strerror(-ret));
		return ret;
	}
	ret = qmp_cmdline_dirty_ring(args, len, pages);
	if (ret == -ENOENT)
		snprintf(err, errlen, "pid %d at the socket's end is not QEMU",
			 (int)cred.pid);
	else if (ret == -EOPNOTSUPP)
		snprintf(err, errlen, "pid %d's command line may set the ring elsewhere (-readconfig, -set, -global)",
			 (int)cred.pid);
	else if (ret)
		snprintf(err, errlen, "pid %d's dirty-ring-size is not one QEMU takes",
			 (int)cred.pid);
	free(args);
	return ret;
}
