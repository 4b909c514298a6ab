/* SPDX-License-Identifier: MIT */
/*
 * Checks on the guest-state area of VMCS12 (SDM 27.3.1), in the SDM's order:
 * 27.3.1.1 control registers, debug registers and MSRs; 27.3.1.2 segment
 * registers; 27.3.1.3 descriptor-table registers; 27.3.1.4 RIP and RFLAGS;
 * 27.3.1.5 non-register state; 27.3.1.6 PDPTEs. A failure is a VM-entry
 * failure (exit reason 33) with the exit qualification of SDM 27.8:
 * 0 in general, 2 for PDPTEs, 3 for an NMI injected into a guest blocking
 * events by STI, 4 for the VMCS link pointer.
 */
#include "entry_int.h"

#define QUAL_PDPTE 2u
#define QUAL_NMI 3u
#define QUAL_LINK 4u

#define FAILQ(x, r, f, q)                       \
	do {                                    \
		(x)->qual = (q);                \
		NVMX_ENTRY_FAIL(x, r, f);       \
	} while (0)

/* IA32_DEBUGCTL bits that are not reserved: LBR, BTF, 13:6 and RTM_DEBUG. */
#define DEBUGCTL_VALID 0xffc3ull
/* RFLAGS bits that must be 0 (63:22, 15, 5, 3); bit 1 must be 1. */
#define RFLAGS_RESERVED (~0x3fffffull | (1ull << 15) | (1ull << 5) | (1ull << 3))

enum seg { ES, CS, SS, DS, FS, GS, LDTR, TR, NSEG };

struct segv {
	uint16_t sel;
	uint32_t limit, ar;
	uint64_t base;
	uint32_t ar_enc, sel_enc, base_enc, lim_enc;
};

static void load_seg(const struct nvmx_vmcs12 *s, enum seg i, struct segv *o)
{
	/* Selector, limit, AR and base fields are laid out in ES..TR order. */
	o->sel = (uint16_t)s->f[NVMX_IDX_GUEST_ES_SELECTOR + i];
	o->limit = (uint32_t)s->f[NVMX_IDX_GUEST_ES_LIMIT + i];
	o->ar = (uint32_t)s->f[NVMX_IDX_GUEST_ES_AR_BYTES + i];
	o->base = s->f[NVMX_IDX_GUEST_ES_BASE + i];
	o->sel_enc = NVMX_F_GUEST_ES_SELECTOR + 2u * i;
	o->lim_enc = NVMX_F_GUEST_ES_LIMIT + 2u * i;
	o->ar_enc = NVMX_F_GUEST_ES_AR_BYTES + 2u * i;
	o->base_enc = NVMX_F_GUEST_ES_BASE + 2u * i;
}

static bool usable(const struct segv *g) { return !(g->ar & NVMX_AR_UNUSABLE); }
static unsigned type_of(const struct segv *g) { return g->ar & NVMX_AR_TYPE_MASK; }
static unsigned dpl_of(const struct segv *g) { return (g->ar & NVMX_AR_DPL_MASK) >> NVMX_AR_DPL_SHIFT; }

/* Limit vs granularity (SDM 27.3.1.2). */
static bool limit_g_ok(const struct segv *g)
{
	if ((g->limit & 0xfffu) != 0xfffu && (g->ar & NVMX_AR_G))
		return false;
	if ((g->limit & 0xfff00000u) && !(g->ar & NVMX_AR_G))
		return false;
	return true;
}

/* AR reserved bits: 11:8 and 31:17. */
static bool ar_rsvd_ok(const struct segv *g) { return (g->ar & 0xfffe0f00u) == 0; }

