/* SPDX-License-Identifier: MIT */
/*
 * Memory operands of the VMX instructions: the VM-exit instruction-
 * information formats (SDM 28.2.5), effective-address computation, 64-bit
 * canonical checks and protected-mode segment checks (SDM 3.4.5, 5.3, 5.5),
 * and the decode-from-bytes path giving the same results.
 */
#include "common.h"

TestSuite(operand, .init = setup_host, .fini = teardown_host);
TestSuite(segment, .init = setup_host, .fini = teardown_host);
TestSuite(decode_path, .init = setup_host, .fini = teardown_host);

#define SEG_ES 0u
#define SEG_CS 1u
#define SEG_SS 2u
#define SEG_DS 3u
#define SEG_FS 4u
#define SEG_GS 5u
#define NONE (-1)

/* Instruction information, typed from the SDM 28.2.5 tables. */
static uint32_t info(unsigned scale, unsigned asz, unsigned seg, int index, int base)
{
	uint32_t i = scale | asz << 7 | seg << 15;
	i |= index < 0 ? 1u << 22 : (uint32_t)index << 18;
	i |= base < 0 ? 1u << 27 : (uint32_t)base << 23;
	return i;
}

/* VMPTRST without a current VMCS stores all ones at the operand. */
static void vmptrst_at(uint32_t inf, uint64_t qual)
{
	cr_assert_eq(exec_raw(NVMX_EXIT_REASON_VMPTRST, inf, qual, 4), NVMX_STATUS_OK);
}

static void expect_stored_at(uint64_t gpa)
{
	expect_succeed(4);
	cr_assert_eq(refhost_mem_r64(&h, gpa), ~0ull, "nothing stored at %#llx",
	             (unsigned long long)gpa);
}

/* ---- effective address ---- */

Test(operand, adds_base_index_times_scale_and_displacement)
{
	do_vmxon();
	h.gpr[RSI] = 0x7000;
	h.gpr[RDI] = 0x100;
	vmptrst_at(info(3, 2, SEG_DS, RDI, RSI), (uint64_t)-0x10);
	expect_stored_at(0x7000 + 0x800 - 0x10);
}

Test(operand, uses_the_displacement_alone_without_base_and_index)
{
	do_vmxon();
	vmptrst_at(info(0, 2, SEG_DS, NONE, NONE), 0x9000);
	expect_stored_at(0x9000);
}

Test(operand, scales_the_index_by_2)
{
	do_vmxon();
	h.gpr[RAX] = 0x4800;
	vmptrst_at(info(1, 2, SEG_DS, RAX, NONE), 0);
	expect_stored_at(0x9000);
}

Test(operand, uses_r8_to_r15_as_base)
{
	do_vmxon();
	h.gpr[13] = 0xa000;
	vmptrst_at(info(0, 2, SEG_DS, NONE, 13), 8);
	expect_stored_at(0xa008);
}

Test(operand, truncates_to_a_32_bit_address_size_in_64_bit_mode)
{
	do_vmxon();
	h.gpr[RSI] = 0xffffffff00009000ull;
	vmptrst_at(info(0, 1, SEG_DS, NONE, RSI), 0);
	expect_stored_at(0x9000);
}

Test(operand, wraps_a_32_bit_address_around_4_gib)
{
	do_vmxon();
	h.gpr[RSI] = 0xfffffff0ull;
	vmptrst_at(info(0, 1, SEG_DS, NONE, RSI), 0x9010);
	expect_stored_at(0x9000);
}

Test(operand, adds_the_fs_base_in_64_bit_mode)
{
	do_vmxon();
	refhost_l1_set(&h, NVMX_F_GUEST_FS_BASE, 0x10000);
	h.gpr[RSI] = 0x100;
	vmptrst_at(info(0, 2, SEG_FS, NONE, RSI), 0);
	expect_stored_at(0x10100);
}

Test(operand, adds_the_gs_base_in_64_bit_mode)
{
	do_vmxon();
	refhost_l1_set(&h, NVMX_F_GUEST_GS_BASE, 0x20000);
	vmptrst_at(info(0, 2, SEG_GS, NONE, NONE), 0x40);
	expect_stored_at(0x20040);
}

