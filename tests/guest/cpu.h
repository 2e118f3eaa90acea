/* SPDX-License-Identifier: GPL-2.0 */
/* Ring 0 setup: IDT and TSS, so faults are reported rather than reboots. */
#ifndef PALM_GUEST_CPU_H
#define PALM_GUEST_CPU_H

#include <stdint.h>

/* Called once from boot.S in ring 0, before dropping to ring 3. */
void cpu_setup(void);
/*
 * Ring 0 exception handler: halts quietly for halt_forever(), otherwise
 * prints an error line and halts.
 */
void cpu_exception(uint64_t vector, uint64_t rip, uint64_t error_code)
	__attribute__((noreturn));
/* Ring 0 only: cli; hlt forever. */
void cpu_halt(void) __attribute__((noreturn));

#endif
