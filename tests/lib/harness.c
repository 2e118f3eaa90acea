// SPDX-License-Identifier: GPL-2.0
/*
 * Runner for tests/lib/harness.h: forks each test into its own process
 * group, enforces its timeout, and prints TAP 13.
 *
 * The child reports skip reasons through a shared page, because its
 * stdout is the TAP stream and must stay line-clean for prove.
 */
#include "harness.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TH_EXIT_PASS 0
#define TH_EXIT_FAIL 1
#define TH_EXIT_SKIP 4		/* kselftest's KSFT_SKIP */
#define TH_REASON_MAX 512

static struct th_case *cases, **cases_tail = &cases;
static struct th_fixture *fixtures, **fixtures_tail = &fixtures;
static char *skip_reason;	/* MAP_SHARED page, written by the child */
/*
 * The running test's diagnostics, kept aside (a memfd shared with the
 * child) so that a failure's can be appended to PALM_TEST_FAILLOG: prove
 * hides TAP comments, and `make check` prints that file last, where a CI
 * log's tail shows it.
 */
static int diag_fd = -1;
/* Commands to run when the test is killed, one per line (th_cleanup_on_kill). */
static int cleanup_fd = -1;

/* Placeholder so that a fixture without FIXTURE_VARIANT_ADD runs once. */
static struct th_variant default_variant = { .name = NULL, .data = NULL };

void th_register_case(struct th_case *tc)
{
	*cases_tail = tc;
	cases_tail = &tc->next;
}

void th_register_fixture(struct th_fixture *f)
{
	f->variants_tail = &f->variants;
	*fixtures_tail = f;
	fixtures_tail = &f->next;
}

void th_register_variant(struct th_fixture *f, struct th_variant *v)
{
	*f->variants_tail = v;
	f->variants_tail = &v->next;
}

/* One "# ..." line to the TAP stream and to the kept diagnostics. */
static void th_vcomment(const char *head, const char *fmt, va_list ap)
{
	va_list again;

	va_copy(again, ap);
	printf("# %s", head);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	if (diag_fd >= 0) {
		dprintf(diag_fd, "# %s", head);
		vdprintf(diag_fd, fmt, again);
		dprintf(diag_fd, "\n");
	}
	va_end(again);
}

void th_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	th_vcomment("", fmt, ap);
	va_end(ap);
}

void th_skip(struct th_run *run, const char *fmt, ...)
{
	va_list ap;

	run->skipped = true;
	if (skip_reason) {
		va_start(ap, fmt);
		vsnprintf(skip_reason, TH_REASON_MAX, fmt, ap);
		va_end(ap);
	}
}

void th_fail(struct th_run *run, bool fatal, const char *file, int line,
	     const char *fmt, ...)
{
	char head[256];
	va_list ap;

	snprintf(head, sizeof(head), "%s:%d: ", file, line);
	va_start(ap, fmt);
	th_vcomment(head, fmt, ap);
	va_end(ap);
	run->failed = true;
	if (fatal)
		siglongjmp(run->bail, 1);
}

static bool th_negative(struct th_value v)
{
	return v.is_signed && (long long)v.bits < 0;
}

int th_compare(struct th_value a, struct th_value b)
{
	if (a.is_float || b.is_float)
		return (a.real > b.real) - (a.real < b.real);
	if (th_negative(a) != th_negative(b))
		return th_negative(a) ? -1 : 1;
	if (th_negative(a))
		return ((long long)a.bits > (long long)b.bits) -
		       ((long long)a.bits < (long long)b.bits);
	return (a.bits > b.bits) - (a.bits < b.bits);
}

static void th_format_value(char *buf, size_t len, struct th_value v)
{
	if (v.is_float)
		snprintf(buf, len, "%Lg", v.real);
	else if (v.is_signed)
		snprintf(buf, len, "%lld", (long long)v.bits);
	else
		snprintf(buf, len, "%llu", v.bits);
}

void th_fail_cmp(struct th_run *run, bool fatal, const char *file, int line,
		 const char *expected, const char *op, const char *seen,
		 struct th_value a, struct th_value b)
{
	char va[64], vb[64];

	th_format_value(va, sizeof(va), a);
	th_format_value(vb, sizeof(vb), b);
	th_fail(run, fatal, file, line, "Expected %s (%s) %s %s (%s)",
		expected, va, op, seen, vb);
}

double th_timeout_scale(void)
{
	const char *s = getenv("PALM_TEST_TIMEOUT_SCALE");
	double v = s ? strtod(s, NULL) : 1.0;

	return v > 0 ? v : 1.0;
}

static void full_name(char *buf, size_t len, const struct th_case *tc,
		      const struct th_variant *v)
{
	if (!tc->fixture)
		snprintf(buf, len, "%s", tc->name);
	else if (v->name)
		snprintf(buf, len, "%s.%s.%s", tc->fixture->name, v->name,
			 tc->name);
	else
		snprintf(buf, len, "%s.%s", tc->fixture->name, tc->name);
}

