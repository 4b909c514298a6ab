/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 entry for the bare-metal kernels (the L0 of examples/l0 and
 * the L1 test kernels of tests/l1). GRUB (or the L0, for an L1) enters
 * _start in 32-bit protected mode with paging off, EAX = 0x2BADB002 and
 * EBX = the Multiboot information (Multiboot spec 3.2). This code builds an
 * identity map of the first 4 GiB with 2 MiB pages, enters IA-32e mode
 * (SDM vol. 3 10.8.5), loads a GDT with a 64-bit TSS and an IDT whose
 * vectors 0-31 call kernel_trap(), and calls kernel_main(magic, info).
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003 /* modules page-aligned, memory information */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, boot_magic
	movl %ebx, boot_info
	movl $boot_stack_top, %esp

	/* Zero the page tables (6 pages: PML4, PDPT, 4 PDs). */
	movl $boot_pml4, %edi
	xorl %eax, %eax
	movl $(6 * 4096 / 4), %ecx
	rep stosl

	/* PML4[0] -> PDPT, PDPT[0..3] -> PD0..PD3. */
	movl $boot_pdpt, %eax
	orl $0x3, %eax
	movl %eax, boot_pml4
	movl $boot_pd, %eax
	orl $0x3, %eax
	movl $boot_pdpt, %edi
	movl $4, %ecx
1:	movl %eax, (%edi)
	addl $4096, %eax
	addl $8, %edi
	loop 1b

	/* 2048 PDEs: 2 MiB pages, present, writable, PS. */
	movl $boot_pd, %edi
	movl $0x83, %eax
	xorl %edx, %edx
	movl $2048, %ecx
2:	movl %eax, (%edi)
	movl %edx, 4(%edi)
	addl $0x200000, %eax
	adcl $0, %edx
	addl $8, %edi
	loop 2b

	/* The TSS descriptor's base. */
	movl $boot_tss, %eax
	movw %ax, boot_gdt + 0x18 + 2
	shrl $16, %eax
	movb %al, boot_gdt + 0x18 + 4
	movb %ah, boot_gdt + 0x18 + 7

	/* CR4.PAE, CR3, EFER.LME, then CR0.PG (SDM 10.8.5). */
	movl %cr4, %eax
	orl $0x20, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xC0000080, %ecx
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax
	movl %eax, %cr0

	lgdt boot_gdtr
	ljmp $0x08, $long_entry

	.code64
long_entry:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movw $0x18, %ax
	ltr %ax
	movq $boot_stack_top, %rsp

	/* IDT entries 0..31: interrupt gates to the stubs below. */
	leaq boot_idt(%rip), %rdi
	leaq trap_stubs(%rip), %rsi
	movl $32, %ecx
3:	movq %rsi, %rax
	movw %ax, (%rdi)
	movw $0x08, 2(%rdi)
	movw $0x8E00, 4(%rdi)
	shrq $16, %rax
	movw %ax, 6(%rdi)
	shrq $16, %rax
	movl %eax, 8(%rdi)
	movl $0, 12(%rdi)
	addq $16, %rdi
	addq $16, %rsi
	loop 3b
	lidt boot_idtr(%rip)

	movl boot_magic(%rip), %edi
	movl boot_info(%rip), %esi
	call kernel_main
4:	cli
	hlt
	jmp 4b

/* One 16-byte stub per vector: push a zero error code where the CPU pushes
 * none, push the vector, go to the common path. */
	.align 16
trap_stubs:
	.set vec, 0
	.rept 32
	.align 16
	.if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	pushq $vec
	.else
	pushq $0
	pushq $vec
	.endif
	jmp trap_common
	.set vec, vec + 1
	.endr

trap_common:
	/* Stack: vector, error code, RIP, CS, RFLAGS, RSP, SS. */
	movq (%rsp), %rdi
	movq 8(%rsp), %rsi
	movq 16(%rsp), %rdx
	andq $-16, %rsp
	call kernel_trap
5:	cli
	hlt
	jmp 5b

	.section .data
	.align 16
boot_gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF   /* 0x08: 64-bit code, DPL 0 */
	.quad 0x00CF92000000FFFF   /* 0x10: data, DPL 0 */
	.word 0x67, 0              /* 0x18: 64-bit TSS, base patched at boot */
	.byte 0, 0x89, 0x00, 0
	.long 0, 0
boot_gdt_end:
	.globl boot_gdtr
boot_gdtr:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt
	.align 16
	.globl boot_idtr
boot_idtr:
	.word 32 * 16 - 1
	.quad boot_idt
	.globl boot_magic, boot_info
boot_magic: .long 0
boot_info: .long 0

	.section .bss
	.align 4096
	.globl boot_pml4
boot_pml4: .skip 4096
boot_pdpt: .skip 4096
boot_pd: .skip 4 * 4096
	.align 16
	.globl boot_tss
boot_tss: .skip 104
	.align 16
boot_idt: .skip 32 * 16
	.align 16
boot_stack: .skip 65536
	.globl boot_stack_top
boot_stack_top:
