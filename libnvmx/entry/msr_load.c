/* SPDX-License-Identifier: MIT */
/*
 * Loading MSRs (SDM 27.4): the VM-entry MSR-load area, 16-byte entries
 * { u32 index, u32 reserved, u64 data }, processed in order after guest
 * state. A failing entry n (1-based) is a VM-entry failure with exit reason
 * 34 and exit qualification n; the entries before it stay loaded. An
 * entry fails when its MSR may not be loaded this way (27.4) or when WRMSR
 * of its value at CPL 0 would raise #GP: the architectural rules of
 * nvmx/msr.h first (result reason MSR_*), then the host's msr_load for the
 * MSRs the library has no rule for and for the existence of the MSR.
 */
#include "entry_int.h"
#include <nvmx/msr.h>

/*
 * The VMCS guest-state field that loads `msr` at VM entry (SDM 25.4.1), or
 * -1. A host that runs L2 on a hardware VMCS02 satisfies an MSR-load entry
 * for such an MSR by writing that VMCS02 field (the processor would load the
 * MSR from it on the entry), so after the host's msr_load the library no
 * longer knows what VMCS02 holds there: the next entry writes it again from
 * VMCS12 (vmcs/sync.h, nvmx_sync_vmcs02_forget).
 */
static int guest_msr_field(uint32_t msr)
{
	static const struct {
		uint32_t msr;
		uint16_t idx;
	} via[] = {
		{ NVMX_MSR_IA32_SYSENTER_CS, NVMX_IDX_GUEST_SYSENTER_CS },
		{ NVMX_MSR_IA32_SYSENTER_ESP, NVMX_IDX_GUEST_SYSENTER_ESP },
		{ NVMX_MSR_IA32_SYSENTER_EIP, NVMX_IDX_GUEST_SYSENTER_EIP },
		{ NVMX_MSR_IA32_DEBUGCTL, NVMX_IDX_GUEST_IA32_DEBUGCTL },
		{ NVMX_MSR_IA32_PAT, NVMX_IDX_GUEST_IA32_PAT },
		{ NVMX_MSR_IA32_PERF_GLOBAL_CTRL, NVMX_IDX_GUEST_IA32_PERF_GLOBAL_CTRL },
		{ NVMX_MSR_IA32_RTIT_CTL, NVMX_IDX_GUEST_IA32_RTIT_CTL },
		{ NVMX_MSR_IA32_S_CET, NVMX_IDX_GUEST_S_CET },
		{ NVMX_MSR_IA32_INTERRUPT_SSP_TABLE_ADDR, NVMX_IDX_GUEST_INTR_SSP_TABLE_ADDR },
		{ NVMX_MSR_IA32_PKRS, NVMX_IDX_GUEST_IA32_PKRS },
		{ NVMX_MSR_IA32_BNDCFGS, NVMX_IDX_GUEST_BNDCFGS },
		{ NVMX_MSR_IA32_LBR_CTL, NVMX_IDX_GUEST_IA32_LBR_CTL },
		{ NVMX_MSR_IA32_EFER, NVMX_IDX_GUEST_IA32_EFER },
	};
	for (unsigned i = 0; i < NVMX_ARRAY_SIZE(via); i++)
		if (via[i].msr == msr)
			return via[i].idx;
	return -1;
}

enum nvmx_status nvmx_entry_load_msrs(struct nvmx_entry_ctx *x)
{
	struct nvmx_vmcs12 *s = x->s;
	uint32_t count = (uint32_t)V12(s, VM_ENTRY_MSR_LOAD_COUNT);
	x->qual = 0;
	if (count == 0)
		return NVMX_STATUS_OK;
	uint64_t addr = V12(s, VM_ENTRY_MSR_LOAD_ADDR);
	uint64_t misc = nvmx_caps_msr(x->c, NVMX_MSR_IA32_VMX_MISC);
	uint32_t max = 512u * (uint32_t)(((misc & NVMX_MISC_MAX_MSR_LIST_MASK) >>
	                                  NVMX_MISC_MAX_MSR_LIST_SHIFT) + 1u);
	x->qual = 0;
	/* SDM A.6: more than the recommended maximum is not processed; the
	 * library fails the entry past the last allowed one. */
	uint32_t n = count > max ? max : count;
	for (uint32_t i = 0; i < n; i++) {
		/* One entry at a time: an area may straddle a page L0 does not back. */
		uint32_t e[4];
		enum nvmx_status st = nvmx_gpa_read(x->v, addr + 16ull * i, e, sizeof(e));
		if (st == NVMX_STATUS_NOT_MAPPED) {
			x->qual = i + 1u;
			NVMX_ENTRY_FAIL(x, ENTRY_MSR_LOAD_UNREADABLE, NVMX_F_VM_ENTRY_MSR_LOAD_ADDR);
		}
		if (st != NVMX_STATUS_OK)
			return NVMX_STATUS_HOST_FAILURE;
		uint64_t val = e[2] | ((uint64_t)e[3] << 32);
		enum nvmx_reason r = nvmx_msr_area_load_rule(e[0], e[1]);
		if (r == NVMX_REASON_NONE) {
			enum nvmx_reason w = nvmx_msr_write_check(e[0], val, x->paddr, x->c->la57);
			if (w != NVMX_REASON_MSR_WRITE_OK && w != NVMX_REASON_MSR_NOT_ARCHITECTURAL)
				r = w;
		}
		if (r == NVMX_REASON_NONE && !NVMX_HOST_HAS(&x->v->vm->ops, msr_load))
			r = NVMX_REASON_ENTRY_MSR_LOAD_REFUSED;
		if (r == NVMX_REASON_NONE) {
			/* NOT_SUPPORTED: WRMSR would fault, an entry failure L1
			 * sees; anything else is the host's failure, not L1's. */
			st = nvmx_host_msr_load(&x->v->vm->ops, x->v->host, true, e[0], val);
			if (st == NVMX_STATUS_NOT_SUPPORTED)
				r = NVMX_REASON_ENTRY_MSR_LOAD_REFUSED;
			else if (st != NVMX_STATUS_OK)
				return NVMX_STATUS_HOST_FAILURE;
			int gf = guest_msr_field(e[0]);
			if (gf >= 0)
				nvmx_sync_vmcs02_forget(x->v, (unsigned)gf);
		}
		if (r != NVMX_REASON_NONE) {
			x->qual = i + 1u;
			x->reason = r;
			x->field = NVMX_F_VM_ENTRY_MSR_LOAD_ADDR;
			x->has_msr = true;
			x->msr = e[0];
			return NVMX_STATUS_OK;
		}
	}
	if (count > max) {
		x->qual = max + 1u;
		NVMX_ENTRY_FAIL(x, ENTRY_MSR_LOAD_COUNT, NVMX_F_VM_ENTRY_MSR_LOAD_COUNT);
	}
	return NVMX_STATUS_OK;
}
