/* SPDX-License-Identifier: MIT */
/*
 * VMX instructions (SDM 31.3): every #UD, #GP and VMfail path, in the order
 * of each Operation section, with exact RFLAGS (31.2), RIP and the
 * VM-instruction error number (31.4).
 */
#include "common.h"

TestSuite(vmxon, .init = setup_host, .fini = teardown_host);
TestSuite(vmxoff, .init = setup_host, .fini = teardown_host);
TestSuite(vmclear, .init = setup_host, .fini = teardown_host);
TestSuite(vmptrld, .init = setup_host, .fini = teardown_host);
TestSuite(vmptrst, .init = setup_host, .fini = teardown_host);
TestSuite(vmread, .init = setup_host, .fini = teardown_host);
TestSuite(vmwrite, .init = setup_host, .fini = teardown_host);
TestSuite(vmlaunch, .init = setup_host, .fini = teardown_host);
TestSuite(invept, .init = setup_host, .fini = teardown_host);
TestSuite(invvpid, .init = setup_host, .fini = teardown_host);
TestSuite(host, .init = setup_host, .fini = teardown_host);

/* Instruction lengths the reference host reports. */
#define LEN_VMXON 5
#define LEN_VMCLEAR 4
#define LEN3 3
#define LEN_INV 5

/* ---------------- VMXON ---------------- */

Test(vmxon, succeeds_and_enters_vmx_operation)
{
	do_vmxon();
	expect_succeed(LEN_VMXON);
	cr_assert(nvmx_vcpu_in_vmx_operation(h.vcpu));
	cr_assert_eq(nvmx_vcpu_current_vmptr(h.vcpu), ~0ull);
}

Test(vmxon, raises_ud_when_cr4_vmxe_is_clear)
{
	refhost_l1_set(&h, NVMX_F_GUEST_CR4, l1(NVMX_F_GUEST_CR4) & ~NVMX_CR4_VMXE);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_NOT_IN_VMX_OPERATION);
	cr_assert_not(nvmx_vcpu_in_vmx_operation(h.vcpu));
}

Test(vmxon, raises_ud_when_cr0_pe_is_clear)
{
	refhost_l1_set(&h, NVMX_F_GUEST_CR0, l1(NVMX_F_GUEST_CR0) & ~1ull);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_REAL_OR_V86);
}

Test(vmxon, raises_ud_in_virtual_8086_mode)
{
	refhost_l1_set(&h, NVMX_F_GUEST_RFLAGS, FL0 | (1ull << 17));
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMXON, .mem = true, .la = OPND };
	refhost_mem_w64(&h, OPND, VMXON_PA);
	refhost_l1_set(&h, NVMX_F_GUEST_RIP, RIP0);
	cr_assert_eq(refhost_exec(&h, &in, &r), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_FAULT);
	cr_assert_eq(r.fault.vector, 6);
	cr_assert_eq(r.reason, NVMX_REASON_INSN_UD_REAL_OR_V86);
	cr_assert_eq(l1(NVMX_F_GUEST_RFLAGS), FL0 | (1ull << 17));
	cr_assert_eq(l1(NVMX_F_GUEST_RIP), RIP0);
}

Test(vmxon, raises_ud_in_compatibility_mode)
{
	refhost_l1_set(&h, NVMX_F_GUEST_CS_AR_BYTES, l1(NVMX_F_GUEST_CS_AR_BYTES) & ~(uint64_t)NVMX_AR_L);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_COMPAT_MODE);
}

Test(vmxon, raises_ud_on_a_register_operand)
{
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMXON), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_BAD_ENCODING);
}

Test(vmxon, raises_gp_at_cpl_3)
{
	set_cpl3();
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA), NVMX_STATUS_OK);
	expect_fault(13, NVMX_REASON_INSN_GP_CPL);
}

Test(vmxon, raises_gp_when_cr0_lacks_a_fixed0_bit)
{
	/* IA32_VMX_CR0_FIXED0 requires NE (bit 5). */
	refhost_l1_set(&h, NVMX_F_GUEST_CR0, l1(NVMX_F_GUEST_CR0) & ~0x20ull);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA), NVMX_STATUS_OK);
	expect_fault(13, NVMX_REASON_INSN_GP_CR0_FIXED);
}

Test(vmxon, raises_gp_when_cr0_sets_a_bit_fixed1_forbids)
{
	/* IA32_VMX_CR0_FIXED1 is 0xffffffff: bit 32 must be 0. */
	refhost_l1_set(&h, NVMX_F_GUEST_CR0, l1(NVMX_F_GUEST_CR0) | (1ull << 32));
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA), NVMX_STATUS_OK);
	expect_fault(13, NVMX_REASON_INSN_GP_CR0_FIXED);
}

Test(vmxon, raises_gp_when_cr4_sets_a_bit_fixed1_forbids)
{
	/* Bit 15 is reserved in CR4 and clear in IA32_VMX_CR4_FIXED1. */
	refhost_l1_set(&h, NVMX_F_GUEST_CR4, l1(NVMX_F_GUEST_CR4) | (1ull << 15));
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA), NVMX_STATUS_OK);
	expect_fault(13, NVMX_REASON_INSN_GP_CR4_FIXED);
}

Test(vmxon, raises_gp_when_feature_control_is_unlocked)
{
	h.feature_control = NVMX_FEATCTL_VMX_OUTSIDE_SMX;
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA), NVMX_STATUS_OK);
	expect_fault(13, NVMX_REASON_INSN_GP_FEATURE_CONTROL);
}

Test(vmxon, raises_gp_when_vmx_outside_smx_is_disabled)
{
	h.feature_control = NVMX_FEATCTL_LOCK | NVMX_FEATCTL_VMX_IN_SMX;
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA), NVMX_STATUS_OK);
	expect_fault(13, NVMX_REASON_INSN_GP_FEATURE_CONTROL);
}

Test(vmxon, takes_the_page_fault_of_its_operand)
{
	cr_assert_eq(exec_mem(NVMX_EXIT_REASON_VMXON, 8ull << 20), NVMX_STATUS_OK);
	expect_fault(14, NVMX_REASON_INSN_GUEST_FAULT);
	cr_assert_eq(r.fault.cr2, 8ull << 20);
	cr_assert_not(nvmx_vcpu_in_vmx_operation(h.vcpu));
}

Test(vmxon, fails_invalid_on_an_unaligned_pointer)
{
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA + 8), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_VMXON_PTR_INVALID, LEN_VMXON);
	cr_assert_not(nvmx_vcpu_in_vmx_operation(h.vcpu));
}

Test(vmxon, fails_invalid_on_a_pointer_beyond_maxphyaddr)
{
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, 1ull << 46), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_VMXON_PTR_INVALID, LEN_VMXON);
}

Test(vmxon, fails_invalid_beyond_a_reduced_maxphyaddr)
{
	cr_assert_eq(nvmx_vm_set_maxphyaddr(h.vm, 36), NVMX_STATUS_OK);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, (1ull << 36) | VMXON_PA), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_VMXON_PTR_INVALID, LEN_VMXON);
}

Test(vmxon, fails_invalid_on_a_wrong_revision)
{
	refhost_mem_w32(&h, VMXON_PA, REV + 1);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_VMXON_REVISION, LEN_VMXON);
}

Test(vmxon, fails_invalid_when_revision_bit_31_is_set)
{
	refhost_mem_w32(&h, VMXON_PA, REV | 0x80000000u);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_VMXON_REVISION, LEN_VMXON);
}

Test(vmxon, fails_invalid_on_memory_l0_does_not_back)
{
	refhost_range_add(&h, REFHOST_RANGE_UNMAP, 0x5000, 0x1000, 0, 0);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, 0x5000), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_VMXON_REVISION, LEN_VMXON);
}

