// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>

#include "memmap.h"
#include "config.h"

extern char __image_end[];

#define FOUR_GIB	0x100000000ull

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint32_t cstr_len(const char *s)
{
	uint32_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* Everything the loader handed us must survive until we have read it. */
static uint64_t loader_data_end(const struct mb_info *mbi)
{
	uint64_t end = (uintptr_t)__image_end;

	end = max_u64(end, (uintptr_t)mbi + sizeof(*mbi));
	if (mbi->flags & MB_INFO_CMDLINE)
		end = max_u64(end, (uint64_t)mbi->cmdline +
			      cstr_len(phys_ptr(mbi->cmdline)) + 1);
	if (mbi->flags & MB_INFO_MMAP)
		end = max_u64(end, (uint64_t)mbi->mmap_addr + mbi->mmap_length);
	if (mbi->flags & MB_INFO_MODS) {
		const struct mb_mod *mod = phys_ptr(mbi->mods_addr);

		end = max_u64(end, (uint64_t)mbi->mods_addr +
			      mbi->mods_count * sizeof(*mod));
		for (uint32_t i = 0; i < mbi->mods_count; i++)
			end = max_u64(end, mod[i].end);
	}
	return (end + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
}

/*
 * Grows *end over an available entry that covers it; loops in the caller
 * join a run the map splits into adjacent entries.
 */
static bool mmap_extend(const struct mb_info *mbi, uint64_t *end)
{
	uint32_t off = 0;
	bool grew = false;

	while (off + sizeof(struct mb_mmap_entry) <= mbi->mmap_length) {
		const struct mb_mmap_entry *e = phys_ptr(mbi->mmap_addr + off);
		uint64_t e_end = e->addr + e->len;

		off += e->size + 4;
		if (e->type != MB_MMAP_AVAILABLE)
			continue;
		if (e_end > FOUR_GIB)
			e_end = FOUR_GIB;
		if (e->addr <= *end && e_end > *end) {
			*end = e_end;
			grew = true;
		}
	}
	return grew;
}

int memmap_find(const struct mb_info *mbi, uint32_t *base, uint32_t *avail)
{
	uint64_t start = loader_data_end(mbi);
	uint64_t end = start;

	if (mbi->flags & MB_INFO_MMAP) {
		while (mmap_extend(mbi, &end))
			;
	} else if (mbi->flags & MB_INFO_MEM) {
		end = 0x100000ull + (uint64_t)mbi->mem_upper * 1024;
		if (end < start)
			end = start;
	} else {
		return -1;
	}
	if (start >= FOUR_GIB)
		return -1;
	end &= ~(uint64_t)(PAGE_SIZE - 1);
	if (end < start)
		end = start;
	*base = (uint32_t)start;
	*avail = (uint32_t)(end - start);
	return 0;
}
