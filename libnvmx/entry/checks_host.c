/* SPDX-License-Identifier: MIT */
/*
 * Checks on the host-state area of VMCS12 (SDM 27.2.2 host control registers
 * and MSRs, 27.2.3 segment and descriptor-table registers, 27.2.4 address-
 * space size), in the SDM's order. A failure is VMfailValid(8).
 */
#include "entry_int.h"

static bool fixed_ok(uint64_t v, uint64_t f0, uint64_t f1)
{
	return (v & f0) == f0 && (v & ~f1) == 0;
}

/*
 * The checks of 27.2.2 and 27.2.3 are a pure function of VMCS12's host-state
 * fields, its VM-exit controls and the offered CR0/CR4 fixed bits,
 * MAXPHYADDR and LA57. After they passed on a VMCS12, they pass again as long
 * as its host_ver is the same (vmcs12.h: bumped by a VMWRITE of any of those
 * fields and by a reload from memory) and the capabilities are the same
 * (vm->caps_gen, bumped by nvmx_vm_set_cap and nvmx_vm_set_maxphyaddr). The
 * library itself never writes these fields (nvmx_vmcs12_store is used for
 * exit information and guest state only).
 */
static bool host_unchanged(const struct nvmx_entry_ctx *x)
{
	const struct nvmx_entry_vcpu *e = &x->v->entry;
	return e->host_ok && e->host_ok_s == x->s && e->host_ok_ver == x->s->host_ver &&
	       e->host_ok_caps_gen == x->v->vm->caps_gen;
}

static enum nvmx_status check_host_fields(struct nvmx_entry_ctx *x);

enum nvmx_status nvmx_entry_check_host(struct nvmx_entry_ctx *x)
{
	struct nvmx_entry_vcpu *e = &x->v->entry;
	struct nvmx_vmcs12 *s = x->s;
	const bool host64 = x->exit & NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE;
	const uint64_t cr4 = V12(s, HOST_CR4);
	if (!host_unchanged(x)) {
		e->host_ok = false;
		NVMX_CHECK(check_host_fields(x));
		if (x->reason)
			return NVMX_STATUS_OK;
		e->host_ok = true;
		e->host_ok_s = s;
		e->host_ok_ver = s->host_ver;
		e->host_ok_caps_gen = x->v->vm->caps_gen;
	}

	/* 27.2.4, always: it also reads L1's EFER and the IA-32e mode guest
	 * entry control, which the exit updates without a host_ver bump (SDM 28.2). */
	bool l1_64 = x->l1_efer & NVMX_EFER_LMA;
	if (l1_64 != host64)
		NVMX_ENTRY_FAIL(x, ENTRY_HOST_ADDR_SPACE_L1_MODE, NVMX_F_VM_EXIT_CONTROLS);
	uint64_t rip = V12(s, HOST_RIP);
	if (!host64) {
		if (x->ia32e)
			NVMX_ENTRY_FAIL(x, ENTRY_HOST_ADDR_SPACE_GUEST, NVMX_F_VM_ENTRY_CONTROLS);
		if (cr4 & NVMX_CR4_PCIDE)
			NVMX_ENTRY_FAIL(x, ENTRY_HOST_CR4_PCIDE, NVMX_F_HOST_CR4);
		if (rip >> 32)
			NVMX_ENTRY_FAIL(x, ENTRY_HOST_RIP, NVMX_F_HOST_RIP);
	} else {
		if (!(cr4 & NVMX_CR4_PAE))
			NVMX_ENTRY_FAIL(x, ENTRY_HOST_CR4_PAE, NVMX_F_HOST_CR4);
		if (!nvmx_canonical(rip, x->c->la57))
			NVMX_ENTRY_FAIL(x, ENTRY_HOST_RIP, NVMX_F_HOST_RIP);
	}
	return NVMX_STATUS_OK;
}

/* 27.2.2 and 27.2.3, in the SDM's order. */
static enum nvmx_status check_host_fields(struct nvmx_entry_ctx *x)
{
	const struct nvmx_caps *c = x->c;
	struct nvmx_vmcs12 *s = x->s;
	const bool host64 = x->exit & NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE;
	const bool la57 = c->la57;
	const uint64_t cr4 = V12(s, HOST_CR4);

