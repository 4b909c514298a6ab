/* SPDX-License-Identifier: MIT */
/* The reference host's hardware model of L2 events, end to end. */
#include <criterion/criterion.h>
#include <string.h>
#include "fixture.h"
#include "l2model.h"

static enum l2model_outcome run(struct fx *f, struct l2model_event ev, struct nvmx_result *res)
{
	enum l2model_outcome out;
	cr_assert_eq(l2model_run(&f->h, &ev, res, &out), NVMX_STATUS_OK);
	return out;
}

Test(l2model, cpuid_always_reaches_l1)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_result res;
	cr_expect_eq(run(&f, (struct l2model_event){ .kind = L2EV_CPUID }, &res), L2M_EXIT_TO_L1);
	cr_expect_eq(res.exit_reason, 10);
	cr_expect_eq(S12(&f, VM_EXIT_INSTRUCTION_LEN), 2);
	fx_fini(&f);
}

Test(l2model, hlt_l0_intercepts_but_l1_does_not)
{
	struct fx f;
	fx_init(&f);
	refhost_vmcs02_set(&f.h, NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_HLT_EXITING);
	struct nvmx_result res;
	cr_expect_eq(run(&f, (struct l2model_event){ .kind = L2EV_HLT }, &res), L2M_L0_HANDLED);
	cr_expect_eq(refhost_vmcs02_get(&f.h, NVMX_F_GUEST_RIP), 0x2001);
	fx_fini(&f);
}

Test(l2model, rdtsc_without_vmcs02_exiting_is_no_exit)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_result res;
	cr_expect_eq(run(&f, (struct l2model_event){ .kind = L2EV_RDTSC }, &res), L2M_NO_EXIT);
	fx_fini(&f);
}

Test(l2model, rdmsr_without_vmcs02_bitmaps_follows_l1_bitmap)
{
	struct fx f;
	fx_init(&f);
	S12(&f, CPU_BASED_VM_EXEC_CONTROL) = NVMX_PROC_USE_MSR_BITMAPS;
	fx_set_bit(&f, FX_MSR_BITMAP, 0x10);
	struct nvmx_result res;
	/* IA32_TSC_ADJUST (3BH): an MSR the model has, so L0's RDMSR completes. */
	cr_expect_eq(run(&f, (struct l2model_event){ .kind = L2EV_RDMSR, .msr = 0x3b }, &res), L2M_L0_HANDLED);
	cr_expect_eq(run(&f, (struct l2model_event){ .kind = L2EV_RDMSR, .msr = 0x10 }, &res), L2M_EXIT_TO_L1);
	cr_expect_eq(res.exit_reason, 31);
	fx_fini(&f);
}

Test(l2model, io_through_merged_bitmap_in_l1_memory)
{
	struct fx f;
	fx_init(&f);
	refhost_vmcs02_set(&f.h, NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_USE_IO_BITMAPS);
	refhost_vmcs02_set(&f.h, NVMX_F_IO_BITMAP_A, REFHOST_HPA_BASE + FX_IO_A);
	refhost_vmcs02_set(&f.h, NVMX_F_IO_BITMAP_B, REFHOST_HPA_BASE + FX_IO_B);
	S12(&f, CPU_BASED_VM_EXEC_CONTROL) = NVMX_PROC_USE_IO_BITMAPS;
	fx_set_bit(&f, FX_IO_A, 0x70);
	struct nvmx_result res;
	cr_expect_eq(run(&f, (struct l2model_event){ .kind = L2EV_IO, .port = 0x71, .size = 1 }, &res), L2M_NO_EXIT);
	cr_expect_eq(run(&f, (struct l2model_event){ .kind = L2EV_IO, .port = 0x70, .size = 1, .in = true }, &res),
	             L2M_EXIT_TO_L1);
	cr_expect_eq(res.exit_qualification, 0x700008);
	fx_fini(&f);
}

Test(l2model, page_fault_with_error_code_rule)
{
	struct fx f;
	fx_init(&f);
	refhost_vmcs02_set(&f.h, NVMX_F_EXCEPTION_BITMAP, 1u << 14);
	S12(&f, EXCEPTION_BITMAP) = 1u << 14;
	struct nvmx_result res;
	cr_expect_eq(run(&f, (struct l2model_event){ .kind = L2EV_EXCEPTION, .vector = 14,
	                                              .has_error_code = true, .error_code = 2 }, &res),
	             L2M_EXIT_TO_L1);
	cr_expect_eq(S12(&f, VM_EXIT_INTR_INFO), 0x80000b0eu);
	cr_expect_eq(S12(&f, VM_EXIT_INTR_ERROR_CODE), 2);
	fx_fini(&f);
}

Test(l2model, cr0_write_without_exit_updates_vmcs02)
{
	struct fx f;
	fx_init(&f);
	refhost_vmcs02_set(&f.h, NVMX_F_CR0_GUEST_HOST_MASK, 0x20);
	refhost_vmcs02_set(&f.h, NVMX_F_CR0_READ_SHADOW, 0x20);
	struct nvmx_result res;
	cr_expect_eq(run(&f, (struct l2model_event){ .kind = L2EV_CR_WRITE, .cr = 0, .value = 0x80000023 }, &res),
	             L2M_NO_EXIT);
	cr_expect_eq(refhost_vmcs02_get(&f.h, NVMX_F_GUEST_CR0), 0x80000023);
	fx_fini(&f);
}

/* SDM 27.3.2.1: with "load debug controls", DR7 is loaded from the guest
 * field with bit 12 and bits 15:14 0 and bit 10 1; SDM 28.3.1: "save debug
 * controls" stores it back. */
Test(l2model, dr7_is_loaded_with_bits_12_15_14_clear_and_bit_10_set)
{
	struct fx f;
	fx_init(&f);
	refhost_vmcs02_set(&f.h, NVMX_F_VM_ENTRY_CONTROLS, NVMX_ENTRY_CTL_LOAD_DEBUG_CONTROLS);
	refhost_vmcs02_set(&f.h, NVMX_F_VM_EXIT_CONTROLS, NVMX_EXIT_CTL_SAVE_DEBUG_CONTROLS);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_DR7, 0xd0ffull);
	refhost_hw_enter(&f.h);
	cr_expect_eq(f.h.dr7, 0x04ffull);
	refhost_hw_exit(&f.h);
	cr_expect_eq(refhost_vmcs02_get(&f.h, NVMX_F_GUEST_DR7), 0x04ffull);
	/* Bit 13 (GD) and the breakpoint bits are loaded as written. */
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_DR7, 0x2000ull | 0x3ull);
	refhost_hw_enter(&f.h);
	cr_expect_eq(f.h.dr7, 0x2403ull);
	fx_fini(&f);
}

Test(l2model, dr7_is_not_loaded_without_load_debug_controls)
{
	struct fx f;
	fx_init(&f);
	f.h.dr7 = 0x400;
	refhost_vmcs02_set(&f.h, NVMX_F_VM_ENTRY_CONTROLS, 0);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_DR7, 0xd0ffull);
	refhost_hw_enter(&f.h);
	cr_expect_eq(f.h.dr7, 0x400);
	fx_fini(&f);
}
