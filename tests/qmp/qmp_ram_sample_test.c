// SPDX-License-Identifier: GPL-2.0
/*
 * palm's estimate of non-zero guest RAM: the `info mtree -f` parser on
 * QEMU 7.2's own output and on malformed text, and the sample against a
 * full count of the same guest's RAM (every page read with pmemsave)
 * with palm's test guest, whose working set is known; the xbzrle
 * encoded length by hand, the xbzrle estimate from a fake memory that
 * changes between the two reads, and from the test guest rewriting a
 * tenth of each page it writes.  The QEMU part skips when QEMU is missing.
 */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/lib/harness.h"
#include "tests/lib/qemu_proc.h"
#include "qmp/qmp_commands.h"
#include "qmp/qmp_ram_sample.h"

/* Recorded from QEMU 7.2, -m 128M -machine pc, with palm's guest. */
static const char mtree_72[] =
	"FlatView #0\n"
	" AS \"memory\", root: system\n"
	" AS \"cpu-memory-0\", root: system\n"
	" Root memory region: system\n"
	"  0000000000000000-00000000000c2fff (prio 0, ram): pc.ram\n"
	"  00000000000c3000-00000000000e7fff (prio 0, rom): pc.ram @00000000000c3000\n"
	"  00000000000e8000-00000000000effff (prio 0, ram): pc.ram @00000000000e8000\n"
	"  00000000000f0000-00000000000fffff (prio 0, rom): pc.ram @00000000000f0000\n"
	"  0000000000100000-0000000007ffffff (prio 0, ram): pc.ram @0000000000100000\n"
	"  00000000fec00000-00000000fec00fff (prio 0, i/o): ioapic\n"
	"  00000000fed00000-00000000fed003ff (prio 0, i/o): hpet\n"
	"  00000000fee00000-00000000feefffff (prio 4096, i/o): apic-msi\n"
	"  00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios\n"
	"\n"
	"FlatView #1\n"
	" AS \"I/O\", root: io\n"
	" Root memory region: io\n"
	"  0000000000000000-0000000000000007 (prio 0, i/o): dma-chan\n";

static int parse(const char *text, struct qmp_ram_map *m, char *err,
		 size_t len)
{
	return qmp_ram_map_parse(text, strlen(text), m, err, len);
}

TEST(parse_qemu_72)
{
	struct qmp_ram_map m;
	char err[160];

	ASSERT_EQ(0, parse(mtree_72, &m, err, sizeof(err)));
	/* five pieces of pc.ram and the BIOS ROM; no device memory */
	ASSERT_EQ(6, m.n);
	EXPECT_EQ(0x0ull, m.r[0].start);
	EXPECT_EQ(0xc3000ull, m.r[0].size);
	EXPECT_EQ(0x100000ull, m.r[4].start);
	EXPECT_EQ(0xfffc0000ull, m.r[5].start);
	EXPECT_EQ(128ull * 1048576 + 256 * 1024, m.bytes);
}

TEST(parse_only_the_memory_view)
{
	static const char text[] =
		"FlatView #0\n AS \"I/O\", root: io\n"
		"  0000000000000000-0000000000000fff (prio 0, ram): not-this\n"
		"\nFlatView #1\n AS \"memory\", root: system\n"
		"  0000000000000000-0000000000ffffff (prio 0, ram): pc.ram\n"
		"  0000000001000000-0000000001ffffff (prio 0, romd): flash\n"
		"\nFlatView #2\n AS \"cpu-smm-0\", root: memory\n"
		"  0000000000000000-00000000ffffffff (prio 0, ram): smm\n";
	struct qmp_ram_map m;
	char err[160];

	ASSERT_EQ(0, parse(text, &m, err, sizeof(err)));
	ASSERT_EQ(1, m.n);
	EXPECT_EQ(16ull * 1048576, m.bytes);
}