Test(vmxon, fails_invalid_15_in_root_without_a_current_vmcs)
{
	do_vmxon();
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_VMXON_IN_ROOT, LEN_VMXON);
}

Test(vmxon, fails_valid_15_in_root_with_a_current_vmcs)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA), NVMX_STATUS_OK);
	expect_valid(15, NVMX_REASON_INSN_VMFAIL_VMXON_IN_ROOT, LEN_VMXON);
}

Test(vmxon, in_root_does_not_touch_its_operand)
{
	do_vmxon();
	/* An operand that would fault: VMfail(15) comes first (31.3). */
	cr_assert_eq(exec_mem(NVMX_EXIT_REASON_VMXON, 8ull << 20), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_VMXON_IN_ROOT, LEN_VMXON);
}

Test(vmxon, raises_gp_in_root_at_cpl_3)
{
	do_vmxon();
	set_cpl3();
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA), NVMX_STATUS_OK);
	expect_fault(13, NVMX_REASON_INSN_GP_CPL);
}

/* ---------------- VMXOFF ---------------- */

Test(vmxoff, raises_ud_outside_vmx_operation)
{
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMXOFF), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_NOT_IN_VMX_OPERATION);
}

Test(vmxoff, raises_ud_in_compatibility_mode)
{
	do_vmxon();
	refhost_l1_set(&h, NVMX_F_GUEST_CS_AR_BYTES, l1(NVMX_F_GUEST_CS_AR_BYTES) & ~(uint64_t)NVMX_AR_L);
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMXOFF), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_COMPAT_MODE);
}

Test(vmxoff, raises_gp_at_cpl_3)
{
	do_vmxon();
	set_cpl3();
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMXOFF), NVMX_STATUS_OK);
	expect_fault(13, NVMX_REASON_INSN_GP_CPL);
	cr_assert(nvmx_vcpu_in_vmx_operation(h.vcpu));
}

Test(vmxoff, succeeds_and_leaves_vmx_operation)
{
	do_vmxon();
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMXOFF), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	cr_assert_not(nvmx_vcpu_in_vmx_operation(h.vcpu));
}

Test(vmxoff, writes_cached_vmcs12_back_to_memory)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_GUEST_RIP, 0x123456789ull);
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMXOFF), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	cr_assert_eq(refhost_mem_r64(&h, VMCS_A + 16 + 8 * NVMX_IDX_GUEST_RIP), 0x123456789ull);
	cr_assert_eq(refhost_mem_r32(&h, VMCS_A + 8), 0x584d564eu); /* "NVMX" */
}

/* ---------------- VMCLEAR ---------------- */

Test(vmclear, raises_ud_outside_vmx_operation)
{
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMCLEAR, VMCS_A), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_NOT_IN_VMX_OPERATION);
}

Test(vmclear, raises_ud_on_a_register_operand)
{
	do_vmxon();
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMCLEAR), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_BAD_ENCODING);
}

Test(vmclear, raises_gp_at_cpl_3)
{
	do_vmxon();
	set_cpl3();
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMCLEAR, VMCS_A), NVMX_STATUS_OK);
	expect_fault(13, NVMX_REASON_INSN_GP_CPL);
}

Test(vmclear, fails_invalid_2_on_an_unaligned_address_without_current_vmcs)
{
	do_vmxon();
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMCLEAR, VMCS_A + 0x10), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_VMCLEAR_ADDR, LEN_VMCLEAR);
}

Test(vmclear, fails_valid_2_on_an_unaligned_address)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMCLEAR, VMCS_B + 0x10), NVMX_STATUS_OK);
	expect_valid(2, NVMX_REASON_INSN_VMFAIL_VMCLEAR_ADDR, LEN_VMCLEAR);
}

Test(vmclear, fails_valid_2_beyond_the_physical_address_width)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMCLEAR, 1ull << 46), NVMX_STATUS_OK);
	expect_valid(2, NVMX_REASON_INSN_VMFAIL_VMCLEAR_ADDR, LEN_VMCLEAR);
}

Test(vmclear, fails_invalid_3_on_the_vmxon_pointer_without_current_vmcs)
{
	do_vmxon();
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMCLEAR, VMXON_PA), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_VMCLEAR_VMXON_PTR, LEN_VMCLEAR);
}

Test(vmclear, fails_valid_3_on_the_vmxon_pointer)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMCLEAR, VMXON_PA), NVMX_STATUS_OK);
	expect_valid(3, NVMX_REASON_INSN_VMFAIL_VMCLEAR_VMXON_PTR, LEN_VMCLEAR);
}

Test(vmclear, succeeds_and_invalidates_the_current_pointer)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMCLEAR, VMCS_A), NVMX_STATUS_OK);
	expect_succeed(LEN_VMCLEAR);
	cr_assert_eq(nvmx_vcpu_current_vmptr(h.vcpu), ~0ull);
	/* Launch state clear in memory (byte 14 of the library's layout). */
	uint8_t b[16];
	refhost_mem_read(&h, VMCS_A, b, 16);
	cr_assert_eq(b[14], 0);
	cr_assert_eq(refhost_mem_r32(&h, VMCS_A), REV);
}

Test(vmclear, keeps_the_current_pointer_when_clearing_another_vmcs)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMCLEAR, VMCS_B), NVMX_STATUS_OK);
	expect_succeed(LEN_VMCLEAR);
	cr_assert_eq(nvmx_vcpu_current_vmptr(h.vcpu), VMCS_A);
}

Test(vmclear, succeeds_on_memory_l0_does_not_back)
{
	do_vmxon();
	refhost_range_add(&h, REFHOST_RANGE_UNMAP, 0x5000, 0x1000, 0, 0);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMCLEAR, 0x5000), NVMX_STATUS_OK);
	expect_succeed(LEN_VMCLEAR);
}

/* ---------------- VMPTRLD ---------------- */

Test(vmptrld, raises_ud_outside_vmx_operation)
{
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, VMCS_A), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_NOT_IN_VMX_OPERATION);
}

Test(vmptrld, raises_ud_on_a_register_operand)
{
	do_vmxon();
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMPTRLD), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_BAD_ENCODING);
}

Test(vmptrld, raises_gp_at_cpl_3)
{
	do_vmxon();
	set_cpl3();
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, VMCS_A), NVMX_STATUS_OK);
	expect_fault(13, NVMX_REASON_INSN_GP_CPL);
}

Test(vmptrld, succeeds_and_makes_the_vmcs_current)
{
	do_vmxon();
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, VMCS_A), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	cr_assert_eq(nvmx_vcpu_current_vmptr(h.vcpu), VMCS_A);
}

Test(vmptrld, fails_invalid_9_on_an_unaligned_address_without_current_vmcs)
{
	do_vmxon();
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, VMCS_A + 4), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_VMPTRLD_ADDR, LEN3);
}

Test(vmptrld, fails_valid_9_on_an_unaligned_address)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, VMCS_B + 4), NVMX_STATUS_OK);
	expect_valid(9, NVMX_REASON_INSN_VMFAIL_VMPTRLD_ADDR, LEN3);
	cr_assert_eq(nvmx_vcpu_current_vmptr(h.vcpu), VMCS_A);
}

Test(vmptrld, fails_valid_9_beyond_the_physical_address_width)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, 1ull << 50), NVMX_STATUS_OK);
	expect_valid(9, NVMX_REASON_INSN_VMFAIL_VMPTRLD_ADDR, LEN3);
}

Test(vmptrld, fails_valid_9_on_memory_l0_does_not_back)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	refhost_range_add(&h, REFHOST_RANGE_UNMAP, 0x5000, 0x1000, 0, 0);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, 0x5000), NVMX_STATUS_OK);
	expect_valid(9, NVMX_REASON_INSN_VMFAIL_VMPTRLD_NOT_BACKED, LEN3);
}

