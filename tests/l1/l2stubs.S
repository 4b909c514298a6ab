/* SPDX-License-Identifier: MIT */
/*
 * L2 code for the L1 test kernels: each stub executes the instruction under
 * test and then VMCALL, so that an instruction that does not exit shows up
 * as a VMCALL exit (18) instead.
 */
	.text
	.code64
#define STUB(name) .globl name; name:

STUB(l2_hlt)      hlt; vmcall
STUB(l2_rdtsc)    rdtsc; vmcall
STUB(l2_out80)    movb $0x55, %al; outb %al, $0x80; vmcall
STUB(l2_in61)     movw $0x61, %dx; inb %dx, %al; vmcall
STUB(l2_rdmsr)    movl $0x10, %ecx; rdmsr; vmcall
STUB(l2_wrmsr)    movl $0xc0000103, %ecx; xorl %eax, %eax; xorl %edx, %edx; wrmsr; vmcall
STUB(l2_movtocr3) movq %cr3, %rax; movq %rax, %cr3; vmcall
STUB(l2_movfromcr3) movq %cr3, %rbx; vmcall
STUB(l2_clts)     clts; vmcall
STUB(l2_ud2)      ud2; vmcall
STUB(l2_int3)     int3; vmcall
STUB(l2_invlpg)   leaq l2_invlpg(%rip), %rax; invlpg (%rax); vmcall
STUB(l2_pause)    pause; vmcall
STUB(l2_wbinvd)   wbinvd; vmcall
STUB(l2_rdtscp)   rdtscp; vmcall
STUB(l2_invd)     invd; vmcall
STUB(l2_vmptrst)  leaq l2_scratch(%rip), %rax; vmptrst 0x10(%rax); vmcall
STUB(l2_vmclear)  leaq l2_scratch(%rip), %rbx; vmclear (%rbx,%rcx,4); vmcall
STUB(l2_nop)      nop; nop; vmcall
STUB(l2_tscaux)   rdtscp; movl %ecx, l2_seen(%rip); vmcall
STUB(l2_store_probe) movq $1, probe_page(%rip); vmcall
STUB(l2_read_probe) movq probe_page(%rip), %rax; vmcall
/* bench_cpuid: L2 times BENCH_N CPUIDs with RDTSC (under Bochs' clock
 * sync=none one tick per instruction, docs/bare-metal-l0.md). */
#define BENCH_N 200
STUB(l2_cpuid_loop)
	rdtsc
	movl %eax, l2_t0(%rip)
	movl %edx, l2_t0+4(%rip)
	/* the counter lives in memory: l1_vmrun does not keep L2's registers */
	movl $BENCH_N, l2_count(%rip)
1:	xorl %eax, %eax
	xorl %ecx, %ecx
	cpuid
	decl l2_count(%rip)
	jnz 1b
	rdtsc
	movl %eax, l2_t1(%rip)
	movl %edx, l2_t1+4(%rip)
	vmcall

	.data
	.align 64
	.globl l2_scratch, l2_t0, l2_t1
l2_scratch: .skip 64
l2_t0: .quad 0
l2_t1: .quad 0
l2_count: .long 0
