/* SPDX-License-Identifier: MIT */
/*
 * nvmx_vcpu_handle_exit: L0's or L1's, then either re-arm an interrupted
 * event for L0's resume of L2, or reflect the exit to L1 (SDM 28).
 */
#include "exit.h"
#include "../ept/ept.h"

static bool is_soft_type(unsigned type)
{
	return type == NVMX_INTR_TYPE_SW_INTR || type == NVMX_INTR_TYPE_PRIV_SW_EXCEPTION ||
	       type == NVMX_INTR_TYPE_SW_EXCEPTION;
}

/*
 * An exit L0 keeps. If L2 was delivering an event (IDT-vectoring
 * information valid), L2 must get it again at the next entry: it goes into
 * VMCS02's VM-entry interruption information with its error code and, for
 * software events, the instruction length (SDM 28.2.4, 27.6). Otherwise, if
 * the exit happened while IRET was unblocking NMIs (bit 12 of the
 * interruption information or of the EPT-violation / PML-full
 * qualification), blocking by NMI is set again before L2 resumes (SDM
 * 28.2.3).
 */
static void l0_keeps(struct nvmx_vcpu *v, const struct nvmx_l2_exit *e)
{
	uint32_t idt = e->idt_vectoring_info;
	if (idt & NVMX_INTR_INFO_VALID) {
		unsigned type = (idt & NVMX_INTR_INFO_TYPE_MASK) >> NVMX_INTR_INFO_TYPE_SHIFT;
		nvmx_vmcs02_put(v, NVMX_IDX_VM_ENTRY_INTR_INFO_FIELD, idt & 0x80000fffu);
		if (idt & NVMX_INTR_INFO_DELIVER_CODE)
			nvmx_vmcs02_put(v, NVMX_IDX_VM_ENTRY_EXCEPTION_ERROR_CODE,
			                  e->idt_vectoring_error_code);
		if (is_soft_type(type))
			nvmx_vmcs02_put(v, NVMX_IDX_VM_ENTRY_INSTRUCTION_LEN, e->insn_len);
		return;
	}
	uint32_t basic = NVMX_EXIT_REASON_BASIC(e->exit_reason);
	bool unblock = false;
	if (basic == NVMX_EXIT_REASON_EXCEPTION_NMI && (e->intr_info & NVMX_INTR_INFO_VALID) &&
	    (e->intr_info & NVMX_INTR_INFO_VECTOR_MASK) != 8)
		unblock = e->intr_info & NVMX_INTR_INFO_NMI_UNBLOCK;
	else if (basic == NVMX_EXIT_REASON_EPT_VIOLATION || basic == NVMX_EXIT_REASON_PML_FULL)
		unblock = e->qualification & (1u << 12);
	if (unblock) {
		uint64_t intr = nvmx_vmcs02_read(v, NVMX_F_GUEST_INTERRUPTIBILITY_INFO);
		nvmx_vmcs02_put(v, NVMX_IDX_GUEST_INTERRUPTIBILITY_INFO, intr | 8u);
	}
}

enum nvmx_status nvmx_exit_reflect(struct nvmx_vcpu *v, const struct nvmx_l2_exit *e,
                                   enum nvmx_reason why, struct nvmx_result *res)
{
	struct nvmx_vmcs12 *s = v->cur;
	uint32_t basic = NVMX_EXIT_REASON_BASIC(e->exit_reason);
	uint32_t exitc = (uint32_t)V12(s, VM_EXIT_CONTROLS);

	/* SDM 28.2: the exit information L1 reads. */
	nvmx_vmcs12_store(s, NVMX_IDX_VM_EXIT_REASON, e->exit_reason);
	nvmx_vmcs12_store(s, NVMX_IDX_EXIT_QUALIFICATION, e->qualification);
	nvmx_vmcs12_store(s, NVMX_IDX_GUEST_LINEAR_ADDRESS, e->guest_linear_address);
	if (basic == NVMX_EXIT_REASON_EPT_VIOLATION || basic == NVMX_EXIT_REASON_EPT_MISCONFIG)
		nvmx_vmcs12_store(s, NVMX_IDX_GUEST_PHYSICAL_ADDRESS, e->guest_physical_address);

