/* SPDX-License-Identifier: GPL-2.0 */
/* The parts of the Multiboot v1 information structure the guest reads. */
#ifndef PALM_GUEST_MULTIBOOT_H
#define PALM_GUEST_MULTIBOOT_H

#include <stdint.h>

#define MB_BOOT_MAGIC		0x2badb002

#define MB_INFO_MEM		(1u << 0)
#define MB_INFO_CMDLINE		(1u << 2)
#define MB_INFO_MODS		(1u << 3)
#define MB_INFO_MMAP		(1u << 6)

#define MB_MMAP_AVAILABLE	1

/* Multiboot hands out 32-bit physical addresses; memory is identity mapped. */
static inline void *phys_ptr(uint32_t addr)
{
	return (void *)(uintptr_t)addr;
}

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower;	/* KiB below 1 MiB */
	uint32_t mem_upper;	/* KiB contiguous from 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
} __attribute__((packed));

struct mb_mod {
	uint32_t start;
	uint32_t end;
	uint32_t string;
	uint32_t reserved;
} __attribute__((packed));

/* "size" does not count itself: the next entry is at +size+4. */
struct mb_mmap_entry {
	uint32_t size;
	uint64_t addr;
	uint64_t len;
	uint32_t type;
} __attribute__((packed));

#endif