Test(operand, ignores_the_ds_base_in_64_bit_mode)
{
	do_vmxon();
	refhost_l1_set(&h, NVMX_F_GUEST_DS_BASE, 0x10000);
	h.gpr[RSI] = 0x9100;
	vmptrst_at(info(0, 2, SEG_DS, NONE, RSI), 0);
	expect_stored_at(0x9100);
}

Test(operand, raises_gp_on_a_non_canonical_address)
{
	do_vmxon();
	h.gpr[RSI] = 0x0000800000000000ull;
	vmptrst_at(info(0, 2, SEG_DS, NONE, RSI), 0);
	expect_fault(13, NVMX_REASON_INSN_GP_SEGMENT);
}

Test(operand, raises_ss_on_a_non_canonical_stack_address)
{
	do_vmxon();
	refhost_l1_set(&h, NVMX_F_GUEST_RSP, 0xfff0000000000000ull);
	vmptrst_at(info(0, 2, SEG_SS, NONE, RSP), 0);
	expect_fault(12, NVMX_REASON_INSN_SS_SEGMENT);
}

/* One authority per L1 register: RSP is VMCS01's GUEST_RSP (l1_read and
 * l1_write), never l1_gpr_read/l1_gpr_write(4). */
Test(operand, rsp_as_a_base_is_read_from_guest_rsp)
{
	do_vmxon();
	h.gpr[RSP] = 0xdead0000ull; /* what l1_gpr_read(4) would say: not used */
	refhost_l1_set(&h, NVMX_F_GUEST_RSP, 0x9000);
	vmptrst_at(info(0, 2, SEG_SS, NONE, RSP), 0x10);
	expect_stored_at(0x9010);
	cr_assert_eq(h.gpr_rsp_calls, 0);
}

Test(operand, vmread_into_rsp_writes_guest_rsp)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_GUEST_RIP, 0x4321);
	h.gpr[RSP] = 0x1111;
	cr_assert_eq(vmread_reg(NVMX_F_GUEST_RIP, RSP), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED);
	cr_assert_eq(l1(NVMX_F_GUEST_RSP), 0x4321);
	cr_assert_eq(h.gpr[RSP], 0x1111, "the GPR callback did not see RSP");
	cr_assert_eq(h.gpr_rsp_calls, 0);
}

Test(operand, raises_gp_when_the_operand_crosses_out_of_canonical_space)
{
	do_vmxon();
	h.gpr[RSI] = 0x00007ffffffffffcull;
	vmptrst_at(info(0, 2, SEG_DS, NONE, RSI), 0);
	expect_fault(13, NVMX_REASON_INSN_GP_SEGMENT);
}

Test(operand, raises_gp_when_the_gs_base_makes_it_non_canonical)
{
	do_vmxon();
	refhost_l1_set(&h, NVMX_F_GUEST_GS_BASE, 0x0000800000000000ull);
	vmptrst_at(info(0, 2, SEG_GS, NONE, NONE), 0);
	expect_fault(13, NVMX_REASON_INSN_GP_SEGMENT);
}

Test(operand, accepts_a_canonical_high_address)
{
	do_vmxon();
	h.gpr[RSI] = 0xffff800000000000ull;
	vmptrst_at(info(0, 2, SEG_DS, NONE, RSI), 0);
	/* Canonical, so the access reaches the host, which has no such page. */
	expect_fault(14, NVMX_REASON_INSN_GUEST_FAULT);
	cr_assert_eq(r.fault.cr2, 0xffff800000000000ull);
}

Test(operand, refuses_a_reserved_address_size_code)
{
	do_vmxon();
	cr_assert_eq(exec_raw(NVMX_EXIT_REASON_VMPTRST, info(0, 3, SEG_DS, NONE, NONE), 0, 4),
	             NVMX_STATUS_BAD_INSTRUCTION);
	cr_assert_eq(l1(NVMX_F_GUEST_RIP), RIP0);
}

Test(operand, refuses_a_reserved_segment_code)
{
	do_vmxon();
	cr_assert_eq(exec_raw(NVMX_EXIT_REASON_VMPTRST, info(0, 2, 6, NONE, NONE), 0, 4),
	             NVMX_STATUS_BAD_INSTRUCTION);
}

Test(operand, refuses_16_bit_addressing_in_64_bit_mode)
{
	do_vmxon();
	cr_assert_eq(exec_raw(NVMX_EXIT_REASON_VMPTRST, info(0, 0, SEG_DS, NONE, NONE), 0, 4),
	             NVMX_STATUS_BAD_INSTRUCTION);
}

