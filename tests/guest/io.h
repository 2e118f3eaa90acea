/* SPDX-License-Identifier: GPL-2.0 */
/* Port I/O and CPU primitives for the bare-metal test guest. */
#ifndef PALM_GUEST_IO_H
#define PALM_GUEST_IO_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t val)
{
	__asm__ volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t val;

	__asm__ volatile("inb %1, %0" : "=a"(val) : "Nd"(port));
	return val;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/*
 * Stops the vCPU for good. hlt is privileged and the guest runs in
 * ring 3, so this faults on purpose into ring 0, which halts (boot.S).
 */
void halt_forever(void) __attribute__((noreturn));

#endif