TEST(parse_rejects_bad_maps)
{
	static const char *const bad[] = {
		/* no "memory" address space */
		"FlatView #0\n AS \"I/O\", root: io\n"
		"  0000000000000000-0000000000000fff (prio 0, ram): x\n",
		/* memory without RAM */
		"FlatView #0\n AS \"memory\", root: system\n"
		"  00000000fec00000-00000000fec00fff (prio 0, i/o): ioapic\n",
		/* reversed range */
		"FlatView #0\n AS \"memory\", root: system\n"
		"  0000000000002000-0000000000000fff (prio 0, ram): x\n",
		/* overlapping ranges */
		"FlatView #0\n AS \"memory\", root: system\n"
		"  0000000000000000-0000000000001fff (prio 0, ram): x\n"
		"  0000000000001000-0000000000002fff (prio 0, ram): y\n",
		/* RAM sizes that overflow */
		"FlatView #0\n AS \"memory\", root: system\n"
		"  0000000000000000-fffffffffffffffe (prio 0, ram): x\n"
		"  ffffffffffffffff-ffffffffffffffff (prio 0, ram): y\n",
		"",
		"FlatView",
	};
	struct qmp_ram_map m;
	char err[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		EXPECT_GT(0, parse(bad[i], &m, err, sizeof(err)));
		EXPECT_NE(0, err[0]);
	}
}

TEST(parse_bounds_the_range_count)
{
	char *text = malloc(64 * 1024), *p;
	struct qmp_ram_map m;
	char err[160];
	int i;

	ASSERT_NE_NULL(text);
	p = text + sprintf(text, "FlatView #0\n AS \"memory\", root: system\n");
	for (i = 0; i <= QMP_RAM_MAX_RANGES; i++)
		p += sprintf(p, "  %016x-%016x (prio 0, ram): r%d\n",
			     i * 0x2000, i * 0x2000 + 0xfff, i);
	EXPECT_EQ(-E2BIG, parse(text, &m, err, sizeof(err)));
	free(text);
}

/* Guest memory in a buffer: 1/4 zero pages, 1/4 repeating, 1/2 random. */
struct mem_reader {
	unsigned char *mem;
	uint64_t size;
};

static int mem_read(void *ctx, uint64_t addr, uint64_t len, unsigned char *buf)
{
	struct mem_reader *r = ctx;

	if (addr + len > r->size)
		return -EFAULT;
	memcpy(buf, r->mem + addr, len);
	return 0;
}

TEST(sample_compresses_what_qemu_would)
{
	struct qmp_ram_map m = { .n = 1, .r = { { 0, 32 << 20 } },
				 .bytes = 32 << 20 };
	struct mem_reader r = { .size = 32 << 20 };
	struct qmp_ram_sample s;
	uint64_t x = 88172645463325252ull, page;
	size_t i;
	double ratio;

	r.mem = calloc(1, r.size);
	ASSERT_NE_NULL(r.mem);
	for (page = 0; page < r.size / 4096; page++) {
		unsigned char *p = r.mem + page * 4096;

		if (page % 4 == 0)
			continue;
		if (page % 4 == 1) {
			for (i = 0; i < 4096; i++)
				p[i] = "palm-repeats-16b"[i % 16];
			continue;
		}
		for (i = 0; i < 4096; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p[i] = (unsigned char)x;
		}
	}
	ASSERT_EQ(0, qmp_ram_sample_map(&m, mem_read, &r, &s));
	free(r.mem);
	/* zero pages never reach the compressor */
	EXPECT_EQ(s.nonzero_pages * 4096, s.zstd_in_bytes);
	/* a third repeats (shrinks to nearly nothing), two thirds random */
	ratio = qmp_ram_sample_zstd_ratio(&s);
	TH_LOG("ratio %.3f", ratio);
	EXPECT_GE(ratio, 1.4);
	EXPECT_LE(ratio, 1.55);
	EXPECT_GT(qmp_ram_sample_zstd_bps(&s), 0);
}

TEST(empty_sample_has_no_ratio)
{
	struct qmp_ram_sample s = { 0 };

	EXPECT_EQ(0, qmp_ram_sample_zstd_ratio(&s));
	EXPECT_EQ(0, qmp_ram_sample_zstd_bps(&s));
}

/* A page of bytes from a xorshift64 seeded with seed (not 0). */
static void fill_random(unsigned char *p, uint64_t seed)
{
	size_t i;

	for (i = 0; i < 4096; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		p[i] = (unsigned char)seed;
	}
}

/* new = old with bytes [from, to) changed (XOR with a non-zero byte). */
static void change(const unsigned char *old, unsigned char *new, size_t from,
		   size_t to)
{
	memcpy(new, old, 4096);
	for (; from < to; from++)
		new[from] ^= 0xa5;
}