Test(operand, refuses_a_zero_instruction_length)
{
	do_vmxon();
	cr_assert_eq(exec_raw(NVMX_EXIT_REASON_VMPTRST, info(0, 2, SEG_DS, NONE, NONE), 0, 0),
	             NVMX_STATUS_BAD_INSTRUCTION);
}

/* ---- protected mode segmentation ---- */

static void seg_set(unsigned seg, uint64_t base, uint32_t limit, uint32_t ar)
{
	refhost_l1_set(&h, NVMX_F_GUEST_ES_BASE + 2 * seg, base);
	refhost_l1_set(&h, NVMX_F_GUEST_ES_LIMIT + 2 * seg, limit);
	refhost_l1_set(&h, NVMX_F_GUEST_ES_AR_BYTES + 2 * seg, ar);
}

#define AR_DATA_RW (0x3u | NVMX_AR_S | NVMX_AR_P | NVMX_AR_DB | NVMX_AR_G)
#define AR_DATA_RO (0x1u | NVMX_AR_S | NVMX_AR_P | NVMX_AR_DB | NVMX_AR_G)
#define AR_DATA_DOWN (0x7u | NVMX_AR_S | NVMX_AR_P | NVMX_AR_DB)
#define AR_DATA_DOWN16 (0x7u | NVMX_AR_S | NVMX_AR_P)
#define AR_CODE_XO (0x9u | NVMX_AR_S | NVMX_AR_P | NVMX_AR_DB | NVMX_AR_G)
#define AR_CODE_XR (0xbu | NVMX_AR_S | NVMX_AR_P | NVMX_AR_DB | NVMX_AR_G)

static void pm_setup(void)
{
	do_vmxon();
	l1_protected32();
}

Test(segment, adds_the_ds_base_in_protected_mode)
{
	pm_setup();
	seg_set(SEG_DS, 0x4000, 0xffffffff, AR_DATA_RW);
	h.gpr[RSI] = 0x100;
	vmptrst_at(info(0, 1, SEG_DS, NONE, RSI), 0);
	expect_stored_at(0x4100);
}

Test(segment, wraps_the_linear_address_at_4_gib)
{
	pm_setup();
	seg_set(SEG_DS, 0xfffff000, 0xffffffff, AR_DATA_RW);
	h.gpr[RSI] = 0xa000;
	vmptrst_at(info(0, 1, SEG_DS, NONE, RSI), 0);
	expect_stored_at(0x9000);
}

Test(segment, truncates_a_16_bit_address)
{
	pm_setup();
	h.gpr[RSI] = 0x12345;
	vmptrst_at(info(0, 0, SEG_DS, NONE, RSI), 0x10000);
	expect_stored_at(0x2345);
}

Test(segment, refuses_64_bit_addressing_outside_64_bit_mode)
{
	pm_setup();
	cr_assert_eq(exec_raw(NVMX_EXIT_REASON_VMPTRST, info(0, 2, SEG_DS, NONE, NONE), 0, 4),
	             NVMX_STATUS_BAD_INSTRUCTION);
}

Test(segment, raises_gp_beyond_the_ds_limit)
{
	pm_setup();
	seg_set(SEG_DS, 0, 0x7fff, AR_DATA_RW);
	vmptrst_at(info(0, 1, SEG_DS, NONE, NONE), 0x7ffc);
	expect_fault(13, NVMX_REASON_INSN_GP_SEGMENT);
}

Test(segment, accepts_an_operand_ending_at_the_limit)
{
	pm_setup();
	seg_set(SEG_DS, 0, 0x7fff, AR_DATA_RW);
	vmptrst_at(info(0, 1, SEG_DS, NONE, NONE), 0x7ff8);
	expect_stored_at(0x7ff8);
}

Test(segment, raises_ss_beyond_the_ss_limit)
{
	pm_setup();
	seg_set(SEG_SS, 0, 0x7fff, AR_DATA_RW);
	vmptrst_at(info(0, 1, SEG_SS, NONE, NONE), 0x8000);
	expect_fault(12, NVMX_REASON_INSN_SS_SEGMENT);
}

