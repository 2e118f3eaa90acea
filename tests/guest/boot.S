/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot v1 entry, then long mode, then ring 3.
 *
 * The loader starts us in 32-bit protected mode, paging off, EAX = magic,
 * EBX = info. We identity-map the low 4 GiB with 2 MiB pages, enter long
 * mode, set up the IDT/TSS in ring 0 and drop to ring 3 with IOPL=3 for
 * everything else. Why ring 3: under some hypervisors (nested PVM) only
 * 64-bit user mode runs natively; supervisor code, paged or not, is
 * emulated an instruction at a time, thousands of times slower.
 */

#define MB_MAGIC	0x1badb002
/* bit 1: we need mem_* and the memory map to size the working set */
#define MB_FLAGS	0x00000002

#define KERNEL_CS	0x08
#define KERNEL_DS	0x10
#define USER_CS		(0x18 | 3)
#define USER_DS		(0x20 | 3)

#define PTE_PWU		0x007		/* present, writable, user */
#define PDE_LARGE	0x080		/* 2 MiB page */
#define CR0_PE_PG	0x80000001
#define CR4_PAE		0x020
#define MSR_EFER	0xc0000080
#define EFER_LME	0x100
#define RFLAGS_IOPL3	0x3002		/* IOPL=3, IF=0, reserved bit 1 */

#define KSTACK_SIZE	8192
#define USTACK_SIZE	16384

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.code32
	.section .text
	.globl _start
	.type _start, @function
_start:
	cli
	cld
	/* Keep magic and info across the BSS clear (rep stosl uses EAX). */
	movl	%eax, %esi
	movl	%ebx, %ebp

	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	/* pml4[0] -> pdpt, pdpt[0..3] -> pd[0..3], 2048 x 2 MiB = 4 GiB */
	movl	$pdpt + PTE_PWU, pml4
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$12, %eax
	addl	$pd + PTE_PWU, %eax
	movl	%eax, pdpt(, %ecx, 8)
	incl	%ecx
	cmpl	$4, %ecx
	jne	1b

	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$PDE_LARGE + PTE_PWU, %eax
	movl	%eax, pd(, %ecx, 8)
	movl	%ecx, %eax
	shrl	$11, %eax			/* bits 32+ of the address */
	movl	%eax, pd + 4(, %ecx, 8)
	incl	%ecx
	cmpl	$2048, %ecx
	jne	2b

	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$CR0_PE_PG, %eax
	movl	%eax, %cr0

	lgdt	gdt_ptr
	ljmp	$KERNEL_CS, $start64
	.size _start, . - _start

	.code64
start64:
	movl	$KERNEL_DS, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movq	$kstack_top, %rsp

	/* magic and info pointer survive cpu_setup in callee-saved regs */
	movl	%esi, %r12d
	movl	%ebp, %r13d
	call	cpu_setup

	pushq	$USER_DS
	pushq	$ustack_top
	pushq	$RFLAGS_IOPL3
	pushq	$USER_CS
	pushq	$user_entry
	iretq

user_entry:
	movl	$USER_DS, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movl	%r12d, %edi
	movl	%r13d, %esi
	call	guest_main
	jmp	halt_forever

/*
 * Exception stubs, 16 bytes apart so cpu_setup can find stub n at
 * isr_stubs + 16 * n. Each leaves (vector, error code) on the stack.
 */
	.balign 16
	.globl isr_stubs
isr_stubs:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.balign 16
	.if \n == 8 || (\n >= 10 && \n <= 14) || \n == 17 || \n == 21 || \n == 29 || \n == 30
	pushq	$\n
	.else
	pushq	$0
	pushq	$\n
	.endif
	jmp	isr_common
	.endr

isr_common:
	movq	0(%rsp), %rdi			/* vector */
	movq	8(%rsp), %rdx			/* error code */
	movq	16(%rsp), %rsi			/* faulting RIP */
	andq	$-16, %rsp
	call	cpu_exception
	/* fall through: cpu_exception does not return */

	.globl cpu_halt
cpu_halt:
	cli
	hlt
	jmp	cpu_halt

/*
 * Ring 3 cannot hlt, and software interrupts are not dependable (PVM
 * turns "int $n" from user mode into #UD), so halting from ring 3 is a
 * deliberate #UD at this address, which cpu_exception recognises.
 */
	.globl halt_forever
halt_forever:
	ud2

	.section .data
	.balign 16
	.globl gdt
gdt:
	.quad 0				/* null */
	.quad 0x00af9a000000ffff	/* 0x08 kernel code, 64-bit */
	.quad 0x00cf92000000ffff	/* 0x10 kernel data */
	.quad 0x00affa000000ffff	/* 0x18 user code, 64-bit, DPL3 */
	.quad 0x00cff2000000ffff	/* 0x20 user data, DPL3 */
	.quad 0, 0			/* 0x28 TSS, filled by cpu_setup */
gdt_end:
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt

	.section .bss
	.balign 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pd:	.skip 4 * 4096
	.balign 16
	.skip KSTACK_SIZE
	.globl kstack_top
kstack_top:
	.skip USTACK_SIZE
ustack_top:

	/* The guest has no notion of executable stacks; silence ld. */
	.section .note.GNU-stack, "", @progbits