static enum nvmx_status check_regs(struct nvmx_entry_ctx *x)
{
	const struct nvmx_caps *c = x->c;
	struct nvmx_vmcs12 *s = x->s;
	uint64_t cr0 = V12(s, GUEST_CR0), cr4 = V12(s, GUEST_CR4);
	uint64_t f0 = nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_CR0_FIXED0);
	if (x->ug)
		f0 &= ~(NVMX_CR0_PE | NVMX_CR0_PG);
	if ((cr0 & f0) != f0 || (cr0 & ~nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_CR0_FIXED1)))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_CR0_FIXED, NVMX_F_GUEST_CR0);
	if ((cr0 & NVMX_CR0_PG) && !(cr0 & NVMX_CR0_PE))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_CR0_PG_WITHOUT_PE, NVMX_F_GUEST_CR0);
	uint64_t c4f0 = nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_CR4_FIXED0);
	if ((cr4 & c4f0) != c4f0 || (cr4 & ~nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_CR4_FIXED1)))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_CR4_FIXED, NVMX_F_GUEST_CR4);
	const bool ldc = x->entry & NVMX_ENTRY_CTL_LOAD_DEBUG_CONTROLS;
	if (ldc && (V12(s, GUEST_IA32_DEBUGCTL) & ~DEBUGCTL_VALID))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_DEBUGCTL, NVMX_F_GUEST_IA32_DEBUGCTL);
	if (x->ia32e && (!(cr0 & NVMX_CR0_PG) || !(cr4 & NVMX_CR4_PAE)))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_IA32E_PAGING, NVMX_F_VM_ENTRY_CONTROLS);
	if (!x->ia32e && (cr4 & NVMX_CR4_PCIDE))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_CR4_PCIDE, NVMX_F_GUEST_CR4);
	if (!nvmx_addr_ok(V12(s, GUEST_CR3), x->paddr, 0))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_CR3_WIDTH, NVMX_F_GUEST_CR3);
	if (ldc && (V12(s, GUEST_DR7) >> 32))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_DR7_HIGH, NVMX_F_GUEST_DR7);
	/* SYSENTER_ESP/EIP are lazily synced: unchecked while trusted. */
	if (!x->rare_trusted && !nvmx_canonical(V12(s, GUEST_SYSENTER_ESP), c->la57))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_SYSENTER_CANONICAL, NVMX_F_GUEST_SYSENTER_ESP);
	if (!x->rare_trusted && !nvmx_canonical(V12(s, GUEST_SYSENTER_EIP), c->la57))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_SYSENTER_CANONICAL, NVMX_F_GUEST_SYSENTER_EIP);
	if ((x->entry & NVMX_ENTRY_CTL_LOAD_PERF_GLOBAL_CTRL) &&
	    (V12(s, GUEST_IA32_PERF_GLOBAL_CTRL) & ~NVMX_PERF_GLOBAL_CTRL_VALID))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_PERF_GLOBAL_CTRL, NVMX_F_GUEST_IA32_PERF_GLOBAL_CTRL);
	if ((x->entry & NVMX_ENTRY_CTL_LOAD_PAT) && !nvmx_pat_ok(V12(s, GUEST_IA32_PAT)))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_PAT, NVMX_F_GUEST_IA32_PAT);
	if (x->entry & NVMX_ENTRY_CTL_LOAD_EFER) {
		uint64_t efer = V12(s, GUEST_IA32_EFER);
		if (efer & NVMX_EFER_RESERVED)
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_EFER_RESERVED, NVMX_F_GUEST_IA32_EFER);
		if (!!(efer & NVMX_EFER_LMA) != x->ia32e)
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_EFER_LMA, NVMX_F_GUEST_IA32_EFER);
		if ((cr0 & NVMX_CR0_PG) && !!(efer & NVMX_EFER_LME) != !!(efer & NVMX_EFER_LMA))
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_EFER_LME, NVMX_F_GUEST_IA32_EFER);
	}
	if (x->entry & NVMX_ENTRY_CTL_LOAD_BNDCFGS) {
		uint64_t b = V12(s, GUEST_BNDCFGS);
		if ((b & 0xffcull) || !nvmx_canonical(b & ~0xfffull, c->la57))
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_BNDCFGS, NVMX_F_GUEST_BNDCFGS);
	}
	return NVMX_STATUS_OK;
}

