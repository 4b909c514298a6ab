/* SPDX-License-Identifier: MIT */
/*
 * The VM-exit entry (HOST_RIP of VMCS01 and VMCS02) and the VM entry. A VM
 * exit loads RSP and RIP from the host-state area and leaves every other
 * general-purpose register as the guest had it (SDM 28.5): they are saved to
 * l0_gprs[] (x86 encoding order; slot 4, RSP, is the VMCS's GUEST_RSP and
 * unused). l0_handle_exit returns 0 to VMRESUME the current VMCS, 1 to
 * VMLAUNCH it. A failed VM entry falls through to l0_entry_failed with the
 * RFLAGS VMLAUNCH/VMRESUME left (CF: VMfailInvalid, ZF: VMfailValid).
 */
	.text
	.code64
	.globl l0_vmexit
l0_vmexit:
	movq %rax, l0_gprs + 0*8(%rip)
	movq %rcx, l0_gprs + 1*8(%rip)
	movq %rdx, l0_gprs + 2*8(%rip)
	movq %rbx, l0_gprs + 3*8(%rip)
	movq %rbp, l0_gprs + 5*8(%rip)
	movq %rsi, l0_gprs + 6*8(%rip)
	movq %rdi, l0_gprs + 7*8(%rip)
	movq %r8, l0_gprs + 8*8(%rip)
	movq %r9, l0_gprs + 9*8(%rip)
	movq %r10, l0_gprs + 10*8(%rip)
	movq %r11, l0_gprs + 11*8(%rip)
	movq %r12, l0_gprs + 12*8(%rip)
	movq %r13, l0_gprs + 13*8(%rip)
	movq %r14, l0_gprs + 14*8(%rip)
	movq %r15, l0_gprs + 15*8(%rip)
	call l0_handle_exit
	/* fall through */
	.globl l0_enter
l0_enter:
	/* EAX: 0 VMRESUME, 1 VMLAUNCH. The flags of this test survive the
	 * MOVs below. */
	testl %eax, %eax
	movq l0_gprs + 1*8(%rip), %rcx
	movq l0_gprs + 2*8(%rip), %rdx
	movq l0_gprs + 3*8(%rip), %rbx
	movq l0_gprs + 5*8(%rip), %rbp
	movq l0_gprs + 6*8(%rip), %rsi
	movq l0_gprs + 7*8(%rip), %rdi
	movq l0_gprs + 8*8(%rip), %r8
	movq l0_gprs + 9*8(%rip), %r9
	movq l0_gprs + 10*8(%rip), %r10
	movq l0_gprs + 11*8(%rip), %r11
	movq l0_gprs + 12*8(%rip), %r12
	movq l0_gprs + 13*8(%rip), %r13
	movq l0_gprs + 14*8(%rip), %r14
	movq l0_gprs + 15*8(%rip), %r15
	movq l0_gprs + 0*8(%rip), %rax
	jnz 1f
	vmresume
	jmp 2f
1:	vmlaunch
2:	pushfq
	popq %rdi
	movq $l0_exit_stack_top, %rsp
	call l0_entry_failed
3:	cli
	hlt
	jmp 3b

	/* l0_start_guest(launch): the first VM entry, from the boot stack. */
	.globl l0_start_guest
l0_start_guest:
	movl %edi, %eax
	movq $l0_exit_stack_top, %rsp
	jmp l0_enter

	.bss
	.align 16
	.globl l0_exit_stack_top
l0_exit_stack:
	.skip 65536
l0_exit_stack_top:
