/* SPDX-License-Identifier: MIT */
/*
 * Synthesized exits: events L0 delivers to L1 as VM exits from L2 without
 * a hardware exit of that kind (an interrupt for L1 arriving while L2 runs,
 * an NMI for L1, windows and timers L0 emulates, INIT and SIPI). They take
 * the same decision and reflection path as hardware exits.
 */
#include "exit.h"

NVMX_EXPORT enum nvmx_status nvmx_vcpu_inject_exit(struct nvmx_vcpu *v,
                                                   const struct nvmx_synth_exit *x,
                                                   struct nvmx_result *res)
{
	if (!v || !x || !res)
		return NVMX_STATUS_INVALID_ARGUMENT;
	struct nvmx_synth_exit sx;
	NVMX_CHECK(nvmx_abi_load(&sx, sizeof(sx), x, offsetof(struct nvmx_synth_exit, reserved)));
	if (!NVMX_RESERVED_ZERO(&sx, reserved0) || !NVMX_RESERVED_ZERO(&sx, reserved))
		return NVMX_STATUS_INVALID_ARGUMENT;
	x = &sx;
	nvmx_memset(res, 0, sizeof(*res));
	if (!v->vmxon || !v->in_l2 || !v->cur)
		return NVMX_STATUS_WRONG_STATE;
	nvmx_sync_l2_ran(&v->sync);

	struct nvmx_l2_exit ex;
	nvmx_memset(&ex, 0, sizeof(ex));
	ex.size = sizeof(ex);
	switch (x->kind) {
	case NVMX_SYNTH_EXTINT:
		ex.exit_reason = NVMX_EXIT_REASON_EXTERNAL_INTERRUPT;
		ex.intr_info = x->vector | NVMX_INTR_INFO_VALID; /* type 0 */
		break;
	case NVMX_SYNTH_NMI:
		ex.exit_reason = NVMX_EXIT_REASON_EXCEPTION_NMI;
		ex.intr_info = 2u | ((uint32_t)NVMX_INTR_TYPE_NMI << NVMX_INTR_INFO_TYPE_SHIFT) |
		               NVMX_INTR_INFO_VALID;
		break;
	case NVMX_SYNTH_INTR_WINDOW:
		ex.exit_reason = NVMX_EXIT_REASON_INTERRUPT_WINDOW;
		break;
	case NVMX_SYNTH_NMI_WINDOW:
		ex.exit_reason = NVMX_EXIT_REASON_NMI_WINDOW;
		break;
	case NVMX_SYNTH_PREEMPTION_TIMER:
		ex.exit_reason = NVMX_EXIT_REASON_PREEMPTION_TIMER;
		break;
	case NVMX_SYNTH_MTF:
		ex.exit_reason = NVMX_EXIT_REASON_MONITOR_TRAP_FLAG;
		break;
	case NVMX_SYNTH_INIT:
		ex.exit_reason = NVMX_EXIT_REASON_INIT_SIGNAL;
		break;
	case NVMX_SYNTH_SIPI:
		/* SDM 26.2: a SIPI exits only in the wait-for-SIPI state (3);
		 * the qualification is the vector. */
		if (nvmx_vmcs02_read(v, NVMX_F_GUEST_ACTIVITY_STATE) != 3) {
			res->action = NVMX_ACTION_L0_EXIT;
			res->reason = NVMX_REASON_EXIT_SYNTH_NOT_WAITING_SIPI;
			return NVMX_STATUS_OK;
		}
		ex.exit_reason = NVMX_EXIT_REASON_SIPI;
		ex.qualification = x->vector;
		break;
	default:
		return NVMX_STATUS_INVALID_ARGUMENT;
	}

	bool wanted;
	enum nvmx_reason why;
	NVMX_CHECK(nvmx_exit_l1_wants(v, &ex, &wanted, &why));
	if (!wanted) {
		res->action = NVMX_ACTION_L0_EXIT;
		res->reason = NVMX_REASON_EXIT_SYNTH_NOT_INTERCEPTED;
		return NVMX_STATUS_OK;
	}

	/* An event L0 had armed in VMCS02 for re-injection (an earlier L0 exit
	 * interrupted its delivery) was, architecturally, being delivered when
	 * this exit happened: L1 sees it as IDT-vectoring information, and
	 * VMCS02 no longer injects it (SDM 28.2.4). */
	uint32_t pend = (uint32_t)nvmx_vmcs02_read(v, NVMX_F_VM_ENTRY_INTR_INFO_FIELD);
	if (pend & NVMX_INTR_INFO_VALID) {
		unsigned type = (pend & NVMX_INTR_INFO_TYPE_MASK) >> NVMX_INTR_INFO_TYPE_SHIFT;
		ex.idt_vectoring_info = pend & 0x80000fffu;
		if (pend & NVMX_INTR_INFO_DELIVER_CODE)
			ex.idt_vectoring_error_code = (uint32_t)nvmx_vmcs02_read(
				v, NVMX_F_VM_ENTRY_EXCEPTION_ERROR_CODE);
		if (type == NVMX_INTR_TYPE_SW_INTR || type == NVMX_INTR_TYPE_PRIV_SW_EXCEPTION ||
		    type == NVMX_INTR_TYPE_SW_EXCEPTION)
			ex.insn_len = (uint32_t)nvmx_vmcs02_read(v, NVMX_F_VM_ENTRY_INSTRUCTION_LEN);
		nvmx_vmcs02_put(v, NVMX_IDX_VM_ENTRY_INTR_INFO_FIELD, pend & ~NVMX_INTR_INFO_VALID);
	}
	return nvmx_exit_reflect(v, &ex, why, res);
}
