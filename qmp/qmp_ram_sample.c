// SPDX-License-Identifier: GPL-2.0
/* Non-zero guest RAM from a pmemsave sample; see qmp_ram_sample.h. */
#include "qmp/qmp_ram_sample.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "qmp/qmp_clock.h"
#include "qmp/qmp_commands.h"

#define PAGE_BYTES	4096u
#define CHUNK_BYTES	(64u * 1024)
#define MIN_CHUNKS	64u
#define MAX_CHUNKS	1024u
/* one chunk per 512 KiB of RAM between the bounds: 1/8 of a small guest */
#define BYTES_PER_CHUNK	(512u * 1024)
#define SAMPLE_SEED	0x9e3779b97f4a7c15ull

/* One line of the text, without its newline; false at the end. */
static bool next_line(const char **p, const char *end, const char **line,
		      size_t *len)
{
	const char *nl;

	if (*p >= end)
		return false;
	*line = *p;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	*len = (size_t)((nl ? nl : end) - *p);
	*p = nl ? nl + 1 : end;
	return true;
}

static bool starts_with(const char *line, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(line, prefix, n);
}

/*
 * "  0000000000100000-0000000007ffffff (prio 0, ram): pc.ram ...": true
 * and the range for RAM or ROM backed by host memory ("ram", "rom");
 * false for anything else (i/o, romd, lines of other formats).
 */
static bool parse_ram_range(const char *line, size_t len, uint64_t *start,
			    uint64_t *last)
{
	char buf[160], type[16];
	int prio, used = 0;

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (sscanf(buf, " %" SCNx64 "-%" SCNx64 " (prio %d, %15[^)]):%n",
		   start, last, &prio, type, &used) != 4 || !used)
		return false;
	return !strcmp(type, "ram") || !strcmp(type, "rom");
}

int qmp_ram_map_parse(const char *text, size_t len, struct qmp_ram_map *map,
		      char *err, size_t errlen)
{
	const char *p = text, *end = text + len, *line;
	uint64_t start, last, prev_end = 0;
	bool in_view = false, is_memory = false;
	size_t n;

	memset(map, 0, sizeof(*map));
	while (next_line(&p, end, &line, &n)) {
		if (starts_with(line, n, "FlatView ")) {
			if (is_memory)
				break;
			in_view = true;
			continue;
		}
		if (!in_view)
			continue;
		if (starts_with(line, n, " AS \"memory\""))
			is_memory = true;
		if (!is_memory || !parse_ram_range(line, n, &start, &last))
			continue;
		if (last < start || (map->n && start < prev_end)) {
			snprintf(err, errlen,
				 "info mtree: range %#" PRIx64 "-%#" PRIx64
				 " out of order or reversed", start, last);
			return -EINVAL;
		}
		if (last - start >= UINT64_MAX - map->bytes) {
			snprintf(err, errlen, "info mtree: RAM size overflows");
			return -EINVAL;
		}
		if (map->n == QMP_RAM_MAX_RANGES) {
			snprintf(err, errlen, "info mtree: more than %d RAM ranges",
				 QMP_RAM_MAX_RANGES);
			return -E2BIG;
		}
		map->r[map->n].start = start;
		map->r[map->n].size = last - start + 1;
		map->bytes += map->r[map->n].size;
		map->n++;
		prev_end = last + 1;
		/* the last range may end at 2^64 - 1; nothing follows it */
		if (!prev_end)
			break;
	}
	if (!map->n) {
		snprintf(err, errlen, "info mtree: no RAM in address space \"memory\"");
		return -ENOENT;
	}
	return 0;
}

static uint64_t rng_next(uint64_t *s)
{
	/* splitmix64: a fixed seed gives the same places on every run */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Offset off into the concatenated ranges: a guest address and how much
 * of the range is left from there. */
static void map_locate(const struct qmp_ram_map *map, uint64_t off,
		       uint64_t *addr, uint64_t *room)
{
	unsigned int i;

	for (i = 0; i + 1 < map->n && off >= map->r[i].size; i++)
		off -= map->r[i].size;
	*addr = map->r[i].start + off;
	*room = map->r[i].size - off;
}

static bool page_is_zero(const unsigned char *p)
{
	static const unsigned char zero[PAGE_BYTES];

	return !memcmp(p, zero, PAGE_BYTES);
}

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Packs the chunk's non-zero pages to its front (QEMU sends zero pages
 * as markers, never through the compressor) and compresses them.
 */
static int zstd_chunk(ZSTD_CCtx *cctx, unsigned char *buf, unsigned int pages,
		      unsigned char *out, size_t out_cap,
		      struct qmp_ram_sample *s)
{
	size_t in = 0, got;
	unsigned int k;
	double t0;