Test(vmptrld, fails_invalid_10_on_the_vmxon_pointer_without_current_vmcs)
{
	do_vmxon();
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, VMXON_PA), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_VMPTRLD_VMXON_PTR, LEN3);
}

Test(vmptrld, fails_valid_10_on_the_vmxon_pointer)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, VMXON_PA), NVMX_STATUS_OK);
	expect_valid(10, NVMX_REASON_INSN_VMFAIL_VMPTRLD_VMXON_PTR, LEN3);
}

Test(vmptrld, fails_invalid_11_on_a_wrong_revision_without_current_vmcs)
{
	do_vmxon();
	refhost_mem_w32(&h, VMCS_B, REV + 1);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, VMCS_B), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_VMPTRLD_REVISION, LEN3);
}

Test(vmptrld, fails_valid_11_on_a_wrong_revision)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	refhost_mem_w32(&h, VMCS_B, REV + 1);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, VMCS_B), NVMX_STATUS_OK);
	expect_valid(11, NVMX_REASON_INSN_VMFAIL_VMPTRLD_REVISION, LEN3);
	cr_assert_eq(nvmx_vcpu_current_vmptr(h.vcpu), VMCS_A);
}

Test(vmptrld, fails_invalid_11_on_a_shadow_vmcs_without_current_vmcs)
{
	do_vmxon();
	refhost_mem_w32(&h, VMCS_B, REV | 0x80000000u);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, VMCS_B), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_VMPTRLD_SHADOW, LEN3);
}

Test(vmptrld, fails_valid_11_on_a_shadow_vmcs_without_vmcs_shadowing)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	refhost_mem_w32(&h, VMCS_B, REV | 0x80000000u);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, VMCS_B), NVMX_STATUS_OK);
	expect_valid(11, NVMX_REASON_INSN_VMFAIL_VMPTRLD_SHADOW, LEN3);
}

Test(vmptrld, switches_between_two_vmcs12_keeping_their_fields)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_GUEST_RSP, 0xaaaa);
	do_vmptrld(VMCS_B);
	do_vmwrite(NVMX_F_GUEST_RSP, 0xbbbb);
	do_vmptrld(VMCS_A);
	cr_assert_eq(vmread_reg(NVMX_F_GUEST_RSP, RAX), NVMX_STATUS_OK);
	cr_assert_eq(h.gpr[RAX], 0xaaaa);
	do_vmptrld(VMCS_B);
	cr_assert_eq(vmread_reg(NVMX_F_GUEST_RSP, RAX), NVMX_STATUS_OK);
	cr_assert_eq(h.gpr[RAX], 0xbbbb);
}

/* ---------------- VMPTRST ---------------- */

Test(vmptrst, raises_ud_outside_vmx_operation)
{
	cr_assert_eq(exec_mem(NVMX_EXIT_REASON_VMPTRST, OPND), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_NOT_IN_VMX_OPERATION);
}

Test(vmptrst, raises_ud_on_a_register_operand)
{
	do_vmxon();
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMPTRST), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_BAD_ENCODING);
}

Test(vmptrst, raises_gp_at_cpl_3)
{
	do_vmxon();
	set_cpl3();
	cr_assert_eq(exec_mem(NVMX_EXIT_REASON_VMPTRST, OPND), NVMX_STATUS_OK);
	expect_fault(13, NVMX_REASON_INSN_GP_CPL);
}

Test(vmptrst, stores_all_ones_without_a_current_vmcs)
{
	do_vmxon();
	refhost_mem_w64(&h, OPND, 0);
	cr_assert_eq(exec_mem(NVMX_EXIT_REASON_VMPTRST, OPND), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	cr_assert_eq(refhost_mem_r64(&h, OPND), ~0ull);
	cr_assert_eq(r.value, ~0ull);
}

Test(vmptrst, stores_the_current_pointer)
{
	do_vmxon();
	do_vmptrld(VMCS_B);
	cr_assert_eq(exec_mem(NVMX_EXIT_REASON_VMPTRST, OPND + 0x100), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	cr_assert_eq(refhost_mem_r64(&h, OPND + 0x100), VMCS_B);
	cr_assert_eq(r.value, VMCS_B);
}

Test(vmptrst, takes_the_page_fault_of_its_destination)
{
	do_vmxon();
	cr_assert_eq(exec_mem(NVMX_EXIT_REASON_VMPTRST, (4ull << 20) - 4), NVMX_STATUS_OK);
	expect_fault(14, NVMX_REASON_INSN_GUEST_FAULT);
}

/* ---------------- VMREAD ---------------- */

Test(vmread, raises_ud_outside_vmx_operation)
{
	cr_assert_eq(vmread_reg(NVMX_F_GUEST_RIP, RAX), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_NOT_IN_VMX_OPERATION);
}

Test(vmread, raises_gp_at_cpl_3)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	set_cpl3();
	cr_assert_eq(vmread_reg(NVMX_F_GUEST_RIP, RAX), NVMX_STATUS_OK);
	expect_fault(13, NVMX_REASON_INSN_GP_CPL);
}

Test(vmread, fails_invalid_without_a_current_vmcs)
{
	do_vmxon();
	h.gpr[RAX] = 0x55;
	cr_assert_eq(vmread_reg(NVMX_F_GUEST_RIP, RAX), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_NO_CURRENT_VMCS, LEN3);
	cr_assert_eq(h.gpr[RAX], 0x55);
}

Test(vmread, fails_valid_12_on_an_unknown_field)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(vmread_reg(0x6ffe, RAX), NVMX_STATUS_OK);
	expect_valid(12, NVMX_REASON_INSN_VMFAIL_UNSUPPORTED_FIELD, LEN3);
}

Test(vmread, fails_invalid_on_an_unknown_field_without_current_vmcs)
{
	do_vmxon();
	cr_assert_eq(vmread_reg(0x6ffe, RAX), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_NO_CURRENT_VMCS, LEN3);
}

Test(vmread, fails_valid_12_when_bits_63_32_are_set_in_64_bit_mode)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(vmread_reg((1ull << 32) | NVMX_F_GUEST_RIP, RAX), NVMX_STATUS_OK);
	expect_valid(12, NVMX_REASON_INSN_VMFAIL_UNSUPPORTED_FIELD, LEN3);
}

Test(vmread, fails_valid_12_on_the_high_access_of_a_32_bit_field)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(vmread_reg(NVMX_F_GUEST_ES_LIMIT | 1u, RAX), NVMX_STATUS_OK);
	expect_valid(12, NVMX_REASON_INSN_VMFAIL_UNSUPPORTED_FIELD, LEN3);
}

Test(vmread, fails_valid_12_on_a_field_of_a_feature_the_policy_removed)
{
	/* Without "enable VPID" offered, VIRTUAL_PROCESSOR_ID does not exist. */
	cap_clear(NVMX_MSR_IA32_VMX_PROCBASED_CTLS2, (uint64_t)NVMX_PROC2_VPID << 32);
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(vmread_reg(0x0000, RAX), NVMX_STATUS_OK);
	expect_valid(12, NVMX_REASON_INSN_VMFAIL_UNSUPPORTED_FIELD, LEN3);
}

Test(vmread, reads_a_field_of_an_offered_feature)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(0x0000, 7);
	cr_assert_eq(vmread_reg(0x0000, RAX), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	cr_assert_eq(h.gpr[RAX], 7);
}