static enum nvmx_status check_segs(struct nvmx_entry_ctx *x)
{
	struct nvmx_vmcs12 *s = x->s;
	struct segv g[NSEG];
	for (unsigned i = 0; i < NSEG; i++)
		load_seg(s, (enum seg)i, &g[i]);
	const bool v86 = V12(s, GUEST_RFLAGS) & NVMX_RFLAGS_VM;
	const bool la57 = x->c->la57;
	const bool pe = V12(s, GUEST_CR0) & NVMX_CR0_PE;

	/* Selectors. */
	if (g[TR].sel & 4u)
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_TR_TI, g[TR].sel_enc);
	if (usable(&g[LDTR]) && (g[LDTR].sel & 4u))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_LDTR_TI, g[LDTR].sel_enc);
	if (!v86 && !x->ug && (g[SS].sel & 3u) != (g[CS].sel & 3u))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_SS_RPL, g[SS].sel_enc);

	/* Bases. */
	if (v86) {
		for (unsigned i = ES; i <= GS; i++)
			if (g[i].base != (uint64_t)g[i].sel << 4)
				NVMX_ENTRY_FAIL(x, ENTRY_GUEST_V86_BASE, g[i].base_enc);
	}
	if (!nvmx_canonical(g[TR].base, la57))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_BASE_CANONICAL, g[TR].base_enc);
	if (!nvmx_canonical(g[FS].base, la57))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_BASE_CANONICAL, g[FS].base_enc);
	if (!nvmx_canonical(g[GS].base, la57))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_BASE_CANONICAL, g[GS].base_enc);
	if (usable(&g[LDTR]) && !nvmx_canonical(g[LDTR].base, la57))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_BASE_CANONICAL, g[LDTR].base_enc);
	if (g[CS].base >> 32)
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_BASE_HIGH, g[CS].base_enc);
	static const enum seg hi[] = { SS, DS, ES };
	for (unsigned k = 0; k < 3; k++)
		if (usable(&g[hi[k]]) && (g[hi[k]].base >> 32))
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_BASE_HIGH, g[hi[k]].base_enc);

	if (v86) {
		for (unsigned i = ES; i <= GS; i++)
			if (g[i].limit != 0xffffu)
				NVMX_ENTRY_FAIL(x, ENTRY_GUEST_V86_LIMIT, g[i].lim_enc);
		for (unsigned i = ES; i <= GS; i++)
			if (g[i].ar != 0xf3u)
				NVMX_ENTRY_FAIL(x, ENTRY_GUEST_V86_AR, g[i].ar_enc);
	} else {
		/* Types. */
		unsigned cst = type_of(&g[CS]);
		bool cs_type_ok = cst == 9 || cst == 11 || cst == 13 || cst == 15 ||
		                  (x->ug && cst == 3);
		if (!cs_type_ok)
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_CS_TYPE, g[CS].ar_enc);
		if (usable(&g[SS]) && type_of(&g[SS]) != 3 && type_of(&g[SS]) != 7)
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_SS_TYPE, g[SS].ar_enc);
		static const enum seg data[] = { DS, ES, FS, GS };
		for (unsigned k = 0; k < 4; k++) {
			const struct segv *d = &g[data[k]];
			unsigned t = type_of(d);
			if (usable(d) && (!(t & 1u) || ((t & 8u) && !(t & 2u))))
				NVMX_ENTRY_FAIL(x, ENTRY_GUEST_SEG_TYPE, d->ar_enc);
		}
		/* S. */
		static const enum seg cd[] = { CS, SS, DS, ES, FS, GS };
		for (unsigned k = 0; k < 6; k++)
			if ((k == 0 || usable(&g[cd[k]])) && !(g[cd[k]].ar & NVMX_AR_S))
				NVMX_ENTRY_FAIL(x, ENTRY_GUEST_SEG_S, g[cd[k]].ar_enc);
		/* DPL. */
		unsigned csd = dpl_of(&g[CS]), ssd = dpl_of(&g[SS]);
		if (cst == 3 && csd != 0)
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_CS_DPL, g[CS].ar_enc);
		if ((cst == 9 || cst == 11) && csd != ssd)
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_CS_DPL, g[CS].ar_enc);
		if ((cst == 13 || cst == 15) && csd > ssd)
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_CS_DPL, g[CS].ar_enc);
		if (!x->ug && ssd != (g[SS].sel & 3u))
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_SS_DPL, g[SS].ar_enc);
		if ((cst == 3 || !pe) && ssd != 0)
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_SS_DPL, g[SS].ar_enc);
		if (!x->ug) {
			for (unsigned k = 0; k < 4; k++) {
				const struct segv *d = &g[data[k]];
				if (usable(d) && type_of(d) <= 11 && dpl_of(d) < (d->sel & 3u))
					NVMX_ENTRY_FAIL(x, ENTRY_GUEST_SEG_DPL, d->ar_enc);
			}
		}
		/* P, reserved bits, D/B, G. */
		for (unsigned k = 0; k < 6; k++) {
			const struct segv *d = &g[cd[k]];
			if ((k == 0 || usable(d)) && !(d->ar & NVMX_AR_P))
				NVMX_ENTRY_FAIL(x, ENTRY_GUEST_SEG_P, d->ar_enc);
		}
		for (unsigned k = 0; k < 6; k++) {
			const struct segv *d = &g[cd[k]];
			if ((k == 0 || usable(d)) && !ar_rsvd_ok(d))
				NVMX_ENTRY_FAIL(x, ENTRY_GUEST_AR_RESERVED, d->ar_enc);
		}
		if (x->ia32e && (g[CS].ar & NVMX_AR_L) && (g[CS].ar & NVMX_AR_DB))
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_CS_L_DB, g[CS].ar_enc);
		for (unsigned k = 0; k < 6; k++) {
			const struct segv *d = &g[cd[k]];
			if ((k == 0 || usable(d)) && !limit_g_ok(d))
				NVMX_ENTRY_FAIL(x, ENTRY_GUEST_LIMIT_G, d->lim_enc);
		}
	}
	/* TR. */
	unsigned trt = type_of(&g[TR]);
	if (!(trt == 11 || (!x->ia32e && trt == 3)))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_TR_TYPE, g[TR].ar_enc);
	if (g[TR].ar & NVMX_AR_S)
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_TR_S, g[TR].ar_enc);
	if (!(g[TR].ar & NVMX_AR_P))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_TR_P, g[TR].ar_enc);
	if (!ar_rsvd_ok(&g[TR]))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_AR_RESERVED, g[TR].ar_enc);
	if (!limit_g_ok(&g[TR]))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_LIMIT_G, g[TR].lim_enc);
	if (!usable(&g[TR]))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_TR_UNUSABLE, g[TR].ar_enc);
	/* LDTR, if usable. */
	if (usable(&g[LDTR])) {
		if (type_of(&g[LDTR]) != 2 || (g[LDTR].ar & NVMX_AR_S))
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_LDTR_TYPE, g[LDTR].ar_enc);
		if (!(g[LDTR].ar & NVMX_AR_P))
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_LDTR_P, g[LDTR].ar_enc);
		if (!ar_rsvd_ok(&g[LDTR]))
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_AR_RESERVED, g[LDTR].ar_enc);
		if (!limit_g_ok(&g[LDTR]))
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_LIMIT_G, g[LDTR].lim_enc);
	}
	/* 27.3.1.3 */
	if (!nvmx_canonical(V12(s, GUEST_GDTR_BASE), la57))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_DTR_BASE, NVMX_F_GUEST_GDTR_BASE);
	if (!nvmx_canonical(V12(s, GUEST_IDTR_BASE), la57))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_DTR_BASE, NVMX_F_GUEST_IDTR_BASE);
	if (V12(s, GUEST_GDTR_LIMIT) & 0xffff0000ull)
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_DTR_LIMIT, NVMX_F_GUEST_GDTR_LIMIT);
	if (V12(s, GUEST_IDTR_LIMIT) & 0xffff0000ull)
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_DTR_LIMIT, NVMX_F_GUEST_IDTR_LIMIT);
	return NVMX_STATUS_OK;
}

