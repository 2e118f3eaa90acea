/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real QEMU processes for tests: start one with palm's test guest, a QMP
 * socket and a serial log in a private directory, wait for the guest,
 * and always clean up.
 */
#ifndef PALM_TEST_QEMU_PROC_H
#define PALM_TEST_QEMU_PROC_H

#include <stdbool.h>
#include <sys/types.h>

struct qemu_opts {
	const char *accel;		/* "tcg" (default) or "kvm" */
	const char *mem;		/* -m, default "128M" */
	const char *kernel;		/* default: the test guest ELF */
	const char *append;		/* the guest's command line */
	const char *incoming;		/* -incoming, e.g. "defer" */
	const char *netns;		/* run inside this network namespace */
	const char *extra[8];		/* more arguments, NULL-terminated */
};

struct qemu_proc {
	pid_t pid;
	char dir[64];
	char qmp_path[100];	/* fits sun_path; for the code under test */
	char qmp2_path[100];	/* a second monitor, for the test itself */
	char qmp_uri[108];	/* "unix:" qmp_path, as palmctl takes it */
	char serial_path[192];
	char stderr_path[192];
};

/* The build directory the tests were built into (env PALM_BUILD). */
const char *palm_build_dir(void);
/* Path of a program or file inside the build directory. */
void palm_build_path(char *buf, size_t len, const char *rel);

/* The QEMU binary tests start: $PALM_QEMU, or qemu-system-x86_64 from PATH. */
const char *qemu_binary(void);
/* Why QEMU or KVM cannot be used here, for SKIP; true when usable. */
bool qemu_available(char *why, size_t len);
bool kvm_available(char *why, size_t len);

/* Starts QEMU and waits (up to 10 s) until its QMP socket accepts. */
int qemu_start(struct qemu_proc *p, const struct qemu_opts *o);
/* Kills QEMU (if alive), reaps it and removes its directory. */
void qemu_stop(struct qemu_proc *p);
/* Sends SIGKILL now, as a crash would. */
void qemu_kill(struct qemu_proc *p);
bool qemu_alive(struct qemu_proc *p);

/*
 * Waits until the serial log holds a line starting with prefix after
 * offset *from (bytes); on success copies that line and moves *from past
 * it.  -ETIMEDOUT when it does not appear in time.
 */
int qemu_wait_line(const struct qemu_proc *p, const char *prefix,
		   long *from, char *line, size_t len, int timeout_ms);

/* Everything QEMU wrote to stderr, for test diagnostics. */
void qemu_dump_stderr(const struct qemu_proc *p);

/*
 * A migration pair: the source runs the guest until it prints "ready",
 * then the destination starts with -incoming defer and the same options.
 * src_ns/dst_ns: network namespaces, or NULL.  Returns 0 or -errno.
 */
int qemu_start_pair(struct qemu_proc *src, struct qemu_proc *dst,
		    const struct qemu_opts *o, const char *src_ns,
		    const char *dst_ns);

/* A loopback TCP port that nobody listens on now, or -1. */
int qemu_free_port(void);

/* The test's own QMP connection (the second monitor), or NULL. */
struct qmp_client *qemu_monitor(const struct qemu_proc *p);
bool qemu_guest_running(const struct qemu_proc *p);
/*
 * Ask the guest to verify its whole working set (the 'v' key) and wait
 * for its answer: 0 and *ok set, or -errno when no answer came.
 */
int qemu_guest_verify(const struct qemu_proc *p, bool *ok);

#endif /* PALM_TEST_QEMU_PROC_H */