Test(vmread, zero_extends_a_16_bit_field_into_the_register)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_GUEST_CS_SELECTOR, 0xbeef);
	h.gpr[RAX] = ~0ull;
	cr_assert_eq(vmread_reg(NVMX_F_GUEST_CS_SELECTOR, RAX), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	cr_assert_eq(h.gpr[RAX], 0xbeef);
	cr_assert_eq(r.value, 0xbeef);
}

Test(vmread, reads_the_high_half_with_the_high_access_type)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_TSC_OFFSET, 0x1122334455667788ull);
	cr_assert_eq(vmread_reg(NVMX_F_TSC_OFFSET | 1u, RAX), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	cr_assert_eq(h.gpr[RAX], 0x11223344ull);
	cr_assert_eq(vmread_reg(NVMX_F_TSC_OFFSET, RAX), NVMX_STATUS_OK);
	cr_assert_eq(h.gpr[RAX], 0x1122334455667788ull);
}

Test(vmread, writes_8_bytes_to_memory_in_64_bit_mode)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_GUEST_RSP, 0x0102030405060708ull);
	refhost_mem_w64(&h, OPND, 0);
	refhost_mem_w64(&h, OPND + 8, 0xffffffffffffffffull);
	cr_assert_eq(vmread_mem(NVMX_F_GUEST_RSP, OPND), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	cr_assert_eq(refhost_mem_r64(&h, OPND), 0x0102030405060708ull);
	cr_assert_eq(refhost_mem_r64(&h, OPND + 8), 0xffffffffffffffffull);
}

Test(vmread, truncates_to_32_bits_outside_64_bit_mode)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_GUEST_RSP, 0x0102030405060708ull);
	l1_protected32();
	refhost_mem_w64(&h, OPND, ~0ull);
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMREAD, .mem = true, .la = OPND,
	                           .reg2 = RDX, .addr_size = 4 };
	h.gpr[RDX] = NVMX_F_GUEST_RSP;
	rearm();
	cr_assert_eq(refhost_exec(&h, &in, &r), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	/* 4 bytes written, the next 4 untouched. */
	cr_assert_eq(refhost_mem_r64(&h, OPND), 0xffffffff05060708ull);
	cr_assert_eq(r.value, 0x05060708ull);
}

Test(vmread, ignores_encoding_bits_63_32_outside_64_bit_mode)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_GUEST_CS_SELECTOR, 0x10);
	l1_protected32();
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMREAD, .reg1 = RAX, .reg2 = RDX,
	                           .addr_size = 4 };
	h.gpr[RDX] = (0xffull << 32) | NVMX_F_GUEST_CS_SELECTOR;
	rearm();
	cr_assert_eq(refhost_exec(&h, &in, &r), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	cr_assert_eq(h.gpr[RAX], 0x10);
}

/* ---------------- VMWRITE ---------------- */

Test(vmwrite, raises_ud_outside_vmx_operation)
{
	cr_assert_eq(vmwrite_reg(NVMX_F_GUEST_RIP, 1), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_NOT_IN_VMX_OPERATION);
}

Test(vmwrite, raises_gp_at_cpl_3)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	set_cpl3();
	cr_assert_eq(vmwrite_reg(NVMX_F_GUEST_RIP, 1), NVMX_STATUS_OK);
	expect_fault(13, NVMX_REASON_INSN_GP_CPL);
}

Test(vmwrite, fails_invalid_without_a_current_vmcs)
{
	do_vmxon();
	cr_assert_eq(vmwrite_reg(NVMX_F_GUEST_RIP, 1), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_NO_CURRENT_VMCS, LEN3);
}

/* SDM Table 28-14: with a register operand (bit 10), the address-size,
 * segment, index and base fields are undefined. Bochs writes address size 0
 * (16-bit) there in 64-bit mode (found by the bare-metal L0,
 * docs/bare-metal-l0.md); the instruction must still complete. */
Test(vmwrite, register_form_ignores_the_undefined_address_size_and_segment)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	struct nvmx_insn_exit ex;
	memset(&ex, 0, sizeof(ex));
	ex.size = sizeof(ex);
	ex.exit_reason = NVMX_EXIT_REASON_VMWRITE;
	ex.insn_len = 3;
	ex.flags = NVMX_INSN_INFO_VALID;
	/* reg1 = RCX (bits 6:3), register operand (bit 10), address size 0
	 * (bits 9:7), segment 7 (bits 17:15), reg2 = RDX (bits 31:28) */
	ex.insn_info = (1u << 3) | (1u << 10) | (7u << 15) | (2u << 28);
	h.gpr[RDX] = NVMX_F_GUEST_RSP;
	h.gpr[RCX] = 0x5555;
	rearm();
	cr_assert_eq(nvmx_vcpu_emulate_vmx_insn(h.vcpu, &ex, &r), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	cr_assert_eq(vmread_reg(NVMX_F_GUEST_RSP, RAX), NVMX_STATUS_OK);
	cr_assert_eq(h.gpr[RAX], 0x5555);
}

Test(vmwrite, fails_valid_12_on_an_unknown_field)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(vmwrite_reg(0x2ffe, 1), NVMX_STATUS_OK);
	expect_valid(12, NVMX_REASON_INSN_VMFAIL_UNSUPPORTED_FIELD, LEN3);
}

Test(vmwrite, fails_valid_12_on_reserved_bit_12)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(vmwrite_reg(NVMX_F_GUEST_RIP | 0x1000u, 1), NVMX_STATUS_OK);
	expect_valid(12, NVMX_REASON_INSN_VMFAIL_UNSUPPORTED_FIELD, LEN3);
}

Test(vmwrite, fails_valid_12_on_a_field_of_a_feature_the_policy_removed)
{
	cap_clear(NVMX_MSR_IA32_VMX_PROCBASED_CTLS2, (uint64_t)NVMX_PROC2_EPT << 32);
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(vmwrite_reg(NVMX_F_EPT_POINTER, 0x1000), NVMX_STATUS_OK);
	expect_valid(12, NVMX_REASON_INSN_VMFAIL_UNSUPPORTED_FIELD, LEN3);
}

Test(vmwrite, fails_valid_13_on_an_exit_information_field_without_misc_29)
{
	cap_clear(NVMX_MSR_IA32_VMX_MISC, NVMX_MISC_VMWRITE_ANY);
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(vmwrite_reg(NVMX_F_VM_EXIT_REASON, 1), NVMX_STATUS_OK);
	expect_valid(13, NVMX_REASON_INSN_VMFAIL_READ_ONLY_FIELD, LEN3);
}

Test(vmwrite, writes_an_exit_information_field_with_misc_29)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(vmwrite_reg(NVMX_F_EXIT_QUALIFICATION, 0xabc), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	cr_assert_eq(vmread_reg(NVMX_F_EXIT_QUALIFICATION, RAX), NVMX_STATUS_OK);
	cr_assert_eq(h.gpr[RAX], 0xabc);
}

Test(vmwrite, fails_invalid_on_a_read_only_field_without_current_vmcs)
{
	cap_clear(NVMX_MSR_IA32_VMX_MISC, NVMX_MISC_VMWRITE_ANY);
	do_vmxon();
	cr_assert_eq(vmwrite_reg(NVMX_F_VM_EXIT_REASON, 1), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_NO_CURRENT_VMCS, LEN3);
}

Test(vmwrite, ignores_high_source_bits_of_a_16_bit_field)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_GUEST_ES_SELECTOR, 0xffffffff12345678ull);
	expect_succeed(LEN3);
	cr_assert_eq(h.vcpu->cur->f[NVMX_IDX_GUEST_ES_SELECTOR], 0x5678);
}

Test(vmwrite, ignores_high_source_bits_of_a_32_bit_field)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_GUEST_ES_LIMIT, 0xffffffff12345678ull);
	cr_assert_eq(h.vcpu->cur->f[NVMX_IDX_GUEST_ES_LIMIT], 0x12345678);
}