	/* 27.2.2 */
	if (!fixed_ok(V12(s, HOST_CR0), nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_CR0_FIXED0),
	              nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_CR0_FIXED1)))
		NVMX_ENTRY_FAIL(x, ENTRY_HOST_CR0_FIXED, NVMX_F_HOST_CR0);
	if (!fixed_ok(cr4, nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_CR4_FIXED0),
	              nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_CR4_FIXED1)))
		NVMX_ENTRY_FAIL(x, ENTRY_HOST_CR4_FIXED, NVMX_F_HOST_CR4);
	if (!nvmx_addr_ok(V12(s, HOST_CR3), x->paddr, 0))
		NVMX_ENTRY_FAIL(x, ENTRY_HOST_CR3_WIDTH, NVMX_F_HOST_CR3);
	if (!nvmx_canonical(V12(s, HOST_IA32_SYSENTER_ESP), la57))
		NVMX_ENTRY_FAIL(x, ENTRY_HOST_SYSENTER_CANONICAL, NVMX_F_HOST_IA32_SYSENTER_ESP);
	if (!nvmx_canonical(V12(s, HOST_IA32_SYSENTER_EIP), la57))
		NVMX_ENTRY_FAIL(x, ENTRY_HOST_SYSENTER_CANONICAL, NVMX_F_HOST_IA32_SYSENTER_EIP);
	if ((x->exit & NVMX_EXIT_CTL_LOAD_PERF_GLOBAL_CTRL) &&
	    (V12(s, HOST_IA32_PERF_GLOBAL_CTRL) & ~NVMX_PERF_GLOBAL_CTRL_VALID))
		NVMX_ENTRY_FAIL(x, ENTRY_HOST_PERF_GLOBAL_CTRL, NVMX_F_HOST_IA32_PERF_GLOBAL_CTRL);
	if ((x->exit & NVMX_EXIT_CTL_LOAD_PAT) && !nvmx_pat_ok(V12(s, HOST_IA32_PAT)))
		NVMX_ENTRY_FAIL(x, ENTRY_HOST_PAT, NVMX_F_HOST_IA32_PAT);
	if (x->exit & NVMX_EXIT_CTL_LOAD_EFER) {
		uint64_t efer = V12(s, HOST_IA32_EFER);
		if (efer & NVMX_EFER_RESERVED)
			NVMX_ENTRY_FAIL(x, ENTRY_HOST_EFER_RESERVED, NVMX_F_HOST_IA32_EFER);
		if (!!(efer & NVMX_EFER_LMA) != host64 || !!(efer & NVMX_EFER_LME) != host64)
			NVMX_ENTRY_FAIL(x, ENTRY_HOST_EFER_LMA_LME, NVMX_F_HOST_IA32_EFER);
	}

	/* 27.2.3 */
	static const uint16_t sels[] = { NVMX_IDX_HOST_ES_SELECTOR, NVMX_IDX_HOST_CS_SELECTOR,
	                                 NVMX_IDX_HOST_SS_SELECTOR, NVMX_IDX_HOST_DS_SELECTOR,
	                                 NVMX_IDX_HOST_FS_SELECTOR, NVMX_IDX_HOST_GS_SELECTOR,
	                                 NVMX_IDX_HOST_TR_SELECTOR };
	static const uint16_t sel_enc[] = { NVMX_F_HOST_ES_SELECTOR, NVMX_F_HOST_CS_SELECTOR,
	                                    NVMX_F_HOST_SS_SELECTOR, NVMX_F_HOST_DS_SELECTOR,
	                                    NVMX_F_HOST_FS_SELECTOR, NVMX_F_HOST_GS_SELECTOR,
	                                    NVMX_F_HOST_TR_SELECTOR };
	for (unsigned i = 0; i < NVMX_ARRAY_SIZE(sels); i++)
		if (s->f[sels[i]] & 7u)
			NVMX_ENTRY_FAIL(x, ENTRY_HOST_SEL_RPL_TI, sel_enc[i]);
	if ((uint16_t)V12(s, HOST_CS_SELECTOR) == 0)
		NVMX_ENTRY_FAIL(x, ENTRY_HOST_CS_NULL, NVMX_F_HOST_CS_SELECTOR);
	if ((uint16_t)V12(s, HOST_TR_SELECTOR) == 0)
		NVMX_ENTRY_FAIL(x, ENTRY_HOST_TR_NULL, NVMX_F_HOST_TR_SELECTOR);
	if (!host64 && (uint16_t)V12(s, HOST_SS_SELECTOR) == 0)
		NVMX_ENTRY_FAIL(x, ENTRY_HOST_SS_NULL, NVMX_F_HOST_SS_SELECTOR);
	static const uint16_t bases[] = { NVMX_IDX_HOST_FS_BASE, NVMX_IDX_HOST_GS_BASE,
	                                  NVMX_IDX_HOST_GDTR_BASE, NVMX_IDX_HOST_IDTR_BASE,
	                                  NVMX_IDX_HOST_TR_BASE };
	static const uint16_t base_enc[] = { NVMX_F_HOST_FS_BASE, NVMX_F_HOST_GS_BASE,
	                                     NVMX_F_HOST_GDTR_BASE, NVMX_F_HOST_IDTR_BASE,
	                                     NVMX_F_HOST_TR_BASE };
	for (unsigned i = 0; i < NVMX_ARRAY_SIZE(bases); i++)
		if (!nvmx_canonical(s->f[bases[i]], la57))
			NVMX_ENTRY_FAIL(x, ENTRY_HOST_BASE_CANONICAL, base_enc[i]);

	return NVMX_STATUS_OK;
}
