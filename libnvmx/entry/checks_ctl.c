/* SPDX-License-Identifier: MIT */
/*
 * Checks on VMX controls (SDM 27.2.1): VM-execution controls (27.2.1.1),
 * VM-exit controls (27.2.1.2), VM-entry controls (27.2.1.3), in the SDM's
 * order. A failure is VMfailValid(7), decided by the caller.
 */
#include "entry_int.h"

static bool ctl_ok(uint32_t val, uint32_t a0, uint32_t a1)
{
	return (val & a0) == a0 && (val & ~a1) == 0;
}

#define PAGE_MASK 0xfffull

/* An MSR area: 16-byte aligned, last byte within the address width
 * (SDM 27.2.1.2, 27.2.1.3). */
static bool msr_area_ok(uint64_t addr, uint32_t count, unsigned width)
{
	if (count == 0)
		return true;
	if (addr & 0xfull)
		return false;
	uint64_t last = addr + (uint64_t)count * 16u - 1u;
	if (last < addr)
		return false;
	return nvmx_addr_ok(last, width, 0);
}

/*
 * SDM 27.2.1.1: with "use TPR shadow" and neither virtual-interrupt delivery
 * nor APIC-access virtualization, TPR threshold 3:0 must not exceed VTPR
 * (bits 7:4 of byte 80H of the virtual-APIC page), which is in L1 memory:
 * checked at every entry.
 */
static enum nvmx_status check_vtpr(struct nvmx_entry_ctx *x)
{
	if (!(x->proc & NVMX_PROC_TPR_SHADOW) ||
	    (x->proc2 & (NVMX_PROC2_VIRT_INTR_DELIVERY | NVMX_PROC2_VIRT_APIC_ACCESSES)))
		return NVMX_STATUS_OK;
	uint64_t va = V12(x->s, VIRTUAL_APIC_PAGE_ADDR);
	uint32_t thr = (uint32_t)V12(x->s, TPR_THRESHOLD);
	uint8_t vtpr;
	enum nvmx_status st = nvmx_gpa_read(x->v, va + 0x80, &vtpr, 1);
	if (st == NVMX_STATUS_NOT_MAPPED) {
		if (nvmx_entry_policy(x->v)->flags & NVMX_L0_REFUSE_UNBACKED_CONTROL_PAGES)
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_ADDR_NOT_BACKED, NVMX_F_VIRTUAL_APIC_PAGE_ADDR);
		/* Nonexistent memory reads as ones: VTPR 0xf, never below. */
		vtpr = 0xff;
		st = NVMX_STATUS_OK;
	}
	if (st != NVMX_STATUS_OK)
		return NVMX_STATUS_HOST_FAILURE;
	if ((thr & 0xfu) > (uint32_t)(vtpr >> 4))
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_TPR_THRESHOLD_VTPR, NVMX_F_TPR_THRESHOLD);
	return NVMX_STATUS_OK;
}

/* SDM 27.2.1.1: checks on VM-execution control fields. */
static enum nvmx_status check_exec(struct nvmx_entry_ctx *x)
{
	const struct nvmx_caps *c = x->c;
	struct nvmx_vmcs12 *s = x->s;
	const unsigned w = x->paddr;

	if (!ctl_ok(x->pin, nvmx_caps_allowed0(c, NVMX_MSR_IA32_VMX_PINBASED_CTLS),
	            nvmx_caps_allowed1(c, NVMX_MSR_IA32_VMX_PINBASED_CTLS)))
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_PIN_RESERVED, NVMX_F_PIN_BASED_VM_EXEC_CONTROL);
	if (!ctl_ok(x->proc, nvmx_caps_allowed0(c, NVMX_MSR_IA32_VMX_PROCBASED_CTLS),
	            nvmx_caps_allowed1(c, NVMX_MSR_IA32_VMX_PROCBASED_CTLS)))
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_PROC_RESERVED, NVMX_F_CPU_BASED_VM_EXEC_CONTROL);
	if ((x->proc & NVMX_PROC_SECONDARY_CONTROLS) &&
	    !ctl_ok(x->proc2, nvmx_caps_allowed0(c, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2),
	            nvmx_caps_allowed1(c, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2)))
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_PROC2_RESERVED, NVMX_F_SECONDARY_VM_EXEC_CONTROL);
	if (x->proc & NVMX_PROC_TERTIARY_CONTROLS) {
		/* IA32_VMX_PROCBASED_CTLS3 is a 64-bit allowed-1 mask (SDM A.3.4). */
		uint64_t a1 = nvmx_caps_has(c, NVMX_FEAT_TERTIARY)
		                      ? nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_PROCBASED_CTLS3)
		                      : 0;
		if (x->proc3 & ~a1)
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_PROC3_RESERVED, NVMX_F_TERTIARY_VM_EXEC_CONTROL);
	}
	uint64_t misc = nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_MISC);
	uint64_t max_cr3 = (misc & NVMX_MISC_CR3_TARGETS_MASK) >> NVMX_MISC_CR3_TARGETS_SHIFT;
	if ((uint32_t)V12(s, CR3_TARGET_COUNT) > max_cr3)
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_CR3_TARGET_COUNT, NVMX_F_CR3_TARGET_COUNT);
	if (x->proc & NVMX_PROC_USE_IO_BITMAPS) {
		if (!nvmx_addr_ok(V12(s, IO_BITMAP_A), w, PAGE_MASK))
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_IO_BITMAP_ADDR, NVMX_F_IO_BITMAP_A);
		if (!nvmx_addr_ok(V12(s, IO_BITMAP_B), w, PAGE_MASK))
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_IO_BITMAP_ADDR, NVMX_F_IO_BITMAP_B);
	}
	if ((x->proc & NVMX_PROC_USE_MSR_BITMAPS) && !nvmx_addr_ok(V12(s, MSR_BITMAP), w, PAGE_MASK))
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_MSR_BITMAP_ADDR, NVMX_F_MSR_BITMAP);

	const bool vid = x->proc2 & NVMX_PROC2_VIRT_INTR_DELIVERY;
	const bool apic_acc = x->proc2 & NVMX_PROC2_VIRT_APIC_ACCESSES;
	if (x->proc & NVMX_PROC_TPR_SHADOW) {
		uint64_t va = V12(s, VIRTUAL_APIC_PAGE_ADDR);
		if (!nvmx_addr_ok(va, w, PAGE_MASK))
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_VIRTUAL_APIC_ADDR, NVMX_F_VIRTUAL_APIC_PAGE_ADDR);
		uint32_t thr = (uint32_t)V12(s, TPR_THRESHOLD);
		if (!vid && (thr & ~0xfu))
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_TPR_THRESHOLD_RESERVED, NVMX_F_TPR_THRESHOLD);
		NVMX_CHECK(check_vtpr(x));
		if (x->reason)
			return NVMX_STATUS_OK;
	} else if (x->proc2 & (NVMX_PROC2_VIRT_X2APIC | NVMX_PROC2_APIC_REG_VIRT |
	                       NVMX_PROC2_VIRT_INTR_DELIVERY)) {
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_APICV_WITHOUT_TPR_SHADOW, NVMX_F_SECONDARY_VM_EXEC_CONTROL);
	}
	if (!(x->pin & NVMX_PIN_NMI_EXITING) && (x->pin & NVMX_PIN_VIRTUAL_NMIS))
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_VNMI_WITHOUT_NMI_EXITING, NVMX_F_PIN_BASED_VM_EXEC_CONTROL);
	if (!(x->pin & NVMX_PIN_VIRTUAL_NMIS) && (x->proc & NVMX_PROC_NMI_WINDOW_EXITING))
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_NMI_WINDOW_WITHOUT_VNMI, NVMX_F_CPU_BASED_VM_EXEC_CONTROL);
	if (apic_acc && !nvmx_addr_ok(V12(s, APIC_ACCESS_ADDR), w, PAGE_MASK))
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_APIC_ACCESS_ADDR, NVMX_F_APIC_ACCESS_ADDR);
	if ((x->proc2 & NVMX_PROC2_VIRT_X2APIC) && apic_acc)
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_X2APIC_WITH_APIC_ACCESSES, NVMX_F_SECONDARY_VM_EXEC_CONTROL);
	if (vid && !(x->pin & NVMX_PIN_EXT_INTR_EXITING))
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_VID_WITHOUT_EXT_INTR_EXITING, NVMX_F_PIN_BASED_VM_EXEC_CONTROL);
	if (x->pin & NVMX_PIN_POSTED_INTR) {
		if (!vid)
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_POSTED_WITHOUT_VID, NVMX_F_PIN_BASED_VM_EXEC_CONTROL);
		if (!(x->exit & NVMX_EXIT_CTL_ACK_INTR_ON_EXIT))
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_POSTED_WITHOUT_ACK, NVMX_F_VM_EXIT_CONTROLS);
		if (V12(s, POSTED_INTR_NV) & 0xff00u)
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_POSTED_VECTOR, NVMX_F_POSTED_INTR_NV);
		if (!nvmx_addr_ok(V12(s, POSTED_INTR_DESC_ADDR), w, 0x3full))
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_POSTED_DESC_ADDR, NVMX_F_POSTED_INTR_DESC_ADDR);
	}
	if ((x->proc2 & NVMX_PROC2_VPID) && (uint16_t)V12(s, VIRTUAL_PROCESSOR_ID) == 0)
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_VPID_ZERO, NVMX_F_VIRTUAL_PROCESSOR_ID);
	const bool ept = x->proc2 & NVMX_PROC2_EPT;
	if (ept) {
		/* SDM 27.2.1.1 and 25.6.11: EPTP fields (caps.h, the one rule). */
		enum nvmx_reason why = nvmx_caps_eptp_check(c, V12(s, EPT_POINTER));
		if (why != NVMX_REASON_NONE) {
			x->reason = why;
			x->field = NVMX_F_EPT_POINTER;
			return NVMX_STATUS_OK;
		}
	}
	if (x->proc2 & NVMX_PROC2_PML) {
		if (!ept)
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_PML_WITHOUT_EPT, NVMX_F_SECONDARY_VM_EXEC_CONTROL);
		if (!nvmx_addr_ok(V12(s, PML_ADDRESS), w, PAGE_MASK))
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_PML_ADDR, NVMX_F_PML_ADDRESS);
	}
	if ((x->proc2 & NVMX_PROC2_UNRESTRICTED_GUEST) && !ept)
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_UNRESTRICTED_WITHOUT_EPT, NVMX_F_SECONDARY_VM_EXEC_CONTROL);
	if ((x->proc2 & NVMX_PROC2_MODE_BASED_EPT_EXEC) && !ept)
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_MBEC_WITHOUT_EPT, NVMX_F_SECONDARY_VM_EXEC_CONTROL);
	if ((x->proc2 & NVMX_PROC2_SPP) && !ept)
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_SPP_WITHOUT_EPT, NVMX_F_SECONDARY_VM_EXEC_CONTROL);
	if (x->proc2 & NVMX_PROC2_VMFUNC) {
		uint64_t fn = V12(s, VM_FUNCTION_CONTROL);
		if (fn & ~nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_VMFUNC))
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_VMFUNC_RESERVED, NVMX_F_VM_FUNCTION_CONTROL);
		if (fn & NVMX_VMFUNC_EPTP_SWITCHING) {
			if (!ept)
				NVMX_ENTRY_FAIL(x, ENTRY_CTL_EPTP_SWITCHING_WITHOUT_EPT,
				                NVMX_F_VM_FUNCTION_CONTROL);
			if (!nvmx_addr_ok(V12(s, EPTP_LIST_ADDRESS), w, PAGE_MASK))
				NVMX_ENTRY_FAIL(x, ENTRY_CTL_EPTP_LIST_ADDR, NVMX_F_EPTP_LIST_ADDRESS);
		}
	}
	if (x->proc2 & NVMX_PROC2_SHADOW_VMCS) {
		if (!nvmx_addr_ok(V12(s, VMREAD_BITMAP), w, PAGE_MASK))
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_VMCS_SHADOW_BITMAP_ADDR, NVMX_F_VMREAD_BITMAP);
		if (!nvmx_addr_ok(V12(s, VMWRITE_BITMAP), w, PAGE_MASK))
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_VMCS_SHADOW_BITMAP_ADDR, NVMX_F_VMWRITE_BITMAP);
	}
	if ((x->proc2 & NVMX_PROC2_EPT_VE) && !nvmx_addr_ok(V12(s, VE_INFORMATION_ADDRESS), w, PAGE_MASK))
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_VE_INFO_ADDR, NVMX_F_VE_INFORMATION_ADDRESS);
	return NVMX_STATUS_OK;
}

/* SDM 27.2.1.2: checks on VM-exit control fields. */
static enum nvmx_status check_exit(struct nvmx_entry_ctx *x)
{
	const struct nvmx_caps *c = x->c;
	struct nvmx_vmcs12 *s = x->s;
	if (!ctl_ok(x->exit, nvmx_caps_allowed0(c, NVMX_MSR_IA32_VMX_EXIT_CTLS),
	            nvmx_caps_allowed1(c, NVMX_MSR_IA32_VMX_EXIT_CTLS)))
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_EXIT_RESERVED, NVMX_F_VM_EXIT_CONTROLS);
	if (!(x->pin & NVMX_PIN_PREEMPTION_TIMER) && (x->exit & NVMX_EXIT_CTL_SAVE_PREEMPTION_TIMER))
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_SAVE_TIMER_WITHOUT_TIMER, NVMX_F_VM_EXIT_CONTROLS);
	if (!msr_area_ok(V12(s, VM_EXIT_MSR_STORE_ADDR), (uint32_t)V12(s, VM_EXIT_MSR_STORE_COUNT),
	                 x->paddr))
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_EXIT_MSR_STORE_ADDR, NVMX_F_VM_EXIT_MSR_STORE_ADDR);
	if (!msr_area_ok(V12(s, VM_EXIT_MSR_LOAD_ADDR), (uint32_t)V12(s, VM_EXIT_MSR_LOAD_COUNT),
	                 x->paddr))
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_EXIT_MSR_LOAD_ADDR, NVMX_F_VM_EXIT_MSR_LOAD_ADDR);
	return NVMX_STATUS_OK;
}