Test(vmwrite, marks_the_field_dirty_for_the_vmcs02_merge)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	struct nvmx_vmcs12 *s = h.vcpu->cur;
	nvmx_vmcs12_merged(s);
	do_vmwrite(NVMX_F_GUEST_RIP, 5);
	cr_assert(nvmx_vmcs12_differs(s, NVMX_IDX_GUEST_RIP));
}

Test(vmwrite, high_access_writes_only_bits_63_32)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_TSC_OFFSET, 0x1111111122222222ull);
	do_vmwrite(NVMX_F_TSC_OFFSET | 1u, 0xaaaaaaaa33333333ull);
	cr_assert_eq(h.vcpu->cur->f[NVMX_IDX_TSC_OFFSET], 0x3333333322222222ull);
}

Test(vmwrite, full_access_with_32_bit_operand_clears_bits_63_32)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_TSC_OFFSET, 0x1111111122222222ull);
	do_vmwrite(NVMX_F_GUEST_RSP, 0x1111111122222222ull);
	l1_protected32();
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMWRITE, .reg1 = RCX, .reg2 = RDX,
	                           .addr_size = 4 };
	h.gpr[RDX] = NVMX_F_TSC_OFFSET;
	h.gpr[RCX] = 0xffffffff44444444ull;
	rearm();
	cr_assert_eq(refhost_exec(&h, &in, &r), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	cr_assert_eq(h.vcpu->cur->f[NVMX_IDX_TSC_OFFSET], 0x44444444ull);
	h.gpr[RDX] = NVMX_F_GUEST_RSP;
	rearm();
	cr_assert_eq(refhost_exec(&h, &in, &r), NVMX_STATUS_OK);
	cr_assert_eq(h.vcpu->cur->f[NVMX_IDX_GUEST_RSP], 0x44444444ull);
}

Test(vmwrite, reads_8_bytes_from_memory_in_64_bit_mode)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	refhost_mem_w64(&h, OPND, 0x8877665544332211ull);
	cr_assert_eq(vmwrite_mem(NVMX_F_GUEST_RSP, OPND), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	cr_assert_eq(h.vcpu->cur->f[NVMX_IDX_GUEST_RSP], 0x8877665544332211ull);
}

Test(vmwrite, takes_the_page_fault_of_its_source_and_changes_nothing)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_GUEST_RSP, 9);
	cr_assert_eq(vmwrite_mem(NVMX_F_GUEST_RSP, 16ull << 20), NVMX_STATUS_OK);
	expect_fault(14, NVMX_REASON_INSN_GUEST_FAULT);
	cr_assert_eq(h.vcpu->cur->f[NVMX_IDX_GUEST_RSP], 9);
}

/* ---------------- VMLAUNCH / VMRESUME ---------------- */

static void make_launched(uint64_t pa)
{
	/* The library's VMCS12 layout: magic at 8, version at 12, launch state at 14. */
	refhost_mem_w32(&h, pa + 8, 0x584d564eu);
	uint8_t b[3] = { 1, 0, 1 };
	refhost_mem_write(&h, pa + 12, b, 3);
}

Test(vmlaunch, raises_ud_outside_vmx_operation)
{
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMLAUNCH), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_NOT_IN_VMX_OPERATION);
}

Test(vmlaunch, raises_gp_at_cpl_3)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	set_cpl3();
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMRESUME), NVMX_STATUS_OK);
	expect_fault(13, NVMX_REASON_INSN_GP_CPL);
}

Test(vmlaunch, fails_invalid_without_a_current_vmcs)
{
	do_vmxon();
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMLAUNCH), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_NO_CURRENT_VMCS, LEN3);
}

Test(vmlaunch, vmresume_fails_invalid_without_a_current_vmcs)
{
	do_vmxon();
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMRESUME), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_NO_CURRENT_VMCS, LEN3);
}

Test(vmlaunch, fails_valid_26_with_events_blocked_by_mov_ss)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	refhost_l1_set(&h, NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 2);
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMLAUNCH), NVMX_STATUS_OK);
	expect_valid(26, NVMX_REASON_INSN_VMFAIL_MOV_SS_BLOCKING, LEN3);
}

Test(vmlaunch, mov_ss_blocking_comes_before_the_launch_state)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	refhost_l1_set(&h, NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 2);
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMRESUME), NVMX_STATUS_OK);
	expect_valid(26, NVMX_REASON_INSN_VMFAIL_MOV_SS_BLOCKING, LEN3);
}

Test(vmlaunch, vmresume_fails_valid_5_on_a_clear_vmcs)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMRESUME), NVMX_STATUS_OK);
	expect_valid(5, NVMX_REASON_INSN_VMFAIL_VMRESUME_NOT_LAUNCHED, LEN3);
}

Test(vmlaunch, fails_valid_4_on_a_launched_vmcs)
{
	make_launched(VMCS_A);
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMLAUNCH), NVMX_STATUS_OK);
	expect_valid(4, NVMX_REASON_INSN_VMFAIL_VMLAUNCH_NOT_CLEAR, LEN3);
}

Test(vmlaunch, vmclear_makes_a_launched_vmcs_clear_again)
{
	make_launched(VMCS_A);
	do_vmxon();
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMCLEAR, VMCS_A), NVMX_STATUS_OK);
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMRESUME), NVMX_STATUS_OK);
	expect_valid(5, NVMX_REASON_INSN_VMFAIL_VMRESUME_NOT_LAUNCHED, LEN3);
}

Test(vmlaunch, passes_the_pre_entry_checks_on_to_vm_entry)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	enum nvmx_status s = exec_noop(NVMX_EXIT_REASON_VMLAUNCH);
	/* Whatever VM entry decides, it is not a pre-entry refusal. */
	cr_assert_neq(r.reason, NVMX_REASON_INSN_VMFAIL_VMLAUNCH_NOT_CLEAR);
	cr_assert_neq(r.reason, NVMX_REASON_INSN_VMFAIL_NO_CURRENT_VMCS);
	cr_assert_neq(r.reason, NVMX_REASON_INSN_VMFAIL_MOV_SS_BLOCKING);
	if (s != NVMX_STATUS_OK) {
		/* L1 unchanged on a status return. */
		cr_assert_eq(l1(NVMX_F_GUEST_RIP), RIP0);
		cr_assert_eq(l1(NVMX_F_GUEST_RFLAGS), FL0);
	}
}

/* ---------------- INVEPT ---------------- */

#define EPTP_OK (0x5000ull | (3u << 3) | 6u) /* WB, 4-level walk */

Test(invept, raises_ud_outside_vmx_operation)
{
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVEPT, 2, 0, 0), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_NOT_IN_VMX_OPERATION);
}

Test(invept, raises_ud_when_invept_is_not_offered)
{
	cap_clear(NVMX_MSR_IA32_VMX_EPT_VPID_CAP, NVMX_EPT_CAP_INVEPT | NVMX_EPT_CAP_INVEPT_SINGLE |
	                                             NVMX_EPT_CAP_INVEPT_ALL);
	do_vmxon();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVEPT, 2, 0, 0), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_FEATURE_NOT_OFFERED);
}

Test(invept, raises_ud_when_ept_is_not_offered)
{
	cap_clear(NVMX_MSR_IA32_VMX_PROCBASED_CTLS2, (uint64_t)NVMX_PROC2_EPT << 32);
	do_vmxon();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVEPT, 2, 0, 0), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_FEATURE_NOT_OFFERED);
}

Test(invept, raises_gp_at_cpl_3)
{
	do_vmxon();
	set_cpl3();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVEPT, 2, 0, 0), NVMX_STATUS_OK);
	expect_fault(13, NVMX_REASON_INSN_GP_CPL);
}