	/* 28.2.2: interruption information for exceptions, NMIs and (with
	 * "acknowledge interrupt on exit") external interrupts; the valid bit
	 * is clear for every other exit. */
	uint32_t info = 0;
	if (basic == NVMX_EXIT_REASON_EXCEPTION_NMI)
		info = e->intr_info;
	else if (basic == NVMX_EXIT_REASON_EXTERNAL_INTERRUPT && (exitc & NVMX_EXIT_CTL_ACK_INTR_ON_EXIT))
		info = (e->intr_info & NVMX_INTR_INFO_VECTOR_MASK) | NVMX_INTR_INFO_VALID;
	nvmx_vmcs12_store(s, NVMX_IDX_VM_EXIT_INTR_INFO, info);
	if ((info & NVMX_INTR_INFO_VALID) && (info & NVMX_INTR_INFO_DELIVER_CODE))
		nvmx_vmcs12_store(s, NVMX_IDX_VM_EXIT_INTR_ERROR_CODE, e->intr_error_code);

	/* 28.2.4: an exit during event delivery tells L1 which event. */
	uint32_t idt = e->idt_vectoring_info;
	nvmx_vmcs12_store(s, NVMX_IDX_IDT_VECTORING_INFO_FIELD, idt);
	if ((idt & NVMX_INTR_INFO_VALID) && (idt & NVMX_INTR_INFO_DELIVER_CODE))
		nvmx_vmcs12_store(s, NVMX_IDX_IDT_VECTORING_ERROR_CODE, e->idt_vectoring_error_code);

	/* 28.2.5: instruction length and information. */
	nvmx_vmcs12_store(s, NVMX_IDX_VM_EXIT_INSTRUCTION_LEN, e->insn_len);
	nvmx_vmcs12_store(s, NVMX_IDX_VMX_INSTRUCTION_INFO, e->insn_info);

	/* 28.3: L2's state; a VM-entry failure (bit 31) saves none (27.8). */
	if (!(e->exit_reason & NVMX_EXIT_REASON_ENTRY_FAIL))
		nvmx_exit_sync_guest(v, e);
	return nvmx_exit_finish(v, e, why, res);
}

static void l0_result(struct nvmx_vcpu *v, uint32_t basic, enum nvmx_reason why,
                      struct nvmx_result *res)
{
	v->stats.exits_l0++;
	res->action = NVMX_ACTION_L0_EXIT;
	res->outcome = NVMX_OUTCOME_L0_EXIT;
	res->reason = why;
	nvmx_trace(v, NVMX_TRACE_EXIT, why, basic, 0);
}

/*
 * An EPT violation while L1 uses EPT and the host has not already walked
 * EPT12: the shadow-EPT module decides (nvmx_ept_fault). Returns true when
 * the exit is settled as L0's (*res filled); otherwise `ex` is rewritten
 * into the exit L1 sees (violation with L1's qualification, or
 * misconfiguration) and flagged as EPT12's.
 */
static enum nvmx_status ept_fault(struct nvmx_vcpu *v, struct nvmx_l2_exit *ex, bool *settled,
                                  struct nvmx_result *res)
{
	struct nvmx_ept_outcome o;
	*settled = false;
	enum nvmx_status st = nvmx_ept_fault(v, ex->guest_physical_address, ex->qualification,
	                                     ex->guest_linear_address, &o);
	if (st == NVMX_STATUS_WRONG_STATE) {
		/* No shadow root is current (L2 did not run on EPT02): L0's. */
		l0_keeps(v, ex);
		l0_result(v, NVMX_EXIT_REASON_EPT_VIOLATION, NVMX_REASON_EXIT_L0_EPT02_FILL, res);
		*settled = true;
		return NVMX_STATUS_OK;
	}
	NVMX_CHECK(st);
	switch (o.kind) {
	case NVMX_EPT_REFLECT_VIOLATION:
		ex->qualification = o.qualification;
		ex->guest_physical_address = o.l2_gpa;
		ex->guest_linear_address = o.guest_linear;
		ex->flags |= NVMX_L2_EXIT_EPT12_FAULT;
		return NVMX_STATUS_OK;
	case NVMX_EPT_REFLECT_MISCONFIG:
		ex->exit_reason = NVMX_EXIT_REASON_EPT_MISCONFIG;
		ex->qualification = 0;
		ex->guest_physical_address = o.l2_gpa;
		ex->guest_linear_address = o.guest_linear;
		ex->flags |= NVMX_L2_EXIT_EPT12_FAULT;
		return NVMX_STATUS_OK;
	default:
		/* MAPPED, RETRY: L2 retries the access; L0: L0 must back
		 * o.l1_gpa. An event L2 was delivering is re-armed either way. */
		l0_keeps(v, ex);
		/* APIC_ACCESS_EMULATED (NVMX_L0_EMULATE_APIC_VIRT): the access
		 * is for nvmx_vcpu_apic_access, not one L0 must back. */
		l0_result(v, NVMX_EXIT_REASON_EPT_VIOLATION,
		          o.kind != NVMX_EPT_L0                          ? NVMX_REASON_EXIT_L0_EPT02_FILL
		          : o.reason == NVMX_REASON_APIC_ACCESS_EMULATED ? o.reason
		                                                         : NVMX_REASON_EXIT_L0_EPT01,
		          res);
		res->value = o.kind == NVMX_EPT_MAPPED ? o.hpa : o.l1_gpa;
		*settled = true;
		return NVMX_STATUS_OK;
	}
}