TEST(xbzrle_encoded_len_by_hand)
{
	static unsigned char old[4096], new[4096];
	size_t i;

	fill_random(old, 0x1234567);
	memcpy(new, old, sizeof(new));
	EXPECT_EQ(0, qmp_xbzrle_encoded_len(old, new));

	/* one byte: zero run (1 byte below 128, else 2), run 1, the byte */
	change(old, new, 0, 1);
	EXPECT_EQ(3, qmp_xbzrle_encoded_len(old, new));
	change(old, new, 127, 128);
	EXPECT_EQ(3, qmp_xbzrle_encoded_len(old, new));
	change(old, new, 128, 129);
	EXPECT_EQ(4, qmp_xbzrle_encoded_len(old, new));
	/* the last byte: no zero run follows */
	change(old, new, 4095, 4096);
	EXPECT_EQ(4, qmp_xbzrle_encoded_len(old, new));

	/* 400 bytes at 1848: 2 + 2 + 400 */
	change(old, new, 1848, 2248);
	EXPECT_EQ(404, qmp_xbzrle_encoded_len(old, new));
	/* two runs: 1 + 1 + 10, then 1 + 1 + 5 */
	change(old, new, 0, 10);
	for (i = 20; i < 25; i++)
		new[i] ^= 0x5a;
	EXPECT_EQ(19, qmp_xbzrle_encoded_len(old, new));

	/* every other byte: 3 bytes per 2 of the page */
	memcpy(new, old, sizeof(new));
	for (i = 0; i < 4096; i += 2)
		new[i] ^= 0x01;
	EXPECT_EQ(QMP_XBZRLE_OVERFLOW, qmp_xbzrle_encoded_len(old, new));

	/* 4096 exactly is kept: zero run 3 (1), run 4093 (2), 4093 bytes */
	change(old, new, 3, 4096);
	EXPECT_EQ(4096, qmp_xbzrle_encoded_len(old, new));
	change(old, new, 2, 4096);
	EXPECT_EQ(QMP_XBZRLE_OVERFLOW, qmp_xbzrle_encoded_len(old, new));

	/* every byte differs: 1 + 2 + 4096 */
	change(old, new, 0, 4096);
	EXPECT_EQ(QMP_XBZRLE_OVERFLOW, qmp_xbzrle_encoded_len(old, new));
	/* another random page: its equal bytes only add runs */
	fill_random(new, 0x7654321);
	EXPECT_EQ(QMP_XBZRLE_OVERFLOW, qmp_xbzrle_encoded_len(old, new));
}

/*
 * Guest memory made up page by page (random bytes, seeded by the page
 * number), so a large map needs no buffer; after first_pass reads, pages
 * whose number is a multiple of change_every come back with bytes
 * [0, change_bytes) changed.
 */
struct gen_reader {
	unsigned int reads;
	unsigned int first_pass;
	unsigned int change_every;	/* 0: memory never changes */
	unsigned int change_bytes;
	unsigned int fail_at;		/* the read that fails; 0: none */
};

static int gen_read(void *ctx, uint64_t addr, uint64_t len, unsigned char *buf)
{
	struct gen_reader *r = ctx;
	uint64_t off, page;
	unsigned char *p;
	unsigned int i;

	if (++r->reads == r->fail_at)
		return -EIO;
	for (off = 0; off < len; off += 4096) {
		page = (addr + off) / 4096;
		p = buf + off;
		fill_random(p, page * 2 + 1);
		if (r->reads <= r->first_pass || !r->change_every ||
		    page % r->change_every)
			continue;
		for (i = 0; i < r->change_bytes; i++)
			p[i] ^= 0xa5;
	}
	return 0;
}

static void gen_map(struct qmp_ram_map *m, uint64_t bytes)
{
	memset(m, 0, sizeof(*m));
	m->n = 1;
	m->r[0].size = bytes;
	m->bytes = bytes;
}