	for (k = 0; k < pages; k++) {
		unsigned char *pg = buf + (size_t)k * PAGE_BYTES;

		if (page_is_zero(pg))
			continue;
		if (pg != buf + in)
			memmove(buf + in, pg, PAGE_BYTES);
		in += PAGE_BYTES;
	}
	if (!in)
		return 0;
	t0 = thread_cpu_s();
	got = ZSTD_compressCCtx(cctx, out, out_cap, buf, in,
				QMP_RAM_ZSTD_LEVEL);
	s->zstd_cpu_s += thread_cpu_s() - t0;
	if (ZSTD_isError(got))
		return -EIO;
	s->zstd_in_bytes += in;
	s->zstd_out_bytes += got;
	return 0;
}

double qmp_ram_sample_zstd_ratio(const struct qmp_ram_sample *s)
{
	return s->zstd_out_bytes ? (double)s->zstd_in_bytes / s->zstd_out_bytes :
				   0;
}

/* Bytes of n as ULEB128: 7 bits a byte. */
static size_t uleb128_len(size_t n)
{
	size_t len = 1;

	while (n >= 0x80) {
		n >>= 7;
		len++;
	}
	return len;
}

size_t qmp_xbzrle_encoded_len(const unsigned char *old_page,
			      const unsigned char *new_page)
{
	size_t i = 0, run, len = 0;

	while (i < PAGE_BYTES) {
		for (run = 0; i < PAGE_BYTES && old_page[i] == new_page[i]; i++)
			run++;
		/* the unchanged run that ends the page is not encoded */
		if (i == PAGE_BYTES)
			break;
		len += uleb128_len(run);
		for (run = 0; i < PAGE_BYTES && old_page[i] != new_page[i]; i++)
			run++;
		len += uleb128_len(run) + run;
		if (len > PAGE_BYTES)
			return QMP_XBZRLE_OVERFLOW;
	}
	return len;
}

/* Where a chunk kept for the second read was read. */
struct kept_chunk {
	uint64_t addr;
	uint64_t len;
};

/*
 * The kept chunks again, into buf; each page that differs from its first
 * read (in old) is one QEMU would re-send as its xbzrle encoding.
 */
static int xbzrle_reread(qmp_ram_read_fn *read, void *ctx,
			 const struct kept_chunk *kept, unsigned int n,
			 const unsigned char *old, unsigned char *buf,
			 struct qmp_ram_sample *s)
{
	const unsigned char *was, *now;
	unsigned int i, k;
	size_t enc;
	int ret;

	for (i = 0; i < n; i++, old += CHUNK_BYTES) {
		ret = read(ctx, kept[i].addr, kept[i].len, buf);
		if (ret)
			return ret;
		for (k = 0; k < kept[i].len / PAGE_BYTES; k++) {
			was = old + (size_t)k * PAGE_BYTES;
			now = buf + (size_t)k * PAGE_BYTES;
			if (!memcmp(was, now, PAGE_BYTES))
				continue;
			enc = qmp_xbzrle_encoded_len(was, now);
			s->xbzrle_pages++;
			s->xbzrle_page_bytes += PAGE_BYTES;
			/* flag byte, 16-bit length; else the page goes whole */
			s->xbzrle_wire_bytes += enc == QMP_XBZRLE_OVERFLOW ?
						PAGE_BYTES : enc + 3;
		}
	}
	return 0;
}

double qmp_ram_sample_xbzrle_ratio(const struct qmp_ram_sample *s)
{
	return s->xbzrle_pages >= QMP_RAM_XBZRLE_MIN_PAGES && s->xbzrle_wire_bytes ?
	       (double)s->xbzrle_page_bytes / s->xbzrle_wire_bytes : 0;
}

double qmp_ram_sample_zstd_bps(const struct qmp_ram_sample *s)
{
	if (!s->zstd_in_bytes)
		return 0;
	/* a sample too small for the clock: at least one tick's worth */
	return s->zstd_in_bytes / (s->zstd_cpu_s > 1e-6 ? s->zstd_cpu_s : 1e-6);
}