static const struct th_variant *first_variant(const struct th_case *tc)
{
	if (!tc->fixture || !tc->fixture->variants)
		return &default_variant;
	return tc->fixture->variants;
}

static const struct th_variant *next_variant(const struct th_variant *v)
{
	if (v == &default_variant)
		return NULL;
	return v->next;
}

/* In the child: setup, body, teardown; the exit code carries the result. */
static void run_child(const struct th_case *tc, const struct th_variant *v)
{
	/* static: these change between sigsetjmp and a bail's siglongjmp */
	static struct th_run run;
	static void *self;
	static bool set_up;
	struct th_fixture *f = tc->fixture;

	run.test = tc;
	run.variant = v;

	setpgid(0, 0);
	if (f) {
		self = calloc(1, f->self_size ? f->self_size : 1);
		if (!self) {
			th_log("out of memory for fixture %s", f->name);
			exit(TH_EXIT_FAIL);
		}
	}
	if (sigsetjmp(run.bail, 1) == 0) {
		if (f) {
			f->setup(&run, self, v->data);
			set_up = true;
		}
		if (!run.skipped && !run.failed) {
			run.in_body = true;
			tc->fn(&run, self, v->data);
		}
	}
	/* A failed ASSERT in the body still tears the fixture down. */
	if (f && (set_up || run.in_body) && sigsetjmp(run.bail, 1) == 0)
		f->teardown(&run, self, v->data);
	free(self);
	fflush(stdout);
	if (run.failed)
		exit(TH_EXIT_FAIL);
	exit(run.skipped ? TH_EXIT_SKIP : TH_EXIT_PASS);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Wait for the child, killing its whole process group (QEMU and other
 * helpers it started) when the timeout passes: SIGTERM first so helpers
 * can clean up, SIGKILL two seconds later.
 */
static int wait_child(pid_t pid, double timeout_s, bool *timed_out)
{
	double deadline = now_s() + timeout_s;
	bool termed = false;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (now_s() > deadline) {
			*timed_out = true;
			kill(-pid, termed ? SIGKILL : SIGTERM);
			kill(pid, termed ? SIGKILL : SIGTERM);
			termed = true;
			deadline = now_s() + 2;
		}
		usleep(5000);
	}
	/* Reap stragglers left in the group by a passing test, too. */
	kill(-pid, SIGKILL);
	return status;
}

int th_cleanup_on_kill(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd) || strchr(cmd, '\n'))
		return -EINVAL;
	if (cleanup_fd < 0)
		return -EBADF;
	/* one write per line: the test may be killed between two */
	return dprintf(cleanup_fd, "%s\n", cmd) == n + 1 ? 0 : -EIO;
}

