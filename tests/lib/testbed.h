/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Emulated hosts in network namespaces for tests and benchmarks: the C
 * side of scripts/testbed.sh.
 *
 * testbed_up(tb, "mig", 2, "100mbit", ...) makes namespaces
 * palm<pgid>-mig-h1 and -h2, each with eth0 on a private bridge (in
 * palm<pgid>-mig-br), addresses tb->addr[0] and tb->addr[1].  The process
 * group id in the name keeps parallel runs apart and lets a later run
 * remove what a killed one left behind.
 *
 * A testbed brought up by this process is also taken down when the
 * process exits or dies of SIGTERM, SIGINT or SIGHUP (the harness's
 * timeout), unless the caller installed its own handler for those.
 * Not thread-safe: bring testbeds up and down from one thread.
 *
 * The script is found as $PALM_SRC/scripts/testbed.sh, else
 * ./scripts/testbed.sh, else in a parent directory of the executable.
 */
#ifndef PALM_TESTS_TESTBED_H
#define PALM_TESTS_TESTBED_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define TESTBED_MAX_HOSTS 8

struct testbed {
	char name[32];		/* full testbed name; "" when down */
	int hosts;
	char addr[TESTBED_MAX_HOSTS][16];	/* host i is addr[i - 1] */
};

/*
 * Bring up @hosts (1..TESTBED_MAX_HOSTS) hosts, each link limited to
 * @rate (tc units, e.g. "20mbit") in both directions, or unshaped when
 * @rate is NULL.  @name: letters, digits, '_' and '.', up to 19.
 * Returns 0, or -EPERM (not root), -EOPNOTSUPP (no namespaces, veth,
 * bridge or tbf here; callers usually skip), -EINVAL, -ENOENT (script
 * not found) or -EIO, with the reason in @errbuf.
 */
int testbed_up(struct testbed *tb, const char *name, int hosts,
	       const char *rate, char *errbuf, size_t errlen);

/* Remove every namespace of @tb; idempotent, safe on a zeroed testbed. */
int testbed_down(struct testbed *tb);

/* Change host @host's link rate at run time; NULL or "off" unshapes. */
int testbed_shape(const struct testbed *tb, int host, const char *rate);

/*
 * Fork and exec @argv (PATH searched) in host @host's network namespace
 * (setns; /sys still shows the caller's view).  The child inherits file
 * descriptors and the process group.  Returns its pid or -errno; the
 * caller waits for it or kills it.
 */
pid_t testbed_spawn(const struct testbed *tb, int host, char *const argv[]);

/*
 * Run "sh -c @shell_cmd" in host @host and wait: returns its exit status,
 * 128 + signal when killed, or -errno.  Its stdout goes to stderr so that
 * a TAP stream on stdout stays clean.
 */
int testbed_run(const struct testbed *tb, int host, const char *shell_cmd);

/* A socket(2) created inside host @host; the caller stays where it was. */
int testbed_socket(const struct testbed *tb, int host, int domain, int type,
		   int protocol);

/* Move the calling thread into host @host's network namespace. */
int testbed_enter(const struct testbed *tb, int host);

/*
 * Can testbeds be made here (root, script, ip netns, veth, bridge, tbf)?
 * Tries a one-host shaped testbed; says why not in @why.
 */
bool testbed_available(char *why, size_t len);

#endif /* PALM_TESTS_TESTBED_H */
