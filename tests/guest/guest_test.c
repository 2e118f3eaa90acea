// SPDX-License-Identifier: GPL-2.0
/*
 * The test guest does what its command line says: the host parses its
 * serial lines with the same code palmctl uses, so a change to either
 * side of the protocol shows here first.
 */
#include "tests/lib/harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/guest_log.h"
#include "qmp/qmp_client.h"
#include "qmp/qmp_commands.h"
#include "tests/lib/qemu_proc.h"

#define BOOT_TIMEOUT_MS 30000

FIXTURE(guest) {
	struct qemu_proc vm;
	long off;		/* how far the serial log has been read */
	struct qmp_client *mon;	/* the test's monitor, when it needs one */
};

FIXTURE_VARIANT(guest) {
	const char *accel;
};

FIXTURE_VARIANT_ADD(guest, tcg) { .accel = "tcg" };
FIXTURE_VARIANT_ADD(guest, kvm) { .accel = "kvm" };

FIXTURE_SETUP(guest)
{
	char why[256];

	if (!strcmp(variant->accel, "kvm") ? !kvm_available(why, sizeof(why)) :
					     !qemu_available(why, sizeof(why)))
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(guest)
{
	if (self->mon)
		qmp_close(self->mon);
	qemu_stop(&self->vm);
}

static void boot(struct th_run *_run, FIXTURE_DATA(guest) *self,
		 const char *accel, const char *mem, const char *append)
{
	struct qemu_opts o = { .accel = accel, .mem = mem, .append = append };

	ASSERT_EQ(0, qemu_start(&self->vm, &o));
	self->off = 0;
}

/* The next line of the given kind, as text; fails the test if none comes. */
static void next_text(struct th_run *_run, FIXTURE_DATA(guest) *self,
		      const char *prefix, char *line, size_t len)
{
	if (qemu_wait_line(&self->vm, prefix, &self->off, line, len,
			   BOOT_TIMEOUT_MS * th_timeout_scale())) {
		qemu_dump_stderr(&self->vm);
		TH_LOG("no '%s' line from the guest", prefix);
		ASSERT_TRUE(0);
	}
}

/* The next line of the given kind, parsed; fails the test if none comes. */
static void next_line(struct th_run *_run, FIXTURE_DATA(guest) *self,
		      const char *prefix, struct guest_line *l)
{
	char line[512];

	next_text(_run, self, prefix, line, sizeof(line));
	ASSERT_EQ(0, guest_parse_line(line, strlen(line), l));
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return n >= m && !memcmp(s + n - m, suffix, m);
}

static void request_verify(struct th_run *_run, const struct qemu_proc *vm)
{
	struct qmp_client *c = qemu_monitor(vm);

	ASSERT_NE_NULL(c);
	EXPECT_EQ(0, qmp_send_key(c, "v"));
	qmp_close(c);
}

TEST_F(guest, boots_and_beats_in_sequence)
{
	struct guest_line l;
	uint64_t i;

	boot(_run, self, variant->accel, "64M", "ws=8M rate=0 period=10");
	next_line(_run, self, "palm-guest", &l);
	ASSERT_EQ(GUEST_LINE_HEADER, l.kind);
	ASSERT_EQ(2048, l.header.ws_pages);
	ASSERT_EQ(10, l.header.period_ms);
	next_line(_run, self, "ready", &l);
	ASSERT_EQ(2048, l.ready_pages);
	for (i = 0; i < 20; i++) {
		next_line(_run, self, "hb", &l);
		ASSERT_EQ(GUEST_LINE_HEARTBEAT, l.kind);
		ASSERT_EQ(i, l.hb.seq);
		/* idle: only the initial fill was ever written */
		ASSERT_EQ(2048, l.hb.work);
	}
}

TEST_F(guest, paced_rate_holds_in_guest_time)
{
	struct guest_line first, last;
	double rate;
	int i;

	boot(_run, self, variant->accel, "96M", "ws=32M rate=20 period=10");
	/* let the first second pass: boot and fill are not paced */
	for (i = 0; i < 100; i++)
		next_line(_run, self, "hb", &first);
	for (i = 0; i < 100; i++)
		next_line(_run, self, "hb", &last);
	rate = (double)(last.hb.work - first.hb.work) /
	       (double)(last.hb.t_ms - first.hb.t_ms);
	TH_LOG("%.2f pages/ms over %llu ms of guest time", rate,
	       (unsigned long long)(last.hb.t_ms - first.hb.t_ms));
	/*
	 * Pacing never runs ahead.  It may fall behind: a loaded host steals
	 * time from a TCG vCPU and the guest drops debts over 20 ms rather
	 * than burst, so only KVM is held to 5% below.
	 */
	ASSERT_GE(21.0, rate);
	ASSERT_LE(strcmp(variant->accel, "kvm") ? 15.0 : 19.0, rate);
}

TEST_F(guest, verify_on_request_passes)
{
	struct guest_line l;

	boot(_run, self, variant->accel, "64M", "ws=16M rate=5 period=10");
	next_line(_run, self, "ready", &l);
	request_verify(_run, &self->vm);
	next_line(_run, self, "verify", &l);
	ASSERT_TRUE(l.verify.ok);
	ASSERT_EQ(4096, l.verify.pages);
	ASSERT_EQ(0, l.verify.bad);
}

TEST_F(guest, corrupted_page_is_caught)
{
	struct guest_line l;

	boot(_run, self, variant->accel, "64M",
	     "ws=4M rate=5 period=10 corrupt=123");
	next_line(_run, self, "ready", &l);
	request_verify(_run, &self->vm);
	next_line(_run, self, "verify", &l);
	ASSERT_FALSE(l.verify.ok);
	ASSERT_EQ(1, l.verify.bad);
	ASSERT_EQ(123, l.verify.first_bad);
}

/*
 * fill=90: word 512, which corrupt= flips, lies in the repeated block.
 * One bad page, not all: writer and verifier agree on the layout, and
 * the verifier checks the repeats too.
 */
TEST_F(guest, compressible_fill_is_checked_word_by_word)
{
	struct guest_line l;

	boot(_run, self, variant->accel, "64M",
	     "ws=4M rate=5 period=10 fill=90 corrupt=77");
	next_line(_run, self, "ready", &l);
	request_verify(_run, &self->vm);
	next_line(_run, self, "verify", &l);
	ASSERT_FALSE(l.verify.ok);
	ASSERT_EQ(1, l.verify.bad);
	ASSERT_EQ(77, l.verify.first_bad);
}

TEST_F(guest, fill_above_100_is_refused)
{
	struct guest_line l;

	boot(_run, self, variant->accel, "64M", "ws=1M fill=101");
	next_line(_run, self, "error:", &l);
	ASSERT_EQ(GUEST_LINE_ERROR, l.kind);
}

TEST_F(guest, bad_argument_is_refused)
{
	struct guest_line l;

	boot(_run, self, variant->accel, "64M", "ws=12Q period=10");
	next_line(_run, self, "error:", &l);
	ASSERT_EQ(GUEST_LINE_ERROR, l.kind);
}

TEST_F(guest, working_set_larger_than_memory_is_refused)
{
	struct guest_line l;

	boot(_run, self, variant->accel, "64M", "ws=1G");
	next_line(_run, self, "error:", &l);
	ASSERT_EQ(GUEST_LINE_ERROR, l.kind);
}

TEST_F(guest, burst_pattern_alternates)
{
	struct guest_line prev, l;
	int busy = 0, idle = 0, i;

	boot(_run, self, variant->accel, "64M",
	     "ws=16M rate=10 pattern=burst on=200 off=200 period=20");
	next_line(_run, self, "hb", &prev);
	for (i = 0; i < 60; i++) {
		next_line(_run, self, "hb", &l);
		if (l.hb.work == prev.hb.work)
			idle++;
		else if (l.hb.work - prev.hb.work >= 100)
			busy++;
		prev = l;
	}
	TH_LOG("%d busy and %d idle heartbeat intervals of 60", busy, idle);
	/* 200 ms on, 200 ms off: about half each, boundaries aside */
	ASSERT_LE(15, busy);
	ASSERT_LE(15, idle);
}

/*
 * delta=10: after the initial fill a write rewrites the generation and
 * the first 10 % of the fill words only.  Writer and verifier must agree
 * on which words hold which generation.
 */
TEST_F(guest, delta_pages_verify_after_dirtying)
{
	struct guest_line first, l;
	char header[512];
	int i;

	boot(_run, self, variant->accel, "64M",
	     "ws=4M rate=50 period=10 delta=10");
	next_text(_run, self, "palm-guest", header, sizeof(header));
	TH_LOG("%s", header);
	ASSERT_TRUE(ends_with(header, " delta=10"));
	next_line(_run, self, "ready", &l);
	next_line(_run, self, "hb", &first);
	for (i = 0; i < 100; i++)
		next_line(_run, self, "hb", &l);
	/* every page rewritten several times over, on average */
	ASSERT_LE(first.hb.work + 4 * 1024, l.hb.work);
	request_verify(_run, &self->vm);
	next_line(_run, self, "verify", &l);
	ASSERT_TRUE(l.verify.ok);
	ASSERT_EQ(1024, l.verify.pages);
	ASSERT_EQ(0, l.verify.bad);
}

/* With delta=100 (the default) the header says so too. */
TEST_F(guest, delta_defaults_to_whole_page)
{
	char header[512];

	boot(_run, self, variant->accel, "64M", "ws=1M fill=50");
	next_text(_run, self, "palm-guest", header, sizeof(header));
	ASSERT_NE_NULL(strstr(header, " fill=50 "));
	ASSERT_TRUE(ends_with(header, " delta=100"));
}

TEST_F(guest, delta_with_fill_is_refused)
{
	struct guest_line l;
	char line[512];

	boot(_run, self, variant->accel, "64M", "ws=1M delta=10 fill=50");
	next_text(_run, self, "error:", line, sizeof(line));
	TH_LOG("%s", line);
	ASSERT_EQ(0, guest_parse_line(line, strlen(line), &l));
	ASSERT_EQ(GUEST_LINE_ERROR, l.kind);
	ASSERT_NE_NULL(strstr(line, "delta=10"));
	ASSERT_NE_NULL(strstr(line, "fill=50"));
}

TEST_F(guest, delta_0_is_refused)
{
	struct guest_line l;

	boot(_run, self, variant->accel, "64M", "ws=1M delta=0");
	next_line(_run, self, "error:", &l);
	ASSERT_EQ(GUEST_LINE_ERROR, l.kind);
}

/*
 * What xbzrle sees: two copies of a page taken while the guest is
 * stopped, with dirtying in between.  Where the generation moved on,
 * exactly the first 10 % of the fill words changed, each of them, and
 * nothing else.  The pages are found by their magic and index words in a
 * pmemsave of low memory, where the guest puts its working set.
 */
#define PAGE_WORDS	1024
#define FILL_FIRST	3
#define FILL_WORDS	(PAGE_WORDS - FILL_FIRST)
#define PAGE_MAGIC	0x6d6c6170u
#define DUMP_START	(1u << 20)
#define DUMP_BYTES	(8u << 20)
#define DUMP_PAGES	(DUMP_BYTES / 4096)

static uint32_t dump_a[DUMP_BYTES / 4], dump_b[DUMP_BYTES / 4];

/* Guest memory [DUMP_START, + DUMP_BYTES) into buf, with the VM stopped. */
static int dump_guest(struct qmp_client *mon, const char *dir, uint32_t *buf)
{
	char path[160];
	size_t got = 0;
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof(path), "%s/dump.bin", dir);
	err = qmp_stop(mon);
	if (!err)
		err = qmp_pmemsave(mon, DUMP_START, DUMP_BYTES, path);
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < DUMP_BYTES) {
		n = read(fd, (char *)buf + got, DUMP_BYTES - got);
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	unlink(path);
	if (got != DUMP_BYTES)
		return -EIO;
	return qmp_cont(mon);
}