Test(segment, raises_gp_below_an_expand_down_limit)
{
	pm_setup();
	seg_set(SEG_ES, 0, 0x0fff, AR_DATA_DOWN);
	vmptrst_at(info(0, 1, SEG_ES, NONE, NONE), 0x0800);
	expect_fault(13, NVMX_REASON_INSN_GP_SEGMENT);
}

Test(segment, accepts_above_an_expand_down_limit)
{
	pm_setup();
	seg_set(SEG_ES, 0, 0x0fff, AR_DATA_DOWN);
	vmptrst_at(info(0, 1, SEG_ES, NONE, NONE), 0x9000);
	expect_stored_at(0x9000);
}

Test(segment, raises_gp_past_64k_in_a_16_bit_expand_down_segment)
{
	pm_setup();
	seg_set(SEG_ES, 0, 0x0fff, AR_DATA_DOWN16);
	vmptrst_at(info(0, 1, SEG_ES, NONE, NONE), 0xfffc);
	expect_fault(13, NVMX_REASON_INSN_GP_SEGMENT);
}

Test(segment, raises_gp_on_an_unusable_segment)
{
	pm_setup();
	seg_set(SEG_FS, 0, 0xffffffff, AR_DATA_RW | NVMX_AR_UNUSABLE);
	vmptrst_at(info(0, 1, SEG_FS, NONE, NONE), 0x9000);
	expect_fault(13, NVMX_REASON_INSN_GP_SEGMENT);
}

Test(segment, raises_ss_on_an_unusable_stack_segment)
{
	pm_setup();
	seg_set(SEG_SS, 0, 0xffffffff, AR_DATA_RW | NVMX_AR_UNUSABLE);
	vmptrst_at(info(0, 1, SEG_SS, NONE, NONE), 0x9000);
	expect_fault(12, NVMX_REASON_INSN_SS_SEGMENT);
}

Test(segment, raises_gp_on_a_write_to_a_code_segment)
{
	pm_setup();
	vmptrst_at(info(0, 1, SEG_CS, NONE, NONE), 0x9000);
	expect_fault(13, NVMX_REASON_INSN_GP_SEGMENT);
}

Test(segment, raises_gp_on_a_write_to_a_read_only_data_segment)
{
	pm_setup();
	seg_set(SEG_ES, 0, 0xffffffff, AR_DATA_RO);
	vmptrst_at(info(0, 1, SEG_ES, NONE, NONE), 0x9000);
	expect_fault(13, NVMX_REASON_INSN_GP_SEGMENT);
}

Test(segment, reads_from_a_read_only_data_segment)
{
	pm_setup();
	seg_set(SEG_ES, 0, 0xffffffff, AR_DATA_RO);
	refhost_mem_w64(&h, 0x9000, VMCS_A);
	cr_assert_eq(exec_raw(NVMX_EXIT_REASON_VMPTRLD, info(0, 1, SEG_ES, NONE, NONE), 0x9000, 3),
	             NVMX_STATUS_OK);
	expect_succeed(3);
	cr_assert_eq(nvmx_vcpu_current_vmptr(h.vcpu), VMCS_A);
}

Test(segment, raises_gp_on_a_read_from_an_execute_only_code_segment)
{
	pm_setup();
	seg_set(SEG_CS, 0, 0xffffffff, AR_CODE_XO);
	refhost_mem_w64(&h, 0x9000, VMCS_A);
	cr_assert_eq(exec_raw(NVMX_EXIT_REASON_VMPTRLD, info(0, 1, SEG_CS, NONE, NONE), 0x9000, 3),
	             NVMX_STATUS_OK);
	expect_fault(13, NVMX_REASON_INSN_GP_SEGMENT);
}

Test(segment, reads_from_a_readable_code_segment)
{
	pm_setup();
	seg_set(SEG_CS, 0, 0xffffffff, AR_CODE_XR);
	refhost_mem_w64(&h, 0x9000, VMCS_A);
	cr_assert_eq(exec_raw(NVMX_EXIT_REASON_VMPTRLD, info(0, 1, SEG_CS, NONE, NONE), 0x9000, 3),
	             NVMX_STATUS_OK);
	expect_succeed(3);
}

Test(segment, ignores_segment_limits_in_64_bit_mode)
{
	do_vmxon();
	seg_set(SEG_DS, 0, 0xff, AR_DATA_RO | NVMX_AR_UNUSABLE);
	vmptrst_at(info(0, 2, SEG_DS, NONE, NONE), 0x9000);
	expect_stored_at(0x9000);
}

