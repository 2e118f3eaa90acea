// SPDX-License-Identifier: GPL-2.0
#include "workset.h"
#include "config.h"
#include "multiboot.h"

#define WORDS_PER_PAGE	(PAGE_SIZE / 4)
#define PAGE_MAGIC	0x6d6c6170u	/* "palm" */
#define FILL_STEP	0x9e3779b9u	/* odd: consecutive words all differ */
#define FILL_FIRST	3		/* words 0..2: magic, index, generation */
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

void workset_init(struct workset *ws, uint32_t base, uint32_t nr_pages)
{
	uint32_t gen_bytes = (uint32_t)(workset_bytes(nr_pages) -
					(uint64_t)nr_pages * PAGE_SIZE);

	ws->gen = phys_ptr(base);
	ws->pages = phys_ptr(base + gen_bytes);
	ws->nr_pages = nr_pages;
	ws->max_gen = 0;
	ws->writes = 0;
}

static void write_page(uint32_t *p, uint32_t idx, uint32_t gen)
{
	uint32_t v = fill_seed(idx, gen);

	p[0] = PAGE_MAGIC;
	p[1] = idx;
	p[2] = gen;
	for (uint32_t w = FILL_FIRST; w < WORDS_PER_PAGE; w++) {
		p[w] = v;
		v += FILL_STEP;
	}
}

void workset_fill(struct workset *ws)
{
	for (uint32_t i = 0; i < ws->nr_pages; i++) {
		write_page(ws->pages + i * WORDS_PER_PAGE, i, 1);
		ws->gen[i] = 1;
	}
	ws->max_gen = 1;
	ws->writes += ws->nr_pages;
}

void workset_dirty(struct workset *ws, uint32_t idx)
{
	uint32_t gen = ws->gen[idx] + 1;

	write_page(ws->pages + idx * WORDS_PER_PAGE, idx, gen);
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
		uint32_t v = fill_seed(i, gen);
		uint32_t diff = (p[0] ^ PAGE_MAGIC) | (p[1] ^ i) | (p[2] ^ gen);

		gen_sum += gen;
		for (uint32_t w = FILL_FIRST; w < WORDS_PER_PAGE; w++) {
			diff |= p[w] ^ v;
			v += FILL_STEP;
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