NVMX_EXPORT enum nvmx_status nvmx_vcpu_handle_exit(struct nvmx_vcpu *v,
                                                   const struct nvmx_l2_exit *e,
                                                   struct nvmx_result *res)
{
	if (!v || !e || !res)
		return NVMX_STATUS_INVALID_ARGUMENT;
	struct nvmx_l2_exit ex;
	NVMX_CHECK(nvmx_abi_load(&ex, sizeof(ex), e, offsetof(struct nvmx_l2_exit, reserved)));
	if (ex.nbytes > sizeof(ex.bytes) || ex.reserved0 || !NVMX_RESERVED_ZERO(&ex, reserved))
		return NVMX_STATUS_INVALID_ARGUMENT;
	nvmx_memset(res, 0, sizeof(*res));
	if (!v->vmxon || !v->in_l2 || !v->cur)
		return NVMX_STATUS_WRONG_STATE;
	/* L2 has run: VMCS02 now holds its state, not the merge's. */
	nvmx_sync_l2_ran(&v->sync);

	uint32_t basic = NVMX_EXIT_REASON_BASIC(ex.exit_reason);

	if (ex.flags & NVMX_L2_EXIT_EMULATED) {
		enum nvmx_status st = nvmx_exit_describe_emulated(v, &ex);
		if (st == NVMX_STATUS_INVALID_ARGUMENT) {
			l0_result(v, basic, NVMX_REASON_EXIT_DECODE_FAILED, res);
			return NVMX_STATUS_OK;
		}
		if (st == NVMX_STATUS_NOT_SUPPORTED) {
			l0_result(v, basic, NVMX_REASON_EXIT_NO_DECODER, res);
			return NVMX_STATUS_OK;
		}
		NVMX_CHECK(st);
	}

	/* EPT violations with L1's EPT: the shadow-EPT module walks EPT12. */
	if (basic == NVMX_EXIT_REASON_EPT_VIOLATION &&
	    !(ex.flags & (NVMX_L2_EXIT_L0_OWNED | NVMX_L2_EXIT_EPT12_FAULT | NVMX_L2_EXIT_EMULATED)) &&
	    (nvmx_vmcs12_proc2(v->cur) & NVMX_PROC2_EPT)) {
		bool settled;
		NVMX_CHECK(ept_fault(v, &ex, &settled, res));
		if (settled)
			return NVMX_STATUS_OK;
		basic = NVMX_EXIT_REASON_BASIC(ex.exit_reason);
	}

	bool wanted;
	enum nvmx_reason why;
	NVMX_CHECK(nvmx_exit_l1_wants(v, &ex, &wanted, &why));
	if (ex.flags & NVMX_L2_EXIT_L0_OWNED) {
		wanted = false;
		why = NVMX_REASON_EXIT_L0_OWNED;
	}
	if (!wanted) {
		if (!(ex.flags & NVMX_L2_EXIT_EMULATED))
			l0_keeps(v, &ex);
		l0_result(v, basic, why, res);
		return NVMX_STATUS_OK;
	}
	return nvmx_exit_reflect(v, &ex, why, res);
}