Test(invept, fails_invalid_28_on_type_0_without_current_vmcs)
{
	do_vmxon();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVEPT, 0, EPTP_OK, 0), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_INVALID_INVEPT_TYPE, LEN_INV);
}

Test(invept, fails_valid_28_on_type_3)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVEPT, 3, EPTP_OK, 0), NVMX_STATUS_OK);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVALID_INVEPT_TYPE, LEN_INV);
}

Test(invept, fails_valid_28_on_a_type_with_bits_63_32_in_64_bit_mode)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVEPT, (1ull << 32) | 2, EPTP_OK, 0), NVMX_STATUS_OK);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVALID_INVEPT_TYPE, LEN_INV);
}

Test(invept, fails_valid_28_on_single_context_the_policy_removed)
{
	cap_clear(NVMX_MSR_IA32_VMX_EPT_VPID_CAP, NVMX_EPT_CAP_INVEPT_SINGLE);
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVEPT, 1, EPTP_OK, 0), NVMX_STATUS_OK);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVALID_INVEPT_TYPE, LEN_INV);
}

Test(invept, single_context_succeeds_with_a_valid_eptp)
{
	do_vmxon();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVEPT, 1, EPTP_OK, 0), NVMX_STATUS_OK);
	expect_succeed(LEN_INV);
}

Test(invept, all_context_ignores_the_eptp)
{
	do_vmxon();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVEPT, 2, ~0ull, ~0ull), NVMX_STATUS_OK);
	expect_succeed(LEN_INV);
}

struct eptp_case {
	char name[40];
	uint64_t eptp;
};

static struct eptp_case bad_eptps[] = {
	{ "memory type 1 (WC)", 0x5000ull | (3u << 3) | 1u },
	{ "memory type 7", 0x5000ull | (3u << 3) | 7u },
	{ "walk length 2", 0x5000ull | (1u << 3) | 6u },
	{ "walk length 6", 0x5000ull | (5u << 3) | 6u },
	{ "reserved bit 8", 0x5000ull | (1u << 8) | (3u << 3) | 6u },
	{ "reserved bit 11", 0x5000ull | (1u << 11) | (3u << 3) | 6u },
	{ "bit 7 without SSS support", 0x5000ull | (1u << 7) | (3u << 3) | 6u },
	{ "address bit 46", (1ull << 46) | (3u << 3) | 6u },
	{ "bit 63", (1ull << 63) | 0x5000ull | (3u << 3) | 6u },
};

ParameterizedTestParameters(invept, fails_valid_28_on_an_invalid_eptp)
{
	return cr_make_param_array(struct eptp_case, bad_eptps, sizeof(bad_eptps) / sizeof(bad_eptps[0]));
}

ParameterizedTest(struct eptp_case *c, invept, fails_valid_28_on_an_invalid_eptp)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVEPT, 1, c->eptp, 0), NVMX_STATUS_OK);
	cr_assert_eq(r.reason, NVMX_REASON_INSN_VMFAIL_INVEPT_EPTP, "%s", c->name);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVEPT_EPTP, LEN_INV);
}

Test(invept, fails_invalid_28_on_an_invalid_eptp_without_current_vmcs)
{
	do_vmxon();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVEPT, 1, 0x5000ull | (3u << 3) | 1u, 0), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_INVEPT_EPTP, LEN_INV);
}

Test(invept, fails_valid_28_on_ad_flag_the_policy_removed)
{
	cap_clear(NVMX_MSR_IA32_VMX_EPT_VPID_CAP, NVMX_EPT_CAP_AD);
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVEPT, 1, EPTP_OK | (1u << 6), 0), NVMX_STATUS_OK);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVEPT_EPTP, LEN_INV);
}

Test(invept, accepts_the_ad_flag_when_offered)
{
	do_vmxon();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVEPT, 1, EPTP_OK | (1u << 6), 0), NVMX_STATUS_OK);
	expect_succeed(LEN_INV);
}

Test(invept, fails_valid_28_on_uc_the_policy_removed)
{
	cap_clear(NVMX_MSR_IA32_VMX_EPT_VPID_CAP, NVMX_EPT_CAP_MT_UC);
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVEPT, 1, 0x5000ull | (3u << 3), 0), NVMX_STATUS_OK);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVEPT_EPTP, LEN_INV);
}

Test(invept, fails_valid_28_on_5_level_walk_the_policy_removed)
{
	cap_clear(NVMX_MSR_IA32_VMX_EPT_VPID_CAP, NVMX_EPT_CAP_PWL5);
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVEPT, 1, 0x5000ull | (4u << 3) | 6u, 0), NVMX_STATUS_OK);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVEPT_EPTP, LEN_INV);
}

Test(invept, fails_valid_28_beyond_a_reduced_maxphyaddr)
{
	cr_assert_eq(nvmx_vm_set_maxphyaddr(h.vm, 39), NVMX_STATUS_OK);
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVEPT, 1, (1ull << 39) | EPTP_OK, 0), NVMX_STATUS_OK);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVEPT_EPTP, LEN_INV);
}

Test(invept, takes_the_page_fault_of_its_descriptor)
{
	do_vmxon();
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_INVEPT, .mem = true,
	                           .la = (4ull << 20) - 8, .reg2 = RCX };
	h.gpr[RCX] = 2;
	rearm();
	cr_assert_eq(refhost_exec(&h, &in, &r), NVMX_STATUS_OK);
	expect_fault(14, NVMX_REASON_INSN_GUEST_FAULT);
}

/* ---------------- INVVPID ---------------- */

Test(invvpid, raises_ud_outside_vmx_operation)
{
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 2, 0, 0), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_NOT_IN_VMX_OPERATION);
}

Test(invvpid, raises_ud_when_invvpid_is_not_offered)
{
	cap_clear(NVMX_MSR_IA32_VMX_EPT_VPID_CAP, NVMX_VPID_CAP_INVVPID | NVMX_VPID_CAP_INVVPID_ADDR |
	                                             NVMX_VPID_CAP_INVVPID_SINGLE | NVMX_VPID_CAP_INVVPID_ALL |
	                                             NVMX_VPID_CAP_INVVPID_SINGLE_NONGLOBAL);
	do_vmxon();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 2, 0, 0), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_FEATURE_NOT_OFFERED);
}

Test(invvpid, raises_ud_when_vpid_is_not_offered)
{
	cap_clear(NVMX_MSR_IA32_VMX_PROCBASED_CTLS2, (uint64_t)NVMX_PROC2_VPID << 32);
	do_vmxon();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 2, 0, 0), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_FEATURE_NOT_OFFERED);
}

Test(invvpid, raises_gp_at_cpl_3)
{
	do_vmxon();
	set_cpl3();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 2, 0, 0), NVMX_STATUS_OK);
	expect_fault(13, NVMX_REASON_INSN_GP_CPL);
}

Test(invvpid, fails_invalid_28_on_type_4_without_current_vmcs)
{
	do_vmxon();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 4, 1, 0), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_INVALID_INVVPID_TYPE, LEN_INV);
}

Test(invvpid, fails_valid_28_on_type_4)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 4, 1, 0), NVMX_STATUS_OK);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVALID_INVVPID_TYPE, LEN_INV);
}

Test(invvpid, fails_valid_28_on_a_type_the_policy_removed)
{
	cap_clear(NVMX_MSR_IA32_VMX_EPT_VPID_CAP, NVMX_VPID_CAP_INVVPID_ADDR);
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 0, 1, 0x1000), NVMX_STATUS_OK);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVALID_INVVPID_TYPE, LEN_INV);
}

Test(invvpid, fails_valid_28_when_descriptor_bits_63_16_are_set)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 2, 1ull << 16, 0), NVMX_STATUS_OK);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVVPID_DESC_RSVD, LEN_INV);
}