/* 27.3.1.4 */
static enum nvmx_status check_rip_rflags(struct nvmx_entry_ctx *x)
{
	struct nvmx_vmcs12 *s = x->s;
	uint64_t rip = V12(s, GUEST_RIP), rfl = V12(s, GUEST_RFLAGS);
	/* RIP below 4 GiB passes in every mode (it is canonical); only above
	 * does CS.L (a lazily synced field) matter. */
	if (rip >> 32) {
		bool cs_l = nvmx_entry_rare(x, NVMX_IDX_GUEST_CS_AR_BYTES) & NVMX_AR_L;
		if (!(x->ia32e && cs_l) || !nvmx_canonical(rip, x->c->la57))
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_RIP, NVMX_F_GUEST_RIP);
	}
	if ((rfl & RFLAGS_RESERVED) || !(rfl & NVMX_RFLAGS_FIXED1))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_RFLAGS_RESERVED, NVMX_F_GUEST_RFLAGS);
	if ((rfl & NVMX_RFLAGS_VM) && (x->ia32e || !(V12(s, GUEST_CR0) & NVMX_CR0_PE)))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_RFLAGS_VM, NVMX_F_GUEST_RFLAGS);
	uint32_t info = (uint32_t)V12(s, VM_ENTRY_INTR_INFO_FIELD);
	if ((info & NVMX_INTR_INFO_VALID) &&
	    ((info & NVMX_INTR_INFO_TYPE_MASK) >> NVMX_INTR_INFO_TYPE_SHIFT) == NVMX_INTR_TYPE_EXT_INTR &&
	    !(rfl & NVMX_RFLAGS_IF))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_RFLAGS_IF, NVMX_F_GUEST_RFLAGS);
	return NVMX_STATUS_OK;
}