TEST(xbzrle_from_a_second_read)
{
	/* 32 MiB: 64 chunks of 16 pages, all read twice */
	struct gen_reader r = { .first_pass = 64, .change_every = 2,
				.change_bytes = 410 };
	struct qmp_ram_sample s;
	struct qmp_ram_map m;
	double ratio;

	gen_map(&m, 32 << 20);
	ASSERT_EQ(0, qmp_ram_sample_map(&m, gen_read, &r, &s));
	ASSERT_EQ(64, s.chunks);
	EXPECT_EQ(128, r.reads);
	EXPECT_EQ(1024, s.pages);
	EXPECT_EQ(1024, s.nonzero_pages);
	/* every other page: its first 10 % is zero run 0 (1), run 410 (2) */
	EXPECT_EQ(512, s.xbzrle_pages);
	EXPECT_EQ(512 * 4096, s.xbzrle_page_bytes);
	EXPECT_EQ(512 * (1 + 2 + 410 + 3), s.xbzrle_wire_bytes);
	ratio = qmp_ram_sample_xbzrle_ratio(&s);
	TH_LOG("xbzrle %.3fx over %.6f s", ratio, s.xbzrle_interval_s);
	EXPECT_GE(ratio, 4096.0 / 416 - 1e-9);
	EXPECT_LE(ratio, 4096.0 / 416 + 1e-9);
	EXPECT_GT(s.xbzrle_interval_s, 0);
	EXPECT_EQ(32ull << 20, s.mapped_bytes);
}

TEST(xbzrle_whole_page_changes_gain_nothing)
{
	struct gen_reader r = { .first_pass = 64, .change_every = 1,
				.change_bytes = 4096 };
	struct qmp_ram_sample s;
	struct qmp_ram_map m;

	gen_map(&m, 32 << 20);
	ASSERT_EQ(0, qmp_ram_sample_map(&m, gen_read, &r, &s));
	EXPECT_EQ(1024, s.xbzrle_pages);
	/* every encoding overflows: each page goes whole */
	EXPECT_EQ(1024 * 4096, s.xbzrle_wire_bytes);
	EXPECT_EQ(1.0, qmp_ram_sample_xbzrle_ratio(&s));
}

TEST(xbzrle_idle_guest_has_no_estimate)
{
	struct gen_reader r = { .first_pass = 64 }, w = { .first_pass = 64,
		.change_every = 1, .change_bytes = 410 };
	struct qmp_ram_sample s, busy;
	struct qmp_ram_map m;

	gen_map(&m, 32 << 20);
	ASSERT_EQ(0, qmp_ram_sample_map(&m, gen_read, &r, &s));
	EXPECT_EQ(128, r.reads);
	EXPECT_EQ(0, s.xbzrle_pages);
	EXPECT_EQ(0, s.xbzrle_page_bytes);
	EXPECT_EQ(0, s.xbzrle_wire_bytes);
	EXPECT_EQ(0, qmp_ram_sample_xbzrle_ratio(&s));
	EXPECT_GT(s.xbzrle_interval_s, 0);
	/* the second read changes nothing the first one measured */
	ASSERT_EQ(0, qmp_ram_sample_map(&m, gen_read, &w, &busy));
	EXPECT_EQ(1024, busy.xbzrle_pages);
	EXPECT_EQ(s.pages, busy.pages);
	EXPECT_EQ(s.nonzero_pages, busy.nonzero_pages);
	EXPECT_EQ(s.used_bytes, busy.used_bytes);
	EXPECT_EQ(s.zstd_in_bytes, busy.zstd_in_bytes);
	EXPECT_EQ(s.zstd_out_bytes, busy.zstd_out_bytes);
}

TEST(xbzrle_rereads_only_the_first_256_chunks)
{
	/* 1 GiB: 1024 chunks, 256 of them (4096 pages) read again */
	struct gen_reader r = { .first_pass = 1024, .change_every = 1,
				.change_bytes = 410 };
	struct qmp_ram_sample s;
	struct qmp_ram_map m;

	gen_map(&m, 1ull << 30);
	ASSERT_EQ(0, qmp_ram_sample_map(&m, gen_read, &r, &s));
	ASSERT_EQ(1024, s.chunks);
	EXPECT_EQ(1024 + QMP_RAM_XBZRLE_CHUNKS, r.reads);
	EXPECT_EQ(1024 * 16, s.pages);
	EXPECT_EQ(QMP_RAM_XBZRLE_CHUNKS * 16, s.xbzrle_pages);
	EXPECT_EQ(QMP_RAM_XBZRLE_CHUNKS * 16 * 416, s.xbzrle_wire_bytes);
}

