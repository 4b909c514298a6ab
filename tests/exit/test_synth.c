/* SPDX-License-Identifier: MIT */
/* Synthesized exits: L0 makes L1 see an exit without a hardware exit. */
#include <criterion/criterion.h>
#include <string.h>
#include "fixture.h"

static struct nvmx_result inject(struct fx *f, uint32_t kind, uint8_t vector)
{
	struct nvmx_synth_exit x;
	memset(&x, 0, sizeof(x));
	x.size = sizeof(x);
	x.kind = kind;
	x.vector = vector;
	struct nvmx_result res;
	cr_assert_eq(nvmx_vcpu_inject_exit(f->v, &x, &res), NVMX_STATUS_OK);
	return res;
}

Test(synth, extint_with_acknowledge_puts_vector_in_intr_info)
{
	struct fx f;
	fx_init(&f);
	S12(&f, PIN_BASED_VM_EXEC_CONTROL) = NVMX_PIN_EXT_INTR_EXITING;
	S12(&f, VM_EXIT_CONTROLS) |= NVMX_EXIT_CTL_ACK_INTR_ON_EXIT;
	struct nvmx_result res = inject(&f, NVMX_SYNTH_EXTINT, 0xec);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 1);
	cr_expect_eq(S12(&f, VM_EXIT_INTR_INFO), 0x800000ecu);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0);
	fx_fini(&f);
}

Test(synth, extint_without_acknowledge_has_invalid_info)
{
	struct fx f;
	fx_init(&f);
	S12(&f, PIN_BASED_VM_EXEC_CONTROL) = NVMX_PIN_EXT_INTR_EXITING;
	inject(&f, NVMX_SYNTH_EXTINT, 0xec);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 1);
	cr_expect_eq(S12(&f, VM_EXIT_INTR_INFO), 0);
	fx_fini(&f);
}

Test(synth, extint_not_intercepted_stays_with_l0)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_result res = inject(&f, NVMX_SYNTH_EXTINT, 0xec);
	cr_expect_eq(res.action, NVMX_ACTION_L0_EXIT);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_NONE);
	cr_expect_eq(res.reason, NVMX_REASON_EXIT_SYNTH_NOT_INTERCEPTED);
	cr_expect(f.v->in_l2);
	fx_fini(&f);
}

Test(synth, nmi_exit_info)
{
	struct fx f;
	fx_init(&f);
	S12(&f, PIN_BASED_VM_EXEC_CONTROL) = NVMX_PIN_NMI_EXITING;
	inject(&f, NVMX_SYNTH_NMI, 0);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 0);
	cr_expect_eq(S12(&f, VM_EXIT_INTR_INFO), 0x80000202u);
	fx_fini(&f);
}

Test(synth, windows_timer_and_mtf)
{
	static const struct { uint32_t kind, reason, pin, proc; } c[] = {
		{ NVMX_SYNTH_INTR_WINDOW, 7, 0, NVMX_PROC_INTR_WINDOW_EXITING },
		{ NVMX_SYNTH_NMI_WINDOW, 8, 0, NVMX_PROC_NMI_WINDOW_EXITING },
		{ NVMX_SYNTH_PREEMPTION_TIMER, 52, NVMX_PIN_PREEMPTION_TIMER, 0 },
		{ NVMX_SYNTH_MTF, 37, 0, NVMX_PROC_MONITOR_TRAP_FLAG },
	};
	for (unsigned i = 0; i < 4; i++) {
		struct fx f;
		fx_init(&f);
		struct nvmx_result res = inject(&f, c[i].kind, 0);
		cr_expect_eq(res.action, NVMX_ACTION_L0_EXIT, "kind %u without control", c[i].kind);
		S12(&f, PIN_BASED_VM_EXEC_CONTROL) = c[i].pin;
		S12(&f, CPU_BASED_VM_EXEC_CONTROL) = c[i].proc;
		res = inject(&f, c[i].kind, 0);
		cr_expect_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1, "kind %u", c[i].kind);
		cr_expect_eq(S12(&f, VM_EXIT_REASON), c[i].reason);
		fx_fini(&f);
	}
}

Test(synth, emulated_timer_saves_zero)
{
	struct fx f;
	fx_init(&f);
	S12(&f, PIN_BASED_VM_EXEC_CONTROL) = NVMX_PIN_PREEMPTION_TIMER;
	S12(&f, VM_EXIT_CONTROLS) |= NVMX_EXIT_CTL_SAVE_PREEMPTION_TIMER;
	S12(&f, VMX_PREEMPTION_TIMER_VALUE) = 99;
	inject(&f, NVMX_SYNTH_PREEMPTION_TIMER, 0);
	cr_expect_eq(S12(&f, VMX_PREEMPTION_TIMER_VALUE), 0);
	fx_fini(&f);
}

Test(synth, init_always_exits)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_result res = inject(&f, NVMX_SYNTH_INIT, 0);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 3);
	fx_fini(&f);
}

Test(synth, sipi_in_wait_for_sipi_carries_vector)
{
	struct fx f;
	fx_init(&f);
	refhost_vmcs02_set(&f.h, NVMX_F_GUEST_ACTIVITY_STATE, 3);
	struct nvmx_result res = inject(&f, NVMX_SYNTH_SIPI, 0x9f);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_expect_eq(S12(&f, VM_EXIT_REASON), 4);
	cr_expect_eq(S12(&f, EXIT_QUALIFICATION), 0x9f);
	cr_expect_eq(S12(&f, GUEST_ACTIVITY_STATE), 3);
	fx_fini(&f);
}

Test(synth, sipi_while_active_is_dropped)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_result res = inject(&f, NVMX_SYNTH_SIPI, 0x9f);
	cr_expect_eq(res.action, NVMX_ACTION_L0_EXIT);
	cr_expect_eq(res.reason, NVMX_REASON_EXIT_SYNTH_NOT_WAITING_SIPI);
	fx_fini(&f);
}

Test(synth, pending_reinjection_becomes_idt_vectoring_info)
{
	struct fx f;
	fx_init(&f);
	S12(&f, PIN_BASED_VM_EXEC_CONTROL) = NVMX_PIN_EXT_INTR_EXITING;
	refhost_vmcs02_set(&f.h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD, 0x80000b0eu);
	refhost_vmcs02_set(&f.h, NVMX_F_VM_ENTRY_EXCEPTION_ERROR_CODE, 4);
	inject(&f, NVMX_SYNTH_EXTINT, 0x30);
	cr_expect_eq(S12(&f, IDT_VECTORING_INFO_FIELD), 0x80000b0eu);
	cr_expect_eq(S12(&f, IDT_VECTORING_ERROR_CODE), 4);
	cr_expect_eq(refhost_vmcs02_get(&f.h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD) & NVMX_INTR_INFO_VALID, 0);
	fx_fini(&f);
}

Test(synth, unknown_kind_is_invalid)
{
	struct fx f;
	fx_init(&f);
	struct nvmx_synth_exit x = { .size = sizeof(x), .kind = 99 };
	struct nvmx_result res;
	cr_expect_eq(nvmx_vcpu_inject_exit(f.v, &x, &res), NVMX_STATUS_INVALID_ARGUMENT);
	fx_fini(&f);
}