Test(invvpid, fails_invalid_28_when_descriptor_bits_63_16_are_set_without_current_vmcs)
{
	do_vmxon();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 2, 1ull << 63, 0), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_INVVPID_DESC_RSVD, LEN_INV);
}

Test(invvpid, fails_valid_28_on_vpid_0_for_individual_address)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 0, 0, 0x1000), NVMX_STATUS_OK);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVVPID_VPID_ZERO, LEN_INV);
}

Test(invvpid, fails_valid_28_on_vpid_0_for_single_context)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 1, 0, 0), NVMX_STATUS_OK);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVVPID_VPID_ZERO, LEN_INV);
}

Test(invvpid, fails_valid_28_on_vpid_0_for_single_context_non_global)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 3, 0, 0), NVMX_STATUS_OK);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVVPID_VPID_ZERO, LEN_INV);
}

Test(invvpid, all_context_accepts_vpid_0)
{
	do_vmxon();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 2, 0, 0), NVMX_STATUS_OK);
	expect_succeed(LEN_INV);
}

Test(invvpid, fails_valid_28_on_a_non_canonical_address)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 0, 1, 0x0000800000000000ull), NVMX_STATUS_OK);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVVPID_NONCANONICAL, LEN_INV);
}

Test(invvpid, individual_address_accepts_a_canonical_high_address)
{
	do_vmxon();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 0, 1, 0xffff800000000000ull), NVMX_STATUS_OK);
	expect_succeed(LEN_INV);
}

Test(invvpid, single_context_ignores_the_address)
{
	do_vmxon();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 1, 5, 0x0000800000000000ull), NVMX_STATUS_OK);
	expect_succeed(LEN_INV);
}

Test(invvpid, uses_32_bits_of_the_type_register_outside_64_bit_mode)
{
	do_vmxon();
	l1_protected32();
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_INVVPID, .mem = true, .la = OPND,
	                           .reg2 = RCX, .addr_size = 4 };
	h.gpr[RCX] = (1ull << 32) | 1;
	refhost_mem_w64(&h, OPND, 5);
	refhost_mem_w64(&h, OPND + 8, 0);
	rearm();
	cr_assert_eq(refhost_exec(&h, &in, &r), NVMX_STATUS_OK);
	expect_succeed(LEN_INV);
}

/* ---------------- host failures ---------------- */

static enum nvmx_status failing_lin_read(void *host, uint64_t la, void *buf, size_t len,
                                         struct nvmx_fault *f)
{
	(void)host; (void)la; (void)buf; (void)len; (void)f;
	return NVMX_STATUS_HOST_FAILURE;
}

static enum nvmx_status failing_gpa_read(void *host, uint64_t gpa, void *buf, size_t len)
{
	(void)host; (void)gpa; (void)buf; (void)len;
	return NVMX_STATUS_HOST_FAILURE;
}

static enum nvmx_status failing_msr_read(void *host, uint32_t msr, uint64_t *v)
{
	(void)host; (void)msr; (void)v;
	return NVMX_STATUS_HOST_FAILURE;
}

Test(host, lin_read_failure_is_returned_with_l1_unchanged)
{
	h.vm->ops.lin_read = failing_lin_read;
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA), NVMX_STATUS_HOST_FAILURE);
	cr_assert_eq(l1(NVMX_F_GUEST_RIP), RIP0);
	cr_assert_eq(l1(NVMX_F_GUEST_RFLAGS), FL0);
	cr_assert_not(nvmx_vcpu_in_vmx_operation(h.vcpu));
}

Test(host, gpa_read_failure_at_vmptrld_leaves_the_current_vmcs)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	h.vm->ops.gpa_read = failing_gpa_read;
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, VMCS_B), NVMX_STATUS_HOST_FAILURE);
	cr_assert_eq(nvmx_vcpu_current_vmptr(h.vcpu), VMCS_A);
	cr_assert_eq(l1(NVMX_F_GUEST_RIP), RIP0);
	cr_assert_eq(l1(NVMX_F_GUEST_RFLAGS), FL0);
}

Test(host, msr_read_failure_at_vmxon_is_returned)
{
	h.vm->ops.l1_msr_read = failing_msr_read;
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMXON, VMXON_PA), NVMX_STATUS_HOST_FAILURE);
	cr_assert_eq(l1(NVMX_F_GUEST_RIP), RIP0);
}

Test(host, an_unknown_exit_reason_is_a_bad_instruction)
{
	struct nvmx_insn_exit ex;
	memset(&ex, 0, sizeof(ex));
	ex.size = sizeof(ex);
	ex.exit_reason = NVMX_EXIT_REASON_CPUID;
	ex.flags = NVMX_INSN_INFO_VALID;
	ex.insn_len = 2;
	cr_assert_eq(nvmx_vcpu_emulate_vmx_insn(h.vcpu, &ex, &r), NVMX_STATUS_BAD_INSTRUCTION);
}

Test(host, null_arguments_are_refused)
{
	struct nvmx_insn_exit ex;
	memset(&ex, 0, sizeof(ex));
	ex.size = sizeof(ex);
	cr_assert_eq(nvmx_vcpu_emulate_vmx_insn(NULL, &ex, &r), NVMX_STATUS_INVALID_ARGUMENT);
	cr_assert_eq(nvmx_vcpu_emulate_vmx_insn(h.vcpu, NULL, &r), NVMX_STATUS_INVALID_ARGUMENT);
	cr_assert_eq(nvmx_vcpu_emulate_vmx_insn(h.vcpu, &ex, NULL), NVMX_STATUS_INVALID_ARGUMENT);
}

/* ---------------- more pairs, widths and host failures ---------------- */

Test(vmwrite, fails_invalid_on_an_unknown_field_without_current_vmcs)
{
	do_vmxon();
	cr_assert_eq(vmwrite_reg(0x2ffe, 1), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_NO_CURRENT_VMCS, LEN3);
}

Test(vmwrite, fails_valid_12_on_the_high_access_of_a_natural_width_field)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(vmwrite_reg(NVMX_F_GUEST_RIP | 1u, 1), NVMX_STATUS_OK);
	expect_valid(12, NVMX_REASON_INSN_VMFAIL_UNSUPPORTED_FIELD, LEN3);
}

Test(vmwrite, fails_valid_12_when_bits_63_32_are_set_in_64_bit_mode)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(vmwrite_reg((1ull << 63) | NVMX_F_GUEST_RIP, 1), NVMX_STATUS_OK);
	expect_valid(12, NVMX_REASON_INSN_VMFAIL_UNSUPPORTED_FIELD, LEN3);
}

Test(vmwrite, reads_4_bytes_from_memory_outside_64_bit_mode)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	l1_protected32();
	refhost_mem_w64(&h, OPND, 0x8877665544332211ull);
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMWRITE, .mem = true, .la = OPND,
	                           .reg2 = RDX, .addr_size = 4 };
	h.gpr[RDX] = NVMX_F_GUEST_RSP;
	rearm();
	cr_assert_eq(refhost_exec(&h, &in, &r), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	cr_assert_eq(h.vcpu->cur->f[NVMX_IDX_GUEST_RSP], 0x44332211ull);
}

Test(vmread, zero_extends_a_natural_width_field_into_a_32_bit_register)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_GUEST_RIP, 0xffffffff80001000ull);
	l1_protected32();
	h.gpr[RAX] = 0x1111111111111111ull;
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMREAD, .reg1 = RAX, .reg2 = RDX,
	                           .addr_size = 4 };
	h.gpr[RDX] = NVMX_F_GUEST_RIP;
	rearm();
	cr_assert_eq(refhost_exec(&h, &in, &r), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	cr_assert_eq(h.gpr[RAX], 0x80001000ull);
}