/* Dump page of working-set page 0: magic, index 0, then page 1 after it. */
static long find_workset(const uint32_t *buf)
{
	for (long pg = 0; pg + 1 < (long)DUMP_PAGES; pg++) {
		const uint32_t *p = buf + pg * PAGE_WORDS;

		if (p[0] == PAGE_MAGIC && p[1] == 0 &&
		    p[PAGE_WORDS] == PAGE_MAGIC && p[PAGE_WORDS + 1] == 1)
			return pg;
	}
	return -1;
}

TEST_F(guest, delta_changes_only_leading_fill_words)
{
	const uint32_t pages = 256, delta_words = FILL_WORDS * 10 / 100;
	uint32_t changed = 0, same = 0, i, w;
	struct guest_line l;
	long base;
	int k;

	boot(_run, self, variant->accel, "64M",
	     "ws=1M rate=5 period=10 delta=10");
	next_line(_run, self, "ready", &l);
	self->mon = qemu_monitor(&self->vm);
	ASSERT_NE_NULL(self->mon);
	ASSERT_EQ(0, dump_guest(self->mon, self->vm.dir, dump_a));
	for (k = 0; k < 30; k++)
		next_line(_run, self, "hb", &l);
	ASSERT_EQ(0, dump_guest(self->mon, self->vm.dir, dump_b));

	base = find_workset(dump_a);
	ASSERT_LE(0, base);
	ASSERT_GE((long)DUMP_PAGES, base + (long)pages);
	TH_LOG("working set at guest-physical 0x%lx, %u fill words per write",
	       DUMP_START + base * 4096ul, delta_words);
	for (i = 0; i < pages; i++) {
		const uint32_t *a = dump_a + (base + i) * PAGE_WORDS;
		const uint32_t *b = dump_b + (base + i) * PAGE_WORDS;
		uint32_t head_diff = 0, tail_diff = 0;

		ASSERT_EQ(PAGE_MAGIC, a[0]);
		ASSERT_EQ(i, a[1]);
		ASSERT_EQ(PAGE_MAGIC, b[0]);
		ASSERT_EQ(i, b[1]);
		ASSERT_LE(a[2], b[2]);
		for (w = FILL_FIRST; w < FILL_FIRST + delta_words; w++)
			head_diff += a[w] != b[w];
		for (; w < PAGE_WORDS; w++)
			tail_diff += a[w] != b[w];
		if (tail_diff)
			TH_LOG("page %u: gen %u -> %u, %u words past the first %u fill words changed",
			       i, a[2], b[2], tail_diff, delta_words);
		ASSERT_EQ(0, tail_diff);
		if (a[2] == b[2]) {
			ASSERT_EQ(0, head_diff);
			same++;
		} else {
			/* another generation: every leading word differs */
			ASSERT_EQ(delta_words, head_diff);
			changed++;
		}
	}
	TH_LOG("%u of %u pages rewritten between the copies, %u unchanged",
	       changed, pages, same);
	/* 5 pages/ms for 300 ms over 256 pages: nearly all of them */
	ASSERT_LE(pages / 2, changed);

	/* and the guest, running again, still agrees with itself */
	ASSERT_EQ(0, qmp_send_key(self->mon, "v"));
	next_line(_run, self, "verify", &l);
	ASSERT_TRUE(l.verify.ok);
}