/* 27.3.1.5 */
static enum nvmx_status check_nonreg(struct nvmx_entry_ctx *x)
{
	struct nvmx_vmcs12 *s = x->s;
	const struct nvmx_caps *c = x->c;
	uint64_t misc = nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_MISC);
	uint32_t act = (uint32_t)V12(s, GUEST_ACTIVITY_STATE);
	uint32_t intr = (uint32_t)V12(s, GUEST_INTERRUPTIBILITY_INFO);
	uint32_t info = (uint32_t)V12(s, VM_ENTRY_INTR_INFO_FIELD);
	bool inj = info & NVMX_INTR_INFO_VALID;
	unsigned type = (info & NVMX_INTR_INFO_TYPE_MASK) >> NVMX_INTR_INFO_TYPE_SHIFT;
	unsigned vec = info & NVMX_INTR_INFO_VECTOR_MASK;
	uint64_t rfl = V12(s, GUEST_RFLAGS);
	const bool sti = intr & 1u, movss = intr & 2u;

	bool act_ok = act == 0 || (act == 1 && (misc & NVMX_MISC_ACTIVITY_HLT)) ||
	              (act == 2 && (misc & NVMX_MISC_ACTIVITY_SHUTDOWN)) ||
	              (act == 3 && (misc & NVMX_MISC_ACTIVITY_WAIT_SIPI));
	if (!act_ok)
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_ACTIVITY_STATE, NVMX_F_GUEST_ACTIVITY_STATE);
	if (act == 1 && (nvmx_entry_rare(x, NVMX_IDX_GUEST_SS_AR_BYTES) & NVMX_AR_DPL_MASK))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_ACTIVITY_HLT_DPL, NVMX_F_GUEST_ACTIVITY_STATE);
	if (act != 0 && (sti || movss))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_ACTIVITY_BLOCKING, NVMX_F_GUEST_ACTIVITY_STATE);
	if (inj && act != 0) {
		bool ok;
		if (act == 1)
			ok = type == NVMX_INTR_TYPE_EXT_INTR || type == NVMX_INTR_TYPE_NMI ||
			     (type == NVMX_INTR_TYPE_HW_EXCEPTION && (vec == NVMX_VEC_DB || vec == NVMX_VEC_MC)) ||
			     (type == NVMX_INTR_TYPE_OTHER && vec == 0);
		else if (act == 2)
			ok = type == NVMX_INTR_TYPE_NMI ||
			     (type == NVMX_INTR_TYPE_HW_EXCEPTION && vec == NVMX_VEC_MC);
		else
			ok = false;
		if (!ok)
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_ACTIVITY_EVENT, NVMX_F_VM_ENTRY_INTR_INFO_FIELD);
	}
	if (intr & ~0x1fu)
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_INTR_RESERVED, NVMX_F_GUEST_INTERRUPTIBILITY_INFO);
	if (sti && movss)
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_INTR_STI_MOVSS, NVMX_F_GUEST_INTERRUPTIBILITY_INFO);
	if (sti && !(rfl & NVMX_RFLAGS_IF))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_INTR_STI_IF, NVMX_F_GUEST_INTERRUPTIBILITY_INFO);
	if (inj && type == NVMX_INTR_TYPE_EXT_INTR && (sti || movss))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_INTR_INJECT_BLOCKED, NVMX_F_GUEST_INTERRUPTIBILITY_INFO);
	if (inj && type == NVMX_INTR_TYPE_NMI && movss)
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_INTR_INJECT_BLOCKED, NVMX_F_GUEST_INTERRUPTIBILITY_INFO);
	/* SDM 27.3.1.5 leaves NMI injection under STI blocking model specific;
	 * refusing it keeps VMCS02 valid on every processor (qualification 3,
	 * SDM 27.8). */
	if (inj && type == NVMX_INTR_TYPE_NMI && sti)
		FAILQ(x, ENTRY_GUEST_INTR_NMI_STI, NVMX_F_GUEST_INTERRUPTIBILITY_INFO, QUAL_NMI);
	if (intr & 4u)
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_INTR_SMI, NVMX_F_GUEST_INTERRUPTIBILITY_INFO);
	if (inj && type == NVMX_INTR_TYPE_NMI && (x->pin & NVMX_PIN_VIRTUAL_NMIS) && (intr & 8u))
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_INTR_VNMI_BLOCK, NVMX_F_GUEST_INTERRUPTIBILITY_INFO);
	/* Bit 4 (enclave interruption) needs SGX, which L1 is never offered. */
	if (intr & 0x10u)
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_INTR_ENCLAVE, NVMX_F_GUEST_INTERRUPTIBILITY_INFO);

	/* Pending debug exceptions: bits 3:0 B0-B3, 12 enabled breakpoint,
	 * 14 BS; the rest (incl. RTM bit 16, RTM is not offered) reserved. */
	uint64_t pde = V12(s, GUEST_PENDING_DBG_EXCEPTIONS);
	if (pde & ~0x500full)
		NVMX_ENTRY_FAIL(x, ENTRY_GUEST_PENDING_DBG_RESERVED, NVMX_F_GUEST_PENDING_DBG_EXCEPTIONS);
	if (sti || movss || act == 1) {
		bool tf = rfl & NVMX_RFLAGS_TF;
		bool btf = V12(s, GUEST_IA32_DEBUGCTL) & 2u;
		bool bs = pde & (1ull << 14);
		if ((tf && !btf && !bs) || ((!tf || btf) && bs))
			NVMX_ENTRY_FAIL(x, ENTRY_GUEST_PENDING_DBG_BS, NVMX_F_GUEST_PENDING_DBG_EXCEPTIONS);
	}

	uint64_t link = V12(s, VMCS_LINK_POINTER);
	if (link != ~0ull) {
		if (!nvmx_addr_ok(link, nvmx_caps_vmx_addr_width(c), 0xfffull))
			FAILQ(x, ENTRY_GUEST_LINK_ADDR, NVMX_F_VMCS_LINK_POINTER, QUAL_LINK);
		uint32_t rev;
		enum nvmx_status st = nvmx_gpa_read(x->v, link, &rev, 4);
		if (st != NVMX_STATUS_OK && st != NVMX_STATUS_NOT_MAPPED)
			return NVMX_STATUS_HOST_FAILURE;
		/* A read of memory L0 does not back returns all ones, as a
		 * physical access to nonexistent memory does: never a valid
		 * revision identifier. */
		if (st == NVMX_STATUS_NOT_MAPPED)
			rev = 0xffffffffu;
		if ((rev & 0x7fffffffu) != nvmx_caps_revision(c))
			FAILQ(x, ENTRY_GUEST_LINK_REVISION, NVMX_F_VMCS_LINK_POINTER, QUAL_LINK);
		/* Bit 31 must equal the VMCS-shadowing control: a shadow VMCS
		 * without shadowing fails as well as an ordinary one with it. */
		bool shadow = x->proc2 & NVMX_PROC2_SHADOW_VMCS;
		if ((bool)(rev >> 31) != shadow)
			FAILQ(x, ENTRY_GUEST_LINK_SHADOW_BIT, NVMX_F_VMCS_LINK_POINTER, QUAL_LINK);
		/* L1 never runs in SMM here (the library offers no dual-monitor
		 * treatment), so the link pointer must differ from the
		 * current-VMCS pointer. */
		if (link == s->gpa)
			FAILQ(x, ENTRY_GUEST_LINK_CURRENT, NVMX_F_VMCS_LINK_POINTER, QUAL_LINK);
	}
	return NVMX_STATUS_OK;
}

