// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>

#include "cpu.h"
#include "io.h"
#include "line.h"

#define KERNEL_CS	0x08
#define TSS_SEL		0x28
#define GDT_TSS_INDEX	5

#define GATE_INTR	0x8e	/* present, DPL0, 64-bit interrupt gate */
#define TSS_AVAILABLE	0x89	/* present, DPL0, 64-bit TSS */

#define NR_EXCEPTIONS	32
#define VEC_INVALID_OP	6

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
	uint8_t io_bitmap[65536 / 8 + 1];	/* all ports allowed, then 0xff */
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern uint64_t gdt[];
extern char isr_stubs[], kstack_top[];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));

static void set_gate(uint32_t vec, void *handler, uint8_t type_attr)
{
	uint64_t a = (uint64_t)(uintptr_t)handler;

	idt[vec] = (struct idt_gate){
		.offset_lo = (uint16_t)a,
		.selector = KERNEL_CS,
		.type_attr = type_attr,
		.offset_mid = (uint16_t)(a >> 16),
		.offset_hi = (uint32_t)(a >> 32),
	};
}

void cpu_setup(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss;
	uint64_t limit = sizeof(tss) - 1;
	struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	for (uint32_t v = 0; v < NR_EXCEPTIONS; v++)
		set_gate(v, isr_stubs + 16 * v, GATE_INTR);

	/*
	 * Faults in ring 3 switch to this stack. IOPL=3 alone should allow
	 * port I/O from ring 3, but some hypervisors (PVM) only consult the
	 * I/O bitmap, so grant every port there too.
	 */
	tss.rsp[0] = (uint64_t)(uintptr_t)kstack_top;
	tss.iomap_base = offsetof(struct tss64, io_bitmap);
	tss.io_bitmap[sizeof(tss.io_bitmap) - 1] = 0xff;
	gdt[GDT_TSS_INDEX] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			     ((uint64_t)TSS_AVAILABLE << 40) |
			     (((limit >> 16) & 0xf) << 48) |
			     (((base >> 24) & 0xff) << 56);
	gdt[GDT_TSS_INDEX + 1] = base >> 32;

	__asm__ volatile("lidt %0" : : "m"(idtr));
	__asm__ volatile("ltr %w0" : : "r"(TSS_SEL));
}

void cpu_exception(uint64_t vector, uint64_t rip, uint64_t error_code)
{
	struct line l;

	if (vector == VEC_INVALID_OP && rip == (uintptr_t)halt_forever)
		cpu_halt();

	line_start(&l);
	line_str(&l, "error: cpu exception");
	line_kv(&l, "vector", vector);
	line_kv(&l, "rip", rip);
	line_kv(&l, "error_code", error_code);
	line_send(&l);
	cpu_halt();
}