/* Exceptions that push an error code (SDM 6.3.1): #DF #TS #NP #SS #GP #PF #AC. */
static bool has_error_code(unsigned vector)
{
	return vector == NVMX_VEC_DF || (vector >= NVMX_VEC_TS && vector <= NVMX_VEC_PF) ||
	       vector == NVMX_VEC_AC;
}

/* SDM 27.2.1.3: the event-injection fields (they change at every exit and
 * with every event L1 injects; they also read guest CR0.PE). */
static enum nvmx_status check_event(struct nvmx_entry_ctx *x)
{
	const struct nvmx_caps *c = x->c;
	struct nvmx_vmcs12 *s = x->s;
	uint32_t info = (uint32_t)V12(s, VM_ENTRY_INTR_INFO_FIELD);
	if (info & NVMX_INTR_INFO_VALID) {
		const uint32_t f = NVMX_F_VM_ENTRY_INTR_INFO_FIELD;
		unsigned type = (info & NVMX_INTR_INFO_TYPE_MASK) >> NVMX_INTR_INFO_TYPE_SHIFT;
		unsigned vec = info & NVMX_INTR_INFO_VECTOR_MASK;
		bool mtf = nvmx_caps_allowed1(c, NVMX_MSR_IA32_VMX_PROCBASED_CTLS) &
		           NVMX_PROC_MONITOR_TRAP_FLAG;
		bool no_ec_check = nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_BASIC) &
		                   NVMX_BASIC_NO_HW_ERRCODE_CHECK;
		bool pe = V12(s, GUEST_CR0) & NVMX_CR0_PE;
		if (type == NVMX_INTR_TYPE_RESERVED)
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_EVENT_TYPE, f);
		if (type == NVMX_INTR_TYPE_OTHER && !mtf)
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_EVENT_TYPE_OTHER, f);
		if (type == NVMX_INTR_TYPE_NMI && vec != NVMX_VEC_NMI)
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_EVENT_NMI_VECTOR, f);
		if (type == NVMX_INTR_TYPE_HW_EXCEPTION && vec > 31)
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_EVENT_HW_VECTOR, f);
		if (type == NVMX_INTR_TYPE_OTHER && vec != 0)
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_EVENT_OTHER_VECTOR, f);
		bool dec = info & NVMX_INTR_INFO_DELIVER_CODE;
		if (dec) {
			if (x->ug && !pe)
				NVMX_ENTRY_FAIL(x, ENTRY_CTL_EVENT_ERRCODE_MODE, f);
			if (type != NVMX_INTR_TYPE_HW_EXCEPTION)
				NVMX_ENTRY_FAIL(x, ENTRY_CTL_EVENT_ERRCODE_TYPE, f);
			if (!no_ec_check && !has_error_code(vec))
				NVMX_ENTRY_FAIL(x, ENTRY_CTL_EVENT_ERRCODE_VECTOR, f);
		} else if (!no_ec_check && (!x->ug || pe) && type == NVMX_INTR_TYPE_HW_EXCEPTION &&
		           has_error_code(vec)) {
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_EVENT_ERRCODE_MISSING, f);
		}
		if (info & 0x7ffff000u)
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_EVENT_RESERVED, f);
		if (dec && (V12(s, VM_ENTRY_EXCEPTION_ERROR_CODE) & 0xffff0000ull))
			NVMX_ENTRY_FAIL(x, ENTRY_CTL_EVENT_ERRCODE_RESERVED, NVMX_F_VM_ENTRY_EXCEPTION_ERROR_CODE);
		if (type == NVMX_INTR_TYPE_SW_INTR || type == NVMX_INTR_TYPE_PRIV_SW_EXCEPTION ||
		    type == NVMX_INTR_TYPE_SW_EXCEPTION) {
			uint32_t len = (uint32_t)V12(s, VM_ENTRY_INSTRUCTION_LEN);
			bool zero_ok = nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_MISC) & NVMX_MISC_ZERO_LEN_INJECT;
			if (len > 15 || (len == 0 && !zero_ok))
				NVMX_ENTRY_FAIL(x, ENTRY_CTL_EVENT_INSN_LEN, NVMX_F_VM_ENTRY_INSTRUCTION_LEN);
		}
	}
	return NVMX_STATUS_OK;
}

