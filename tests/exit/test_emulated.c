/* SPDX-License-Identifier: MIT */
/* Exit information for instructions L0 emulated for L2 (SDM 28.2.1,
 * 28.2.5): built from the instruction bytes with nvmx_decode. Expected
 * values are assembled by hand from the SDM tables. */
#include <criterion/criterion.h>
#include <string.h>
#include "fixture.h"

static struct nvmx_result emulate(struct fx *f, uint32_t reason, const uint8_t *b, unsigned n,
                                  uint64_t operand)
{
	refhost_vmcs02_set(&f->h, NVMX_F_GUEST_CS_AR_BYTES, 0xa09b); /* 64-bit L2 */
	struct nvmx_l2_exit e = fx_exit(reason);
	e.flags = NVMX_L2_EXIT_EMULATED;
	memcpy(e.bytes, b, n);
	e.nbytes = (uint8_t)n;
	e.operand = operand;
	struct nvmx_result res;
	cr_assert_eq(nvmx_vcpu_handle_exit(f->v, &e, &res), NVMX_STATUS_OK);
	return res;
}

Test(emulated, vmptrld_memory_operand_info_and_displacement)
{
	struct fx f;
	fx_init(&f);
	static const uint8_t b[] = { 0x0f, 0xc7, 0x70, 0x08 }; /* vmptrld [rax+8] */
	struct nvmx_result res = emulate(&f, NVMX_EXIT_REASON_VMPTRLD, b, sizeof(b), 0);
	cr_assert_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1, "%s", nvmx_reason_name(res.reason));
	cr_expect_eq(S12(&f, VM_EXIT_INSTRUCTION_LEN), 4);
	/* scale 0, address size 64 (2 << 7), DS (3 << 15), no index (bit 22), base RAX */
	cr_expect_eq(S12(&f, VMX_INSTRUCTION_INFO), 0x418100, "got %#lx", (unsigned long)S12(&f, VMX_INSTRUCTION_INFO));
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 8);
	fx_fini(&f);
}

Test(emulated, rdrand_register_and_operand_size)
{
	struct fx f;
	fx_init(&f);
	S12(&f, CPU_BASED_VM_EXEC_CONTROL) = NVMX_PROC_SECONDARY_CONTROLS;
	S12(&f, SECONDARY_VM_EXEC_CONTROL) = NVMX_PROC2_RDRAND_EXITING;
	static const uint8_t b[] = { 0x0f, 0xc7, 0xf3 }; /* rdrand ebx */
	struct nvmx_result res = emulate(&f, NVMX_EXIT_REASON_RDRAND, b, sizeof(b), 0);
	cr_assert_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(S12(&f, VM_EXIT_INSTRUCTION_LEN), 3);
	cr_expect_eq(S12(&f, VMX_INSTRUCTION_INFO), 3u << 3 | 1u << 11, "got %#lx", (unsigned long)S12(&f, VMX_INSTRUCTION_INFO));
	fx_fini(&f);
}

Test(emulated, sgdt_descriptor_table_info)
{
	struct fx f;
	fx_init(&f);
	S12(&f, CPU_BASED_VM_EXEC_CONTROL) = NVMX_PROC_SECONDARY_CONTROLS;
	S12(&f, SECONDARY_VM_EXEC_CONTROL) = NVMX_PROC2_DESC_TABLE_EXITING;
	static const uint8_t b[] = { 0x0f, 0x01, 0x0b }; /* sidt [rbx] */
	struct nvmx_result res = emulate(&f, NVMX_EXIT_REASON_GDTR_IDTR, b, sizeof(b), 0);
	cr_assert_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(S12(&f, VM_EXIT_INSTRUCTION_LEN), 3);
	/* identity SIDT (1 << 28), base RBX (3 << 23), no index, DS, 64-bit
	 * addresses; bit 11 (operand size) is not defined in 64-bit mode. */
	cr_expect_eq(S12(&f, VMX_INSTRUCTION_INFO) & ~0x800ull, 0x11c18100ull,
	             "got %#lx", (unsigned long)S12(&f, VMX_INSTRUCTION_INFO));
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0);
	fx_fini(&f);
}

Test(emulated, out_dx_qualification_from_operand)
{
	struct fx f;
	fx_init(&f);
	S12(&f, CPU_BASED_VM_EXEC_CONTROL) = NVMX_PROC_UNCOND_IO_EXITING;
	static const uint8_t b[] = { 0xee }; /* out dx, al */
	struct nvmx_result res = emulate(&f, NVMX_EXIT_REASON_IO_INSTRUCTION, b, sizeof(b), 0x3f8);
	cr_assert_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(S12(&f, VM_EXIT_INSTRUCTION_LEN), 1);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0x3f80000ull);
	fx_fini(&f);
}

Test(emulated, in_imm8_qualification)
{
	struct fx f;
	fx_init(&f);
	S12(&f, CPU_BASED_VM_EXEC_CONTROL) = NVMX_PROC_UNCOND_IO_EXITING;
	static const uint8_t b[] = { 0xe5, 0x60 }; /* in eax, 0x60 */
	struct nvmx_result res = emulate(&f, NVMX_EXIT_REASON_IO_INSTRUCTION, b, sizeof(b), 0);
	cr_assert_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(S12(&f, VM_EXIT_INSTRUCTION_LEN), 2);
	/* size 4 (3), IN (bit 3), immediate (bit 6), port 0x60 */
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0x60004bull, "got %#lx", (unsigned long)S12(&f, EXIT_QUALIFICATION));
	fx_fini(&f);
}

Test(emulated, bytes_that_do_not_decode_stay_with_l0)
{
	struct fx f;
	fx_init(&f);
	static const uint8_t b[] = { 0xff, 0xff };
	struct nvmx_result res = emulate(&f, NVMX_EXIT_REASON_CPUID, b, sizeof(b), 0);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_L0_EXIT);
	cr_expect_eq(res.reason, NVMX_REASON_EXIT_DECODE_FAILED);
	cr_expect(f.v->in_l2);
	fx_fini(&f);
}

Test(emulated, cpuid_gets_length_only)
{
	struct fx f;
	fx_init(&f);
	static const uint8_t b[] = { 0x0f, 0xa2 };
	struct nvmx_result res = emulate(&f, NVMX_EXIT_REASON_CPUID, b, sizeof(b), 0);
	cr_assert_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(S12(&f, VM_EXIT_INSTRUCTION_LEN), 2);
	cr_expect_eq(S12(&f, VMX_INSTRUCTION_INFO), 0);
	fx_fini(&f);
}