Test(segment, wraps_rip_at_4_gib_outside_64_bit_mode)
{
	pm_setup();
	struct nvmx_insn_exit ex;
	memset(&ex, 0, sizeof(ex));
	ex.size = sizeof(ex);
	ex.exit_reason = NVMX_EXIT_REASON_VMPTRST;
	ex.insn_info = info(0, 1, SEG_DS, NONE, NONE);
	ex.qualification = 0x9000;
	ex.insn_len = 4;
	ex.flags = NVMX_INSN_INFO_VALID;
	refhost_l1_set(&h, NVMX_F_GUEST_RIP, 0xfffffffeull);
	cr_assert_eq(nvmx_vcpu_emulate_vmx_insn(h.vcpu, &ex, &r), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED);
	cr_assert_eq(l1(NVMX_F_GUEST_RIP), 2);
}

/* ---- decoding the instruction bytes (no instruction information) ---- */

Test(decode_path, vmxon_from_bytes_matches_the_info_path)
{
	static const uint8_t b[] = { 0xf3, 0x0f, 0xc7, 0x33 }; /* vmxon [rbx] */
	refhost_mem_w64(&h, OPND, VMXON_PA);
	h.gpr[RBX] = OPND;
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_VMXON, b, sizeof(b), 4), NVMX_STATUS_OK);
	expect_succeed(4);
	cr_assert(nvmx_vcpu_in_vmx_operation(h.vcpu));
}

Test(decode_path, vmptrld_from_bytes_matches_the_info_path)
{
	static const uint8_t b[] = { 0x0f, 0xc7, 0x33 }; /* vmptrld [rbx] */
	do_vmxon();
	refhost_mem_w64(&h, OPND, VMCS_B);
	h.gpr[RBX] = OPND;
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_VMPTRLD, b, sizeof(b), 3), NVMX_STATUS_OK);
	expect_succeed(3);
	cr_assert_eq(nvmx_vcpu_current_vmptr(h.vcpu), VMCS_B);
}

Test(decode_path, vmclear_with_sib_and_displacement_reaches_the_same_address)
{
	/* vmclear [rsi + rdi*8 - 0x10] */
	static const uint8_t b[] = { 0x66, 0x0f, 0xc7, 0x74, 0xfe, 0xf0 };
	do_vmxon();
	do_vmptrld(VMCS_A);
	h.gpr[RSI] = 0x7000;
	h.gpr[RDI] = 0x100;
	refhost_mem_w64(&h, 0x77f0, VMCS_A);
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_VMCLEAR, b, sizeof(b), 6), NVMX_STATUS_OK);
	expect_succeed(6);
	cr_assert_eq(nvmx_vcpu_current_vmptr(h.vcpu), ~0ull);
	/* The info path with the same operand gives the same result. */
	do_vmptrld(VMCS_A);
	cr_assert_eq(exec_raw(NVMX_EXIT_REASON_VMCLEAR, info(3, 2, SEG_DS, RDI, RSI), (uint64_t)-0x10, 6),
	             NVMX_STATUS_OK);
	expect_succeed(6);
	cr_assert_eq(nvmx_vcpu_current_vmptr(h.vcpu), ~0ull);
}

Test(decode_path, vmptrst_rip_relative_uses_the_next_rip)
{
	static const uint8_t b[] = { 0x0f, 0xc7, 0x3d, 0x00, 0x01, 0x00, 0x00 }; /* vmptrst [rip+0x100] */
	do_vmxon();
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_VMPTRST, b, sizeof(b), 7), NVMX_STATUS_OK);
	expect_succeed(7);
	cr_assert_eq(refhost_mem_r64(&h, RIP0 + 7 + 0x100), ~0ull);
}

Test(decode_path, vmptrst_with_fs_override_adds_the_fs_base)
{
	static const uint8_t b[] = { 0x64, 0x0f, 0xc7, 0x3b }; /* vmptrst fs:[rbx] */
	do_vmxon();
	refhost_l1_set(&h, NVMX_F_GUEST_FS_BASE, 0x30000);
	h.gpr[RBX] = 0x8;
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_VMPTRST, b, sizeof(b), 4), NVMX_STATUS_OK);
	expect_succeed(4);
	cr_assert_eq(refhost_mem_r64(&h, 0x30008), ~0ull);
}