int qmp_ram_sample_map(const struct qmp_ram_map *map, qmp_ram_read_fn *read,
		       void *ctx, struct qmp_ram_sample *s)
{
	uint64_t seed = SAMPLE_SEED, total = map->bytes, lo, hi, off, addr, room,
		 len;
	unsigned int i, k, chunks, pages, nonzero, nkept = 0;
	size_t out_cap = ZSTD_compressBound(CHUNK_BYTES);
	unsigned char *buf, *zbuf = NULL, *old = NULL;
	struct kept_chunk *kept = NULL;
	ZSTD_CCtx *cctx = NULL;
	double used = 0, t0;
	int ret = 0;

	memset(s, 0, sizeof(*s));
	if (!map->n || !total)
		return -EINVAL;
	chunks = (unsigned int)(total / BYTES_PER_CHUNK < MIN_CHUNKS ? MIN_CHUNKS :
				total / BYTES_PER_CHUNK > MAX_CHUNKS ? MAX_CHUNKS :
				total / BYTES_PER_CHUNK);
	buf = malloc(CHUNK_BYTES);
	zbuf = malloc(out_cap);
	cctx = ZSTD_createCCtx();
	/* the first read of the chunks read again for xbzrle */
	old = malloc((size_t)(chunks < QMP_RAM_XBZRLE_CHUNKS ? chunks :
			      QMP_RAM_XBZRLE_CHUNKS) * CHUNK_BYTES);
	kept = calloc(QMP_RAM_XBZRLE_CHUNKS, sizeof(*kept));
	if (!buf || !zbuf || !cctx || !old || !kept) {
		ret = -ENOMEM;
		goto out;
	}
	t0 = qmp_now_s();
	for (i = 0; i < chunks; i++) {
		lo = total / chunks * i + (total % chunks) * i / chunks;
		hi = total / chunks * (i + 1) + (total % chunks) * (i + 1) / chunks;
		len = hi - lo < CHUNK_BYTES ? hi - lo : CHUNK_BYTES;
		off = lo + rng_next(&seed) % (hi - lo - len + 1);
		off &= ~(uint64_t)(PAGE_BYTES - 1);
		map_locate(map, off, &addr, &room);
		if (len > room)
			len = room;
		len &= ~(uint64_t)(PAGE_BYTES - 1);
		if (!len)
			continue;
		ret = read(ctx, addr, len, buf);
		if (ret)
			goto out;
		/* before zstd_chunk packs the buffer */
		if (nkept < QMP_RAM_XBZRLE_CHUNKS) {
			memcpy(old + (size_t)nkept * CHUNK_BYTES, buf, len);
			kept[nkept].addr = addr;
			kept[nkept].len = len;
			nkept++;
		}
		pages = (unsigned int)(len / PAGE_BYTES);
		nonzero = 0;
		for (k = 0; k < pages; k++)
			nonzero += !page_is_zero(buf + (size_t)k * PAGE_BYTES);
		/* the chunk stands for its whole stratum */
		used += (double)nonzero / pages * (double)(hi - lo);
		ret = zstd_chunk(cctx, buf, pages, zbuf, out_cap, s);
		if (ret)
			goto out;
		s->pages += pages;
		s->nonzero_pages += nonzero;
		s->chunks++;
	}
	s->xbzrle_interval_s = qmp_now_s() - t0;
	ret = xbzrle_reread(read, ctx, kept, nkept, old, buf, s);
	if (ret)
		goto out;
	s->mapped_bytes = total;
	s->used_bytes = used;
out:
	free(kept);
	free(old);
	ZSTD_freeCCtx(cctx);
	free(zbuf);
	free(buf);
	return ret;
}

/* pmemsave into a file palm made, then read it back. */
struct pmemsave_reader {
	struct qmp_client *c;
	const char *path;
	int fd;
	char *err;
	size_t errlen;
};

static int pmemsave_read(void *ctx, uint64_t addr, uint64_t len,
			 unsigned char *buf)
{
	struct pmemsave_reader *r = ctx;
	ssize_t got;

	if (qmp_pmemsave(r->c, addr, len, r->path)) {
		snprintf(r->err, r->errlen, "pmemsave: %s", qmp_last_error(r->c));
		return -EIO;
	}
	/* QEMU truncates and rewrites the file we made */
	got = pread(r->fd, buf, len, 0);
	if (got != (ssize_t)len) {
		snprintf(r->err, r->errlen,
			 "pmemsave wrote %zd of %" PRIu64 " bytes to %s where palm reads: QEMU on another host or in another mount namespace?",
			 got, len, r->path);
		return -EIO;
	}
	return 0;
}

int qmp_ram_sample_used(struct qmp_client *c, const char *dir,
			struct qmp_ram_sample *s, char *err, size_t errlen)
{
	struct pmemsave_reader r = { .c = c, .fd = -1, .err = err,
				     .errlen = errlen };
	char *mtree = NULL, path[256];
	struct qmp_ram_map map;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = qmp_hmp(c, "info mtree -f", &mtree);
	if (ret) {
		snprintf(err, errlen, "info mtree: %s", qmp_last_error(c));
		goto out;
	}
	ret = qmp_ram_map_parse(mtree, strlen(mtree), &map, err, errlen);
	if (ret)
		goto out;
	if (snprintf(path, sizeof(path), "%s/palm-ramsample.XXXXXX", dir) >=
	    (int)sizeof(path)) {
		snprintf(err, errlen, "sample directory name too long");
		ret = -ENAMETOOLONG;
		goto out;
	}
	r.fd = mkstemp(path);
	if (r.fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "sample file in %s: %s", dir, strerror(-ret));
		goto out;
	}
	r.path = path;
	ret = qmp_ram_sample_map(&map, pmemsave_read, &r, s);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory for the sample");
out:
	if (r.fd >= 0) {
		unlink(path);
		close(r.fd);
	}
	free(mtree);
	return ret;
}
