/* SPDX-License-Identifier: MIT */
/*
 * INIT and RESET of a vCPU (nvmx_vcpu_init_signal, nvmx_vcpu_reset). The
 * SDM's rules: INIT signals are blocked in VMX root operation (24.8); in VMX
 * non-root operation they cause a VM exit, basic reason 3, except in the
 * wait-for-SIPI activity state (3), which blocks them (26.2); RESET leaves
 * VMX operation.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "fixture.h"

Test(init, outside_vmx_operation_the_host_performs_it)
{
	struct refhost h;
	cr_assert_eq(refhost_init(&h, 1u << 20, NULL), NVMX_STATUS_OK);
	struct nvmx_result res;
	cr_assert_eq(nvmx_vcpu_init_signal(h.vcpu, &res), NVMX_STATUS_OK);
	cr_expect_eq(res.action, NVMX_ACTION_INIT_L1);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_NONE);
	cr_expect_eq(res.reason, NVMX_REASON_VCPU_INIT_OUTSIDE_VMX);
	refhost_fini(&h);
}

Test(init, is_blocked_in_vmx_root_operation)
{
	struct fx f;
	fx_init(&f);
	f.v->in_l2 = false; /* L1 runs, in VMX root operation */
	struct nvmx_result res;
	cr_assert_eq(nvmx_vcpu_init_signal(f.v, &res), NVMX_STATUS_OK);
	cr_expect_eq(res.action, NVMX_ACTION_RESUME_L1);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_NONE);
	cr_expect_eq(res.reason, NVMX_REASON_VCPU_INIT_BLOCKED_ROOT);
	cr_expect(nvmx_vcpu_in_vmx_operation(f.v), "INIT does not leave VMX operation");
	fx_fini(&f);
}

Test(init, while_l2_runs_is_a_vm_exit_to_l1_with_reason_3)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_result res;
	cr_assert_eq(nvmx_vcpu_init_signal(f.v, &res), NVMX_STATUS_OK);
	cr_expect_eq(res.action, NVMX_ACTION_RESUME_L1);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(res.exit_reason, 3);
	cr_expect_eq(res.reason, NVMX_REASON_VCPU_INIT_EXIT);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 3);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0);
	cr_expect_not(nvmx_vcpu_in_l2(f.v));
	fx_fini(&f);
}

Test(init, is_blocked_while_l2_waits_for_sipi)
{
	struct fx f;
	fx_init(&f);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_ACTIVITY_STATE, 3);
	struct nvmx_result res;
	cr_assert_eq(nvmx_vcpu_init_signal(f.v, &res), NVMX_STATUS_OK);
	cr_expect_eq(res.action, NVMX_ACTION_RUN_L2);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_NONE);
	cr_expect_eq(res.reason, NVMX_REASON_VCPU_INIT_BLOCKED_WAIT_SIPI);
	cr_expect(nvmx_vcpu_in_l2(f.v));
	/* The SIPI that ends the wait is an exit with its vector (26.2). */
	struct nvmx_synth_exit x;
	memset(&x, 0, sizeof(x));
	x.size = sizeof(x);
	x.kind = NVMX_SYNTH_SIPI;
	x.vector = 0x9a;
	cr_assert_eq(nvmx_vcpu_inject_exit(f.v, &x, &res), NVMX_STATUS_OK);
	cr_expect_eq(res.exit_reason, 4);
	cr_expect_eq(res.exit_qualification, 0x9a);
	fx_fini(&f);
}

Test(reset, leaves_vmx_operation_and_drops_the_vmcs12_cache_unwritten)
{
	struct fx f;
	fx_init(&f);
	/* L2 runs; VMCS12 holds data not yet in L1 memory. */
	uint8_t before[64];
	refhost_mem_read(&f.h, FX_VMCS12, before, sizeof(before));
	f.s->mem_dirty = true;
	nvmx_vcpu_reset(f.v);
	cr_expect_not(nvmx_vcpu_in_vmx_operation(f.v));
	cr_expect_not(nvmx_vcpu_in_l2(f.v));
	cr_expect_eq(nvmx_vcpu_current_vmptr(f.v), ~0ull, "no current VMCS (SDM 25.1)");
	uint8_t after[64];
	refhost_mem_read(&f.h, FX_VMCS12, after, sizeof(after));
	cr_expect_arr_eq(before, after, sizeof(before), "nothing written back");
	/* After RESET, INIT is the host's again, and L1 may VMXON anew. */
	struct nvmx_result res;
	cr_assert_eq(nvmx_vcpu_init_signal(f.v, &res), NVMX_STATUS_OK);
	cr_expect_eq(res.action, NVMX_ACTION_INIT_L1);
	refhost_mem_w32(&f.h, 0x1000, 4);
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMXON, .mem = true, .la = 0x7000 };
	refhost_mem_w64(&f.h, 0x7000, 0x1000);
	cr_assert_eq(refhost_exec(&f.h, &in, &res), NVMX_STATUS_OK);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_SUCCEED, "%s", nvmx_reason_name(res.reason));
	fx_fini(&f);
}