Test(decode_path, vmread_register_form)
{
	static const uint8_t b[] = { 0x0f, 0x78, 0xd0 }; /* vmread rax, rdx */
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_GUEST_RSP, 0x4242);
	h.gpr[RDX] = NVMX_F_GUEST_RSP;
	h.gpr[RAX] = 0;
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_VMREAD, b, sizeof(b), 3), NVMX_STATUS_OK);
	expect_succeed(3);
	cr_assert_eq(h.gpr[RAX], 0x4242);
}

Test(decode_path, vmwrite_register_form)
{
	static const uint8_t b[] = { 0x0f, 0x79, 0xd1 }; /* vmwrite rdx, rcx */
	do_vmxon();
	do_vmptrld(VMCS_A);
	h.gpr[RDX] = NVMX_F_GUEST_RSP;
	h.gpr[RCX] = 0x1234;
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_VMWRITE, b, sizeof(b), 3), NVMX_STATUS_OK);
	expect_succeed(3);
	cr_assert_eq(h.vcpu->cur->f[NVMX_IDX_GUEST_RSP], 0x1234);
}

Test(decode_path, vmwrite_memory_form)
{
	static const uint8_t b[] = { 0x0f, 0x79, 0x13 }; /* vmwrite rdx, [rbx] */
	do_vmxon();
	do_vmptrld(VMCS_A);
	h.gpr[RDX] = NVMX_F_GUEST_RSP;
	h.gpr[RBX] = OPND;
	refhost_mem_w64(&h, OPND, 0x5555aaaa5555aaaaull);
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_VMWRITE, b, sizeof(b), 3), NVMX_STATUS_OK);
	expect_succeed(3);
	cr_assert_eq(h.vcpu->cur->f[NVMX_IDX_GUEST_RSP], 0x5555aaaa5555aaaaull);
}

Test(decode_path, invept_from_bytes)
{
	static const uint8_t b[] = { 0x66, 0x0f, 0x38, 0x80, 0x0b }; /* invept rcx, [rbx] */
	do_vmxon();
	do_vmptrld(VMCS_A);
	h.gpr[RCX] = 3;
	h.gpr[RBX] = OPND;
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_INVEPT, b, sizeof(b), 5), NVMX_STATUS_OK);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVALID_INVEPT_TYPE, 5);
}

Test(decode_path, invvpid_from_bytes)
{
	static const uint8_t b[] = { 0x66, 0x0f, 0x38, 0x81, 0x0b }; /* invvpid rcx, [rbx] */
	do_vmxon();
	do_vmptrld(VMCS_A);
	h.gpr[RCX] = 1;
	h.gpr[RBX] = OPND;
	refhost_mem_w64(&h, OPND, 0);
	refhost_mem_w64(&h, OPND + 8, 0);
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_INVVPID, b, sizeof(b), 5), NVMX_STATUS_OK);
	expect_valid(28, NVMX_REASON_INSN_VMFAIL_INVVPID_VPID_ZERO, 5);
}

Test(decode_path, vmptrld_in_32_bit_protected_mode)
{
	static const uint8_t b[] = { 0x0f, 0xc7, 0x33 }; /* vmptrld [ebx] */
	do_vmxon();
	l1_protected32();
	refhost_l1_set(&h, NVMX_F_GUEST_DS_BASE, 0x1000);
	refhost_mem_w64(&h, 0x1000 + 0x7000, VMCS_A);
	h.gpr[RBX] = 0xffffffff00007000ull; /* only EBX counts */
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_VMPTRLD, b, sizeof(b), 3), NVMX_STATUS_OK);
	expect_succeed(3);
	cr_assert_eq(nvmx_vcpu_current_vmptr(h.vcpu), VMCS_A);
}

Test(decode_path, vmptrld_in_16_bit_protected_mode)
{
	static const uint8_t b[] = { 0x0f, 0xc7, 0x37 }; /* vmptrld [bx] */
	do_vmxon();
	l1_protected32();
	refhost_l1_set(&h, NVMX_F_GUEST_CS_AR_BYTES, 0xb | NVMX_AR_S | NVMX_AR_P);
	refhost_mem_w64(&h, 0x7000, VMCS_B);
	h.gpr[RBX] = 0x10007000ull; /* only BX counts */
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_VMPTRLD, b, sizeof(b), 3), NVMX_STATUS_OK);
	expect_succeed(3);
	cr_assert_eq(nvmx_vcpu_current_vmptr(h.vcpu), VMCS_B);
}

