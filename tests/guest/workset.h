/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The working set: pages whose whole content follows from (index,
 * generation), plus gen[], the generation each page must hold. Both live
 * in guest RAM, so a migration that drops or corrupts either is caught.
 */
#ifndef PALM_GUEST_WORKSET_H
#define PALM_GUEST_WORKSET_H

#include <stdint.h>

struct workset {
	uint32_t *gen;		/* expected generation per page */
	uint32_t *pages;	/* page i at pages + i * 1024 words */
	uint32_t nr_pages;
	uint32_t seq_words;	/* fill words that follow the sequence */
	uint32_t delta_words;	/* leading fill words a later write rewrites */
	uint32_t max_gen;	/* highest generation written so far */
	uint64_t writes;	/* page writes since boot, initial fill included */
};

/* Bytes needed at base for nr_pages pages and their gen[] array. */
uint64_t workset_bytes(uint32_t nr_pages);
/*
 * fill_pct of each page's fill words repeat a 64-byte block (what an LZ
 * compressor such as QEMU's multifd zstd shrinks); the rest follow an
 * arithmetic sequence, which it cannot.  0 keeps every page incompressible.
 *
 * delta_pct (1..100) of each page's fill words, the leading ones, are what
 * a write after the initial fill rewrites (with the generation word); the
 * rest keep their generation-1 values, so a re-dirtied page differs from
 * its last copy only there (what QEMU's xbzrle sends).  100 rewrites the
 * whole page.  Below 100 it needs fill_pct == 0: the caller refuses the
 * mix.
 */
void workset_init(struct workset *ws, uint32_t base, uint32_t nr_pages,
		  uint32_t fill_pct, uint32_t delta_pct);
/* Writes every page whole at generation 1. */
void workset_fill(struct workset *ws);
/*
 * Writes page idx at the next generation: the whole page, or with
 * delta_pct < 100 the generation word and the first delta_words fill words.
 */
void workset_dirty(struct workset *ws, uint32_t idx);
struct verify_result {
	uint32_t bad;		/* pages whose content is wrong */
	int64_t first_bad;	/* lowest bad index, or -1 */
	/*
	 * Sum of gen[]: every write bumps one generation and the write
	 * count, so it must equal ws->writes. It catches what the page
	 * check cannot: a page and its gen[] entry both stale, or a stale
	 * copy of the counters themselves.
	 */
	uint64_t gen_sum;
};

void workset_verify(const struct workset *ws, struct verify_result *res);
/* Test hook: flips one fill word of page idx behind the verifier's back. */
void workset_corrupt(struct workset *ws, uint32_t idx);

#endif
