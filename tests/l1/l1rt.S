/* SPDX-License-Identifier: MIT */
/*
 * VM entry and exit for the L1 test kernels. l1_vmrun(launch) saves the
 * callee-saved registers on the stack, makes that stack HOST_RSP and
 * executes VMLAUNCH (launch != 0) or VMRESUME. It returns 0 after a VM exit
 * (the exit lands at l1_vmexit with RSP = HOST_RSP), 1 on VMfailInvalid and
 * 2 on VMfailValid (SDM 31.2).
 */
	.text
	.code64
	.globl l1_vmrun, l1_vmexit
l1_vmrun:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq $0x6c14, %rax        /* HOST_RSP */
	vmwrite %rsp, %rax
	testl %edi, %edi
	jz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	movl $1, %eax
	jc 3f
	movl $2, %eax
3:	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
l1_vmexit:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	xorl %eax, %eax
	ret

/* L2 of vmx_basic: CPUID (an exit L1 always gets), a read of a page EPT12
 * does not map (an EPT violation L1 resolves), then VMCALL. */
	.globl l2_basic
l2_basic:
	xorl %eax, %eax
	xorl %ecx, %ecx
	cpuid
	movq probe_page(%rip), %rax
	movq %rax, l2_seen(%rip)
	vmcall
4:	hlt
	jmp 4b