/* SDM 27.2.1.3: checks on VM-entry control fields. */
static enum nvmx_status check_entry(struct nvmx_entry_ctx *x)
{
	const struct nvmx_caps *c = x->c;
	struct nvmx_vmcs12 *s = x->s;
	if (!ctl_ok(x->entry, nvmx_caps_allowed0(c, NVMX_MSR_IA32_VMX_ENTRY_CTLS),
	            nvmx_caps_allowed1(c, NVMX_MSR_IA32_VMX_ENTRY_CTLS)))
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_ENTRY_RESERVED, NVMX_F_VM_ENTRY_CONTROLS);
	NVMX_CHECK(check_event(x));
	if (x->reason)
		return NVMX_STATUS_OK;
	if (!msr_area_ok(V12(s, VM_ENTRY_MSR_LOAD_ADDR), (uint32_t)V12(s, VM_ENTRY_MSR_LOAD_COUNT),
	                 x->paddr))
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_ENTRY_MSR_LOAD_ADDR, NVMX_F_VM_ENTRY_MSR_LOAD_ADDR);
	/* SDM 27.2.1.3: L1 is never in SMM here. */
	if (x->entry & NVMX_ENTRY_CTL_ENTRY_TO_SMM)
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_ENTRY_SMM, NVMX_F_VM_ENTRY_CONTROLS);
	if (x->entry & NVMX_ENTRY_CTL_DEACT_DUAL_MONITOR)
		NVMX_ENTRY_FAIL(x, ENTRY_CTL_DEACT_DUAL_MONITOR, NVMX_F_VM_ENTRY_CONTROLS);
	return NVMX_STATUS_OK;
}

enum nvmx_status nvmx_entry_check_controls(struct nvmx_entry_ctx *x)
{
	NVMX_CHECK(check_exec(x));
	if (x->reason)
		return NVMX_STATUS_OK;
	NVMX_CHECK(check_exit(x));
	if (x->reason)
		return NVMX_STATUS_OK;
	return check_entry(x);
}

enum nvmx_status nvmx_entry_check_controls_volatile(struct nvmx_entry_ctx *x)
{
	NVMX_CHECK(check_vtpr(x));
	if (x->reason)
		return NVMX_STATUS_OK;
	return check_event(x);
}