/* A killed test's teardown did not run: run what it registered. */
static void run_cleanups(const char *name)
{
	char buf[8192], *line, *nl;
	ssize_t n;
	int rc;

	if (cleanup_fd < 0 || lseek(cleanup_fd, 0, SEEK_SET) < 0)
		return;
	n = read(cleanup_fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (line = buf; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		th_log("%s: killed, so its cleanup: %s", name, line);
		rc = system(line);
		if (rc)
			th_log("%s: cleanup exited with %d", name, rc);
	}
}

/*
 * Appends the failed test's kept diagnostics to PALM_TEST_FAILLOG, if
 * set, under a header naming the program and the test.
 */
static void keep_failure(const char *prog, const char *name)
{
	const char *path = getenv("PALM_TEST_FAILLOG");
	char buf[4096];
	ssize_t n;
	FILE *out;

	if (!path || !*path || diag_fd < 0 || lseek(diag_fd, 0, SEEK_SET) < 0)
		return;
	out = fopen(path, "a");
	if (!out)
		return;
	fprintf(out, "=== %s: %s\n", prog, name);
	while ((n = read(diag_fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, out);
	fclose(out);
}

/* A kept memfd emptied for the next test, or -1. */
static int emptied(int fd)
{
	if (fd >= 0 && (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET)))
		return -1;
	return fd;
}

static int run_one(const char *prog, unsigned int num,
		   const struct th_case *tc, const struct th_variant *v)
{
	double timeout = tc->timeout_s * th_timeout_scale();
	bool timed_out = false;
	char name[256];
	int status, rc = TH_EXIT_FAIL;
	pid_t pid;

	full_name(name, sizeof(name), tc, v);
	printf("# RUN %s ...\n", name);
	fflush(stdout);
	skip_reason[0] = '\0';
	/* on failure keep running: only the replay or the cleanup is lost */
	diag_fd = emptied(diag_fd);
	cleanup_fd = emptied(cleanup_fd);

	pid = fork();
	if (pid < 0) {
		th_log("%s: fork: %s", name, strerror(errno));
		goto out;
	}
	if (pid == 0)
		run_child(tc, v);

	status = wait_child(pid, timeout, &timed_out);
	if (timed_out) {
		th_log("%s: timed out after %.0f s", name, timeout);
	} else if (status < 0) {
		th_log("%s: waitpid: %s", name, strerror(-status));
	} else if (WIFSIGNALED(status)) {
		th_log("%s: killed by signal %d (%s)", name,
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else if (WEXITSTATUS(status) == TH_EXIT_PASS) {
		rc = TH_EXIT_PASS;
	} else if (WEXITSTATUS(status) == TH_EXIT_SKIP) {
		rc = TH_EXIT_SKIP;
	} else if (WEXITSTATUS(status) != TH_EXIT_FAIL) {
		th_log("%s: exited with %d", name, WEXITSTATUS(status));
	}
	if (timed_out || (status >= 0 && WIFSIGNALED(status)))
		run_cleanups(name);
out:
	switch (rc) {
	case TH_EXIT_PASS:
		printf("ok %u %s\n", num, name);
		break;
	case TH_EXIT_SKIP:
		printf("ok %u %s # SKIP %s\n", num, name,
		       skip_reason[0] ? skip_reason : "(no reason given)");
		break;
	default:
		printf("not ok %u %s\n", num, name);
		keep_failure(prog, name);
	}
	return rc;
}

static bool selected(const struct th_case *tc, const struct th_variant *v,
		     const char *filter)
{
	char name[256];

	if (!filter)
		return true;
	full_name(name, sizeof(name), tc, v);
	/* Match the full name or its last component. */
	return strcmp(name, filter) == 0 || strcmp(tc->name, filter) == 0;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-l] [-t NAME]\n"
		"  -l       list the tests and exit\n"
		"  -t NAME  run only NAME (test, fixture.test or fixture.variant.test)\n"
		"environment: PALM_TEST_TIMEOUT_SCALE=F multiplies every timeout\n",
		prog);
}

int main(int argc, char **argv)
{
	unsigned int total = 0, num = 0, pass = 0, fail = 0, skip = 0;
	const struct th_variant *v;
	const char *filter = NULL;
	const struct th_case *tc;
	bool list = false;
	int opt;

	while ((opt = getopt(argc, argv, "lt:h")) != -1) {
		switch (opt) {
		case 'l':
			list = true;
			break;
		case 't':
			filter = optarg;
			break;
		case 'h':
			usage(argv[0]);
			return 0;
		default:
			usage(argv[0]);
			return 2;
		}
	}

	for (tc = cases; tc; tc = tc->next)
		for (v = first_variant(tc); v; v = next_variant(v))
			if (selected(tc, v, filter))
				total++;

	if (list) {
		char name[256];

		for (tc = cases; tc; tc = tc->next)
			for (v = first_variant(tc); v; v = next_variant(v)) {
				full_name(name, sizeof(name), tc, v);
				puts(name);
			}
		return 0;
	}
	if (filter && total == 0) {
		fprintf(stderr, "%s: no test named '%s' (try -l)\n", argv[0],
			filter);
		return 2;
	}

	skip_reason = mmap(NULL, TH_REASON_MAX, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (skip_reason == MAP_FAILED) {
		perror("mmap");
		return 2;
	}

	diag_fd = memfd_create("th-diagnostics", MFD_CLOEXEC);
	cleanup_fd = memfd_create("th-cleanups", MFD_CLOEXEC);
	printf("TAP version 13\n1..%u\n", total);
	fflush(stdout);
	for (tc = cases; tc; tc = tc->next) {
		for (v = first_variant(tc); v; v = next_variant(v)) {
			if (!selected(tc, v, filter))
				continue;
			switch (run_one(argv[0], ++num, tc, v)) {
			case TH_EXIT_PASS:
				pass++;
				break;
			case TH_EXIT_SKIP:
				skip++;
				break;
			default:
				fail++;
			}
			fflush(stdout);
		}
	}
	printf("# Totals: pass:%u fail:%u skip:%u\n", pass, fail, skip);
	return fail ? 1 : 0;
}

/* How many parents of the executable th_src_path climbs. */
#define TH_SRC_DEPTH 8

static int th_src_resolve(const char *candidate, char *path, size_t len)
{
	char real[PATH_MAX];

	if (access(candidate, R_OK) || !realpath(candidate, real))
		return -ENOENT;
	if ((size_t)snprintf(path, len, "%s", real) >= len)
		return -ENOENT;
	return 0;
}

int th_src_path(const char *rel, char *path, size_t len)
{
	const char *src = getenv("PALM_SRC");
	char dir[PATH_MAX], cand[2 * PATH_MAX];
	char *slash;
	ssize_t n;
	int depth;

	if (src && *src) {
		snprintf(cand, sizeof(cand), "%s/%s", src, rel);
		return th_src_resolve(cand, path, len);
	}
	if (!th_src_resolve(rel, path, len))
		return 0;
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n <= 0)
		return -ENOENT;
	dir[n] = '\0';
	for (depth = 0; depth < TH_SRC_DEPTH; depth++) {
		slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break;
		*slash = '\0';
		snprintf(cand, sizeof(cand), "%s/%s", dir, rel);
		if (!th_src_resolve(cand, path, len))
			return 0;
	}
	return -ENOENT;
}
