/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How much of a guest's RAM is not zero, from a stratified sample read
 * with pmemsave.  The pre-copy model needs it (QEMU sends a zero page as
 * a few header bytes) and an operator rarely knows it: a guest that was
 * given 16 GiB may have touched 2.
 *
 * Where the RAM is comes from the flat view of the "memory" address
 * space (HMP `info mtree -f`: QMP has no command for it); only RAM and
 * ROM ranges are read, never device memory, whose reads have effects.
 */
#ifndef PALM_QMP_RAM_SAMPLE_H
#define PALM_QMP_RAM_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "qmp/qmp_client.h"

#define QMP_RAM_MAX_RANGES	64

struct qmp_ram_range {
	uint64_t start;
	uint64_t size;
};

struct qmp_ram_map {
	struct qmp_ram_range r[QMP_RAM_MAX_RANGES];
	unsigned int n;
	uint64_t bytes;		/* sum of the sizes */
};

/*
 * The RAM and ROM ranges of the first flat view that serves address
 * space "memory", in the order given (ascending, not overlapping, else
 * -EINVAL).  -ENOENT when the text has no such view or it has no RAM,
 * -E2BIG beyond QMP_RAM_MAX_RANGES ranges.  err says what was wrong.
 */
int qmp_ram_map_parse(const char *text, size_t len, struct qmp_ram_map *map,
		      char *err, size_t errlen);

struct qmp_ram_sample {
	uint64_t mapped_bytes;	/* the RAM the sample is spread over */
	unsigned int chunks;	/* pmemsave reads, one per stratum */
	uint64_t pages;		/* 4 KiB pages read */
	uint64_t nonzero_pages;
	double used_bytes;	/* estimated non-zero bytes of mapped_bytes */
	/*
	 * The non-zero pages through zstd at QEMU's multifd-zstd level,
	 * chunk by chunk (QEMU compresses a packet of pages as one stream):
	 * what multifd compression would make of this RAM, and how fast one
	 * thread of this host does it (CPU time, not wall time).
	 */
	uint64_t zstd_in_bytes;
	uint64_t zstd_out_bytes;
	double zstd_cpu_s;
	/*
	 * What xbzrle would make of re-sent pages.  Once the whole sample has
	 * been read, its first QMP_RAM_XBZRLE_CHUNKS chunks (16 MiB at most)
	 * are read again, and every page whose bytes changed in between is
	 * encoded against its first read, as QEMU encodes a page it re-sends
	 * against its cache of the page as last sent.  Only the changed pages
	 * count (an unchanged page costs QEMU nothing): how many, their bytes
	 * (4096 each) and their wire bytes (the encoding and 3 bytes of flag
	 * and length; 4096 for a page whose encoding overflows, as QEMU then
	 * sends it whole; the page header is left out, as everywhere in palm's
	 * sample).  interval_s is wall-clock (CLOCK_MONOTONIC) from the start
	 * of the first read to the start of the second.
	 *
	 * Limits: a guest that wrote nothing in the interval gives no pages
	 * and no estimate; the interval is not chosen, it is however long the
	 * first read took (pmemsave of the whole sample, or memory peek), so
	 * the differences are those a guest makes in that time, not in a
	 * migration pass; a page rewritten as all zeros is counted here
	 * though QEMU would send it as a zero page.
	 */
	uint64_t xbzrle_pages;
	uint64_t xbzrle_page_bytes;
	uint64_t xbzrle_wire_bytes;
	double xbzrle_interval_s;
};

/* Chunks of the sample read a second time for xbzrle: 16 MiB kept. */
#define QMP_RAM_XBZRLE_CHUNKS	256

/* qmp_xbzrle_encoded_len of a page whose encoding QEMU abandons. */
#define QMP_XBZRLE_OVERFLOW	SIZE_MAX

/*
 * Bytes of QEMU's xbzrle encoding of new_page against old_page (4096 bytes
 * each): the XOR difference as (unchanged-run length, changed-run length,
 * the changed bytes) while changed bytes are left, the lengths as ULEB128,
 * the unchanged run that ends the page not encoded.  0 for identical pages,
 * QMP_XBZRLE_OVERFLOW when the encoding would exceed 4096 bytes.
 */
size_t qmp_xbzrle_encoded_len(const unsigned char *old_page,
			      const unsigned char *new_page);

/* QEMU's default multifd-zstd-level, which palm leaves as it is. */
#define QMP_RAM_ZSTD_LEVEL	1

/*
 * Page bytes per compressed byte and page bytes per CPU second of one
 * compressing thread; 0 when the sample had no non-zero page.
 */
double qmp_ram_sample_zstd_ratio(const struct qmp_ram_sample *s);
double qmp_ram_sample_zstd_bps(const struct qmp_ram_sample *s);

/*
 * Page bytes per wire byte of the pages that changed between the two reads
 * (1: xbzrle gains nothing, every encoding overflowed); 0 when fewer than
 * QMP_RAM_XBZRLE_MIN_PAGES changed: the guest wrote (nearly) nothing in
 * the interval, and a ratio from a handful of pages says little.
 */
#define QMP_RAM_XBZRLE_MIN_PAGES 8
double qmp_ram_sample_xbzrle_ratio(const struct qmp_ram_sample *s);

/* Reads len bytes of guest-physical memory at addr; 0 or a negative errno. */
typedef int qmp_ram_read_fn(void *ctx, uint64_t addr, uint64_t len,
			     unsigned char *buf);

/*
 * The sample itself, over map, through any reader (pmemsave here, libvirt's
 * memory peek in the libvirt backend): up to 1024 chunks of 64 KiB, then
 * the first QMP_RAM_XBZRLE_CHUNKS of them a second time for the xbzrle
 * fields (the other fields come from the first read only).
 * Returns the reader's error, -EINVAL for an empty map, -ENOMEM, -EIO
 * when zstd fails.
 */
int qmp_ram_sample_map(const struct qmp_ram_map *map, qmp_ram_read_fn *read,
		       void *ctx, struct qmp_ram_sample *s);

/*
 * Reads up to 1024 chunks of 64 KiB, one at a random place in each of
 * equal strata of the guest's RAM, through files under dir (QEMU writes
 * them: it must see the same dir, as on the same host and mount
 * namespace), and estimates the non-zero bytes; re-reads up to 256 of
 * them for xbzrle (see struct qmp_ram_sample).  Deterministic: the
 * places come from a fixed seed.
 */
int qmp_ram_sample_used(struct qmp_client *c, const char *dir,
			struct qmp_ram_sample *s, char *err, size_t errlen);

#endif /* PALM_QMP_RAM_SAMPLE_H */