Test(vmread, reads_a_64_bit_field_in_full)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_VMCS_LINK_POINTER, ~0ull);
	cr_assert_eq(vmread_reg(NVMX_F_VMCS_LINK_POINTER, RAX), NVMX_STATUS_OK);
	cr_assert_eq(h.gpr[RAX], ~0ull);
}

Test(vmread, reads_the_vm_instruction_error_of_the_last_vmfail)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMCLEAR, VMXON_PA), NVMX_STATUS_OK);
	cr_assert_eq(vmread_reg(NVMX_F_VM_INSTRUCTION_ERROR, RAX), NVMX_STATUS_OK);
	expect_succeed(LEN3);
	cr_assert_eq(h.gpr[RAX], 3);
}

Test(vmread, takes_the_page_fault_of_its_destination_and_changes_nothing)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(vmread_mem(NVMX_F_GUEST_RIP, 16ull << 20), NVMX_STATUS_OK);
	expect_fault(14, NVMX_REASON_INSN_GUEST_FAULT);
	cr_assert_eq(r.fault.cr2, 16ull << 20);
}

Test(vmptrld, fails_invalid_9_on_memory_l0_does_not_back_without_current_vmcs)
{
	do_vmxon();
	refhost_range_add(&h, REFHOST_RANGE_UNMAP, 0x5000, 0x1000, 0, 0);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, 0x5000), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_VMPTRLD_NOT_BACKED, LEN3);
}

Test(vmptrld, fails_invalid_9_beyond_the_32_bit_width_of_basic_48)
{
	uint64_t basic;
	cr_assert_eq(nvmx_vm_get_cap(h.vm, NVMX_MSR_IA32_VMX_BASIC, &basic), NVMX_STATUS_OK);
	cr_assert_eq(nvmx_vm_set_cap(h.vm, NVMX_MSR_IA32_VMX_BASIC, basic | (1ull << 48)),
	             NVMX_STATUS_OK);
	do_vmxon();
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, 1ull << 32), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_VMPTRLD_ADDR, LEN3);
}

Test(invvpid, fails_invalid_28_on_vpid_0_without_current_vmcs)
{
	do_vmxon();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 1, 0, 0), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_INVVPID_VPID_ZERO, LEN_INV);
}

Test(invvpid, fails_invalid_28_on_a_non_canonical_address_without_current_vmcs)
{
	do_vmxon();
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, 0, 1, 0x8000000000000000ull), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_INVVPID_NONCANONICAL, LEN_INV);
}

Test(invvpid, fails_valid_28_on_a_type_with_bits_63_32_in_64_bit_mode)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_inv(NVMX_EXIT_REASON_INVVPID, (1ull << 32) | 2, 0, 0), NVMX_STATUS_OK);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVALID_INVVPID_TYPE, LEN_INV);
}

static enum nvmx_status failing_gpa_write(void *host, uint64_t gpa, const void *buf, size_t len)
{
	(void)host; (void)gpa; (void)buf; (void)len;
	return NVMX_STATUS_HOST_FAILURE;
}

static enum nvmx_status failing_lin_write(void *host, uint64_t la, const void *buf, size_t len,
                                          struct nvmx_fault *f)
{
	(void)host; (void)la; (void)buf; (void)len; (void)f;
	return NVMX_STATUS_HOST_FAILURE;
}

Test(host, write_back_failure_at_vmclear_leaves_the_vmcs_current_and_launched)
{
	make_launched(VMCS_A);
	do_vmxon();
	do_vmptrld(VMCS_A);
	h.vm->ops.gpa_write = failing_gpa_write;
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMCLEAR, VMCS_A), NVMX_STATUS_HOST_FAILURE);
	cr_assert_eq(nvmx_vcpu_current_vmptr(h.vcpu), VMCS_A);
	cr_assert(h.vcpu->cur->launched);
	cr_assert_eq(l1(NVMX_F_GUEST_RIP), RIP0);
	cr_assert_eq(l1(NVMX_F_GUEST_RFLAGS), FL0);
}

Test(host, write_back_failure_at_vmxoff_stays_in_vmx_operation)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_GUEST_RSP, 1);
	h.vm->ops.gpa_write = failing_gpa_write;
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMXOFF), NVMX_STATUS_HOST_FAILURE);
	cr_assert(nvmx_vcpu_in_vmx_operation(h.vcpu));
	cr_assert_eq(nvmx_vcpu_current_vmptr(h.vcpu), VMCS_A);
	cr_assert_eq(h.vcpu->cur->f[NVMX_IDX_GUEST_RSP], 1);
	cr_assert_eq(l1(NVMX_F_GUEST_RIP), RIP0);
}

Test(host, lin_write_failure_at_vmread_leaves_flags_and_rip)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	h.vm->ops.lin_write = failing_lin_write;
	cr_assert_eq(vmread_mem(NVMX_F_GUEST_RIP, OPND), NVMX_STATUS_HOST_FAILURE);
	cr_assert_eq(r.reason, NVMX_REASON_INSN_HOST_FAILURE);
	cr_assert_eq(l1(NVMX_F_GUEST_RIP), RIP0);
	cr_assert_eq(l1(NVMX_F_GUEST_RFLAGS), FL0);
}

Test(host, eviction_write_back_failure_at_vmptrld_keeps_the_current_vmcs)
{
	/* Fill all 8 default slots with dirty VMCS12s, then fail the eviction. */
	do_vmxon();
	for (unsigned i = 0; i < 8; i++) {
		refhost_mem_w32(&h, 0x10000 + 0x1000ull * i, REV);
		do_vmptrld(0x10000 + 0x1000ull * i);
		do_vmwrite(NVMX_F_GUEST_RSP, i);
	}
	refhost_mem_w32(&h, 0x20000, REV);
	h.vm->ops.gpa_write = failing_gpa_write;
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, 0x20000), NVMX_STATUS_HOST_FAILURE);
	cr_assert_eq(nvmx_vcpu_current_vmptr(h.vcpu), 0x17000);
	cr_assert_eq(h.vcpu->cur->f[NVMX_IDX_GUEST_RSP], 7);
	cr_assert_eq(l1(NVMX_F_GUEST_RIP), RIP0);
}

Test(host, not_in_l2)
{
	do_vmxon();
	h.vcpu->in_l2 = true;
	cr_assert_eq(exec_noop(NVMX_EXIT_REASON_VMXOFF), NVMX_STATUS_WRONG_STATE);
	h.vcpu->in_l2 = false;
}

static struct nvmx_trace last_ev;
static unsigned n_ev;

static void record(void *ctx, const struct nvmx_trace *ev)
{
	(void)ctx;
	if (ev->kind == NVMX_TRACE_INSN) {
		last_ev = *ev;
		n_ev++;
	}
}

Test(host, traces_each_instruction_with_its_reason)
{
	h.trace_hook = record;
	do_vmxon();
	cr_assert_eq(n_ev, 1);
	cr_assert_eq(last_ev.reason, NVMX_REASON_INSN_OK);
	cr_assert_eq(last_ev.a, NVMX_EXIT_REASON_VMXON);
	cr_assert_eq(last_ev.b, NVMX_OUTCOME_SUCCEED);
	cr_assert_eq(exec_ptr(NVMX_EXIT_REASON_VMPTRLD, VMXON_PA), NVMX_STATUS_OK);
	cr_assert_eq(n_ev, 2);
	cr_assert_eq(last_ev.reason, NVMX_REASON_INSN_VMFAIL_VMPTRLD_VMXON_PTR);
	cr_assert_eq(last_ev.b, NVMX_OUTCOME_VMFAIL_INVALID);
}