Test(decode_path, vmlaunch_from_bytes_matches_the_info_path)
{
	static const uint8_t b[] = { 0x0f, 0x01, 0xc2 };
	do_vmxon();
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_VMLAUNCH, b, sizeof(b), 3), NVMX_STATUS_OK);
	expect_invalid(NVMX_REASON_INSN_VMFAIL_NO_CURRENT_VMCS, 3);
}

Test(decode_path, takes_the_length_from_the_bytes_when_the_host_gives_none)
{
	static const uint8_t b[] = { 0x0f, 0xc7, 0x3d, 0x00, 0x01, 0x00, 0x00 };
	do_vmxon();
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_VMPTRST, b, sizeof(b), 0), NVMX_STATUS_OK);
	expect_succeed(7);
}

Test(decode_path, refuses_bytes_of_another_instruction)
{
	static const uint8_t b[] = { 0x66, 0x0f, 0xc7, 0x33 }; /* vmclear, exit says vmptrld */
	do_vmxon();
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_VMPTRLD, b, sizeof(b), 4), NVMX_STATUS_BAD_INSTRUCTION);
	cr_assert_eq(l1(NVMX_F_GUEST_RIP), RIP0);
}

Test(decode_path, refuses_undecodable_bytes)
{
	static const uint8_t b[] = { 0x0f, 0xff };
	do_vmxon();
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_VMPTRLD, b, sizeof(b), 2), NVMX_STATUS_BAD_INSTRUCTION);
}

Test(decode_path, refuses_a_register_form_as_the_wrong_instruction)
{
	/* 0F C7 /6 with a register operand is RDRAND, not VMPTRLD. */
	static const uint8_t b[] = { 0x0f, 0xc7, 0xf0 };
	do_vmxon();
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_VMPTRLD, b, sizeof(b), 3), NVMX_STATUS_BAD_INSTRUCTION);
}

Test(decode_path, raises_ud_on_invept_with_a_register_operand)
{
	static const uint8_t b[] = { 0x66, 0x0f, 0x38, 0x80, 0xc8 }; /* invept rcx, rax */
	do_vmxon();
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_INVEPT, b, sizeof(b), 5), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_BAD_ENCODING);
}

Test(decode_path, raises_ud_on_invvpid_with_a_rex_register_operand)
{
	static const uint8_t b[] = { 0x66, 0x41, 0x0f, 0x38, 0x81, 0xc0 }; /* invvpid rax, r8 */
	do_vmxon();
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_INVVPID, b, sizeof(b), 6), NVMX_STATUS_OK);
	expect_fault(6, NVMX_REASON_INSN_UD_BAD_ENCODING);
}

Test(decode_path, refuses_undecodable_invept_bytes_that_are_not_the_register_form)
{
	static const uint8_t b[] = { 0x66, 0x0f, 0x38 };
	do_vmxon();
	cr_assert_eq(exec_bytes(NVMX_EXIT_REASON_INVEPT, b, sizeof(b), 3), NVMX_STATUS_BAD_INSTRUCTION);
}

/* SDM Table 28-13: for a register-form VMREAD/VMWRITE (bit 10 set), the
 * address-size (9:7) and segment (17:15) bits are undefined; whatever they
 * hold, the instruction is not refused (found by fuzz_decode). */
Test(operand, register_vmread_ignores_the_undefined_address_size_and_segment_bits)
{
	do_vmxon();
	do_vmptrld(VMCS_A);
	do_vmwrite(NVMX_F_GUEST_RIP, 0x4321);
	h.gpr[RDX] = NVMX_F_GUEST_RIP;
	/* reg1 = RBX (destination), reg2 = RDX (field), address size 0 (16-bit,
	 * impossible in 64-bit mode), segment 7 (no such segment). */
	uint32_t inf = 1u << 10 | RBX << 3 | 0u << 7 | 7u << 15 | RDX << 28;
	cr_assert_eq(exec_raw(NVMX_EXIT_REASON_VMREAD, inf, 0, 3), NVMX_STATUS_OK);
	expect_succeed(3);
	cr_expect_eq(h.gpr[RBX], 0x4321);
}