TEST(xbzrle_second_read_errors_propagate)
{
	struct gen_reader r = { .first_pass = 64, .change_every = 1,
				.change_bytes = 410, .fail_at = 65 };
	struct qmp_ram_sample s;
	struct qmp_ram_map m;

	gen_map(&m, 32 << 20);
	EXPECT_EQ(-EIO, qmp_ram_sample_map(&m, gen_read, &r, &s));
	EXPECT_EQ(65, r.reads);
}

TEST(empty_sample_has_no_xbzrle_ratio)
{
	struct qmp_ram_sample s = { 0 };

	EXPECT_EQ(0, qmp_xbzrle_encoded_len((const unsigned char[4096]){ 0 },
					    (const unsigned char[4096]){ 0 }));
	EXPECT_EQ(0, qmp_ram_sample_xbzrle_ratio(&s));
	/* a handful of changed pages is no estimate */
	s.xbzrle_pages = QMP_RAM_XBZRLE_MIN_PAGES - 1;
	s.xbzrle_page_bytes = s.xbzrle_pages * 4096;
	s.xbzrle_wire_bytes = s.xbzrle_pages * 416;
	EXPECT_EQ(0, qmp_ram_sample_xbzrle_ratio(&s));
	s.xbzrle_pages++;
	s.xbzrle_page_bytes += 4096;
	s.xbzrle_wire_bytes += 416;
	EXPECT_LT(fabs(qmp_ram_sample_xbzrle_ratio(&s) - 4096.0 / 416), 1e-9);
}

FIXTURE(guest) {
	struct qemu_proc vm;
	struct qmp_client *mon;
};

