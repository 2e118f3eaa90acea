// SPDX-License-Identifier: GPL-2.0
#include "workset.h"
#include "config.h"
#include "multiboot.h"

#define WORDS_PER_PAGE	(PAGE_SIZE / 4)
#define PAGE_MAGIC	0x6d6c6170u	/* "palm" */
#define FILL_STEP	0x9e3779b9u	/* odd: consecutive words all differ */
#define FILL_FIRST	3		/* words 0..2: magic, index, generation */
#define FILL_WORDS	(WORDS_PER_PAGE - FILL_FIRST)
#define REPEAT_WORDS	16		/* the compressible part's block */
#define CORRUPT_WORD	(WORDS_PER_PAGE / 2)

/* A well-mixed start value so pages and generations do not alias. */
static uint32_t fill_seed(uint32_t idx, uint32_t gen)
{
	uint32_t x = idx * 0x85ebca6bu ^ gen * 0xc2b2ae35u;

	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	return x;
}

uint64_t workset_bytes(uint32_t nr_pages)
{
	uint64_t gen_bytes = ((uint64_t)nr_pages * 4 + PAGE_SIZE - 1) &
			     ~(uint64_t)(PAGE_SIZE - 1);

	return gen_bytes + (uint64_t)nr_pages * PAGE_SIZE;
}

void workset_init(struct workset *ws, uint32_t base, uint32_t nr_pages,
		  uint32_t fill_pct, uint32_t delta_pct)
{
	uint32_t gen_bytes = (uint32_t)(workset_bytes(nr_pages) -
					(uint64_t)nr_pages * PAGE_SIZE);

	ws->gen = phys_ptr(base);
	ws->pages = phys_ptr(base + gen_bytes);
	ws->nr_pages = nr_pages;
	ws->seq_words = FILL_WORDS - FILL_WORDS * fill_pct / 100;
	if (ws->seq_words < REPEAT_WORDS)
		ws->seq_words = REPEAT_WORDS;
	ws->delta_words = FILL_WORDS * delta_pct / 100;
	if (ws->delta_words < 1)
		ws->delta_words = 1;
	if (ws->delta_words > FILL_WORDS)
		ws->delta_words = FILL_WORDS;
	ws->max_gen = 0;
	ws->writes = 0;
}

/* Fill word w (from FILL_FIRST): the sequence, then its first block again. */
static uint32_t fill_word(const struct workset *ws, uint32_t v0, uint32_t w)
{
	uint32_t k = w - FILL_FIRST;

	if (k >= ws->seq_words)
		k = (k - ws->seq_words) % REPEAT_WORDS;
	return v0 + k * FILL_STEP;
}

static void write_page(const struct workset *ws, uint32_t *p, uint32_t idx,
		       uint32_t gen)
{
	uint32_t *fill = p + FILL_FIRST;
	uint32_t v = fill_seed(idx, gen);
	uint32_t k;

	p[0] = PAGE_MAGIC;
	p[1] = idx;
	p[2] = gen;
	/* two plain loops: the write rate is what the guest is for */
	for (k = 0; k < ws->seq_words; k++, v += FILL_STEP)
		fill[k] = v;
	for (; k < FILL_WORDS; k++)
		fill[k] = fill[(k - ws->seq_words) % REPEAT_WORDS];
}

/*
 * A later write with delta < 100 (and so fill=0: every fill word follows
 * the sequence): the generation and the leading delta_words fill words.
 * Words 0 and 1 never change; the rest keep generation 1.
 */
static void write_page_delta(const struct workset *ws, uint32_t *p,
			     uint32_t idx, uint32_t gen)
{
	uint32_t *fill = p + FILL_FIRST;
	uint32_t v = fill_seed(idx, gen);
	uint32_t k;

	p[2] = gen;
	for (k = 0; k < ws->delta_words; k++, v += FILL_STEP)
		fill[k] = v;
}

void workset_fill(struct workset *ws)
{
	for (uint32_t i = 0; i < ws->nr_pages; i++) {
		write_page(ws, ws->pages + i * WORDS_PER_PAGE, i, 1);
		ws->gen[i] = 1;
	}
	ws->max_gen = 1;
	ws->writes += ws->nr_pages;
}

void workset_dirty(struct workset *ws, uint32_t idx)
{
	uint32_t gen = ws->gen[idx] + 1;
	uint32_t *p = ws->pages + idx * WORDS_PER_PAGE;

	if (ws->delta_words == FILL_WORDS)
		write_page(ws, p, idx, gen);
	else
		write_page_delta(ws, p, idx, gen);
	ws->gen[idx] = gen;
	if (gen > ws->max_gen)
		ws->max_gen = gen;
	ws->writes++;
}

void workset_verify(const struct workset *ws, struct verify_result *res)
{
	uint64_t gen_sum = 0;
	int64_t first_bad = -1;
	uint32_t bad = 0;

	/* Memory may have changed under us (migration): reload everything. */
	__asm__ volatile("" ::: "memory");
	for (uint32_t i = 0; i < ws->nr_pages; i++) {
		const uint32_t *p = ws->pages + i * WORDS_PER_PAGE;
		uint32_t gen = ws->gen[i];
		uint32_t v0 = fill_seed(i, gen);
		uint32_t diff = (p[0] ^ PAGE_MAGIC) | (p[1] ^ i) | (p[2] ^ gen);
		uint32_t w = FILL_FIRST;

		gen_sum += gen;
		/* the words the last write rewrote, at generation gen[i] ... */
		for (; w < FILL_FIRST + ws->delta_words; w++)
			diff |= p[w] ^ fill_word(ws, v0, w);
		/* ... and with delta < 100 the rest, still at generation 1 */
		if (w < WORDS_PER_PAGE) {
			uint32_t v1 = fill_seed(i, 1);

			for (; w < WORDS_PER_PAGE; w++)
				diff |= p[w] ^ fill_word(ws, v1, w);
		}
		if (diff) {
			if (!bad)
				first_bad = i;
			bad++;
		}
	}
	res->bad = bad;
	res->first_bad = first_bad;
	res->gen_sum = gen_sum;
}

void workset_corrupt(struct workset *ws, uint32_t idx)
{
	ws->pages[idx * WORDS_PER_PAGE + CORRUPT_WORD] ^= 1;
}