/* 27.3.1.6: PAE paging outside IA-32e mode uses four PDPTEs. */
static enum nvmx_status check_pdptes(struct nvmx_entry_ctx *x)
{
	struct nvmx_vmcs12 *s = x->s;
	uint64_t cr0 = V12(s, GUEST_CR0), cr4 = V12(s, GUEST_CR4);
	x->pdpte_from_mem = false;
	if (!(cr0 & NVMX_CR0_PG) || !(cr4 & NVMX_CR4_PAE) || x->ia32e)
		return NVMX_STATUS_OK;
	uint64_t p[4];
	if (x->proc2 & NVMX_PROC2_EPT) {
		/* Saved by the processor at the exit (SDM 28.3.1), still in
		 * VMCS02, not written by L1: checked again by the real entry. */
		if (x->rare_trusted)
			return NVMX_STATUS_OK;
		for (unsigned i = 0; i < 4; i++)
			p[i] = s->f[NVMX_IDX_GUEST_PDPTR0 + i];
	} else {
		uint64_t base = V12(s, GUEST_CR3) & 0xffffffe0ull;
		enum nvmx_status st = nvmx_gpa_read(x->v, base, p, sizeof(p));
		if (st == NVMX_STATUS_NOT_MAPPED)
			FAILQ(x, ENTRY_GUEST_PDPTE, NVMX_F_GUEST_CR3, QUAL_PDPTE);
		if (st != NVMX_STATUS_OK)
			return NVMX_STATUS_HOST_FAILURE;
		x->pdpte_from_mem = true;
	}
	/* Present PDPTEs: bits 2:1, 8:5 and beyond MAXPHYADDR reserved. */
	for (unsigned i = 0; i < 4; i++) {
		if ((p[i] & 1u) && ((p[i] & 0x1e6ull) || (x->paddr < 64 && (p[i] >> x->paddr))))
			FAILQ(x, ENTRY_GUEST_PDPTE, NVMX_F_GUEST_PDPTR0 + 2u * i, QUAL_PDPTE);
		x->pdpte[i] = p[i];
	}
	return NVMX_STATUS_OK;
}

enum nvmx_status nvmx_entry_check_guest(struct nvmx_entry_ctx *x)
{
	x->qual = 0;
	NVMX_CHECK(check_regs(x));
	if (x->reason)
		return NVMX_STATUS_OK;
	/* Segments and descriptor tables: only lazily synced fields, under
	 * the mode bits nvmx_sync_lazy_key keeps equal. */
	if (!x->rare_trusted)
		NVMX_CHECK(check_segs(x));
	if (x->reason)
		return NVMX_STATUS_OK;
	NVMX_CHECK(check_rip_rflags(x));
	if (x->reason)
		return NVMX_STATUS_OK;
	NVMX_CHECK(check_nonreg(x));
	if (x->reason)
		return NVMX_STATUS_OK;
	return check_pdptes(x);
}