FIXTURE_SETUP(guest)
{
	char why[256];

	if (!qemu_available(why, sizeof(why)))
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(guest)
{
	if (self->mon)
		qmp_close(self->mon);
	qemu_stop(&self->vm);
}

/* Every page of the mapped RAM, through the test's own monitor. */
static int count_nonzero(struct qmp_client *mon, const struct qmp_ram_map *m,
			 const char *path, uint64_t *nonzero)
{
	static const unsigned char zero[4096];
	unsigned char page[4096];
	unsigned int i;
	int fd, ret = 0;

	*nonzero = 0;
	for (i = 0; i < m->n && !ret; i++) {
		ret = qmp_pmemsave(mon, m->r[i].start, m->r[i].size, path);
		if (ret)
			break;
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return -errno;
		while (read(fd, page, sizeof(page)) == (ssize_t)sizeof(page))
			*nonzero += !!memcmp(page, zero, sizeof(page));
		close(fd);
	}
	unlink(path);
	return ret;
}

static void check_guest(struct th_run *_run,
			struct qemu_proc *vm, struct qmp_client **monp,
			const char *append, double ws_bytes,
			double min_ratio, double max_ratio)
{
	struct qemu_opts o = { .mem = "128M", .append = append };
	struct qmp_ram_sample s;
	struct qmp_ram_map m;
	struct qmp_client *mon;
	char line[256], err[256], path[160], *text = NULL;
	uint64_t nonzero;
	long off = 0;
	double truth;

	ASSERT_EQ(0, qemu_start(vm, &o));
	ASSERT_EQ(0, qemu_wait_line(vm, "ready", &off, line, sizeof(line),
				    30000));
	mon = *monp = qemu_monitor(vm);
	ASSERT_NE_NULL(mon);
	ASSERT_EQ(0, qmp_ram_sample_used(mon, vm->dir, &s, err, sizeof(err)));
	TH_LOG("sample: %.2f MiB non-zero, %u chunks, %llu of %llu pages",
	       s.used_bytes / 1048576, s.chunks,
	       (unsigned long long)s.nonzero_pages,
	       (unsigned long long)s.pages);
	ASSERT_EQ(0, qmp_hmp(mon, "info mtree -f", &text));
	ASSERT_EQ(0, qmp_ram_map_parse(text, strlen(text), &m, err,
				       sizeof(err)));
	free(text);
	snprintf(path, sizeof(path), "%s/all.bin", vm->dir);
	ASSERT_EQ(0, count_nonzero(mon, &m, path, &nonzero));
	truth = (double)nonzero * 4096;
	TH_LOG("every page: %.2f MiB non-zero", truth / 1048576);
	/* the guest filled its working set with non-zero words */
	EXPECT_GE(truth, ws_bytes);
	EXPECT_EQ(m.bytes, s.mapped_bytes);
	/* within 5 % of the full count, from 1/8 of the pages */
	EXPECT_LE(s.used_bytes, truth * 1.05);
	EXPECT_GE(s.used_bytes, truth * 0.95);
	/* the guest's fill= decides how its pages compress */
	TH_LOG("zstd: %.2fx at %.0f MB/s of one thread",
	       qmp_ram_sample_zstd_ratio(&s), qmp_ram_sample_zstd_bps(&s) / 1e6);
	EXPECT_GE(qmp_ram_sample_zstd_ratio(&s), min_ratio);
	EXPECT_LE(qmp_ram_sample_zstd_ratio(&s), max_ratio);
	EXPECT_GT(qmp_ram_sample_zstd_bps(&s), 0);
}

TEST_F_TIMEOUT(guest, sample_matches_full_count_16m, 60)
{
	/* the sequence fill gives LZ nothing to match */
	check_guest(_run, &self->vm, &self->mon, "ws=16M rate=1", 16.0 * 1048576,
		    0.95, 1.1);
}

TEST_F_TIMEOUT(guest, sample_matches_full_count_48m, 60)
{
	/* half of each page repeats a 64-byte block: about 2x */
	check_guest(_run, &self->vm, &self->mon,
		    "ws=48M rate=1 pattern=hotcold fill=50", 48.0 * 1048576,
		    1.7, 2.3);
}

TEST_F_TIMEOUT(guest, unreadable_dir_is_a_clear_error, 60)
{
	struct qemu_opts o = { .mem = "128M", .append = "ws=1M rate=1" };
	struct qmp_ram_sample s;
	struct qmp_client *mon;
	char err[256] = "";

	ASSERT_EQ(0, qemu_start(&self->vm, &o));
	mon = self->mon = qemu_monitor(&self->vm);
	ASSERT_NE_NULL(mon);
	EXPECT_EQ(-ENOENT, qmp_ram_sample_used(mon, "/nonexistent/palm", &s,
					       err, sizeof(err)));
	EXPECT_NE_NULL(strstr(err, "/nonexistent/palm"));
	EXPECT_EQ(0, s.chunks);
}


TEST_F_TIMEOUT(guest, xbzrle_of_a_guest_rewriting_a_tenth, 60)
{
	/*
	 * delta=10: a write rewrites the generation (word 2) and the first
	 * 102 of the 1021 fill words, 4-byte words from byte 8: an encoding
	 * of about 1 + 1 + 1 (generation's low byte), 1 + 2 + 408, and a few
	 * more runs where a fill byte happens to stay the same.
	 */
	struct qemu_opts o = { .mem = "128M",
			       .append = "ws=16M rate=20 delta=10" };
	struct qmp_ram_sample s;
	struct qmp_client *mon;
	char line[256], err[256] = "";
	long off = 0;
	double ratio;

	ASSERT_EQ(0, qemu_start(&self->vm, &o));
	ASSERT_EQ(0, qemu_wait_line(&self->vm, "ready", &off, line,
				    sizeof(line), 30000));
	mon = self->mon = qemu_monitor(&self->vm);
	ASSERT_NE_NULL(mon);
	ASSERT_EQ(0, qmp_ram_sample_used(mon, self->vm.dir, &s, err,
					 sizeof(err)));
	ratio = qmp_ram_sample_xbzrle_ratio(&s);
	TH_LOG("xbzrle: %llu pages changed in %.3f s, %llu wire bytes, %.2fx",
	       (unsigned long long)s.xbzrle_pages, s.xbzrle_interval_s,
	       (unsigned long long)s.xbzrle_wire_bytes, ratio);
	EXPECT_GT(s.xbzrle_interval_s, 0);
	ASSERT_GT(s.xbzrle_pages, 0);
	EXPECT_EQ(s.xbzrle_pages * 4096, s.xbzrle_page_bytes);
	/* 4096 / (about 414 + 3 + a few runs); a page read mid-write, less */
	EXPECT_GE(ratio, 8.5);
	EXPECT_LE(ratio, 11.0);
}
