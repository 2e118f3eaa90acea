/* SPDX-License-Identifier: GPL-2.0 */
/* Where the working set may live: free RAM above everything we were given. */
#ifndef PALM_GUEST_MEMMAP_H
#define PALM_GUEST_MEMMAP_H

#include <stdint.h>

#include "multiboot.h"

/*
 * Finds the RAM run that starts at the first page past the image and the
 * loader's data, below 4 GiB (no paging). Returns 0 with *base and
 * *avail in bytes, or -1 when the loader gave no usable memory info.
 */
int memmap_find(const struct mb_info *mbi, uint32_t *base, uint32_t *avail);

#endif
